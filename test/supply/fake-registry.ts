/**
 * A fake npm registry on loopback (HTTPS, so the broker can carry it): packuments as JSON at `/<name>` and tarballs
 * at `/<name>/-/<file>.tgz`, built here with the tar format (test/supply/archive-builder.ts), with the sha512
 * integrity npm checks. Every request is logged, so a test can tell whether an install reached the registry.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tgz } from './archive-builder.js';
import type { TestServer, TlsFixture } from '../net/helpers.js';

export interface FakePackage {
  readonly name: string;
  readonly version: string;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly scripts?: Readonly<Record<string, string>>;
  readonly bin?: Readonly<Record<string, string>>;
  /** Files of the package besides package.json (path inside the package → content). */
  readonly files?: Readonly<Record<string, string>>;
  /** Serve the tarball URL on this host instead of the registry's (a tree that reaches elsewhere). */
  readonly tarballHost?: string;
}

export interface FakeRegistry {
  readonly server: TestServer;
  /** `https://registry.test:PORT/` */
  readonly url: string;
  /** Paths requested so far. */
  readonly requests: string[];
  close(): Promise<void>;
}

function tarballOf(p: FakePackage): Buffer {
  const manifest = {
    name: p.name,
    version: p.version,
    ...(p.dependencies ? { dependencies: p.dependencies } : {}),
    ...(p.scripts ? { scripts: p.scripts } : {}),
    ...(p.bin ? { bin: p.bin } : {}),
  };
  return tgz([
    { name: 'package/package.json', data: JSON.stringify(manifest, null, 2) },
    ...Object.entries(p.files ?? {}).map(([name, data]) => ({ name: `package/${name}`, data })),
  ]);
}

const fileName = (p: FakePackage) => `${p.name.split('/').pop() ?? p.name}-${p.version}.tgz`;

export async function fakeRegistry(
  tls: TlsFixture,
  packages: readonly FakePackage[],
  names: readonly string[] = ['registry.test'],
): Promise<FakeRegistry> {
  const requests: string[] = [];
  const tarballs = new Map<string, Buffer>();
  for (const p of packages) tarballs.set(`/${p.name}/-/${fileName(p)}`, tarballOf(p));
  let port = 0;
  const packument = (name: string) => {
    const versions = packages.filter((p) => p.name === name);
    if (versions.length === 0) return undefined;
    const doc: Record<string, unknown> = {
      name,
      'dist-tags': { latest: versions[versions.length - 1]?.version },
      versions: Object.fromEntries(
        versions.map((p) => {
          const data = tarballs.get(`/${p.name}/-/${fileName(p)}`) as Buffer;
          return [
            p.version,
            {
              name: p.name,
              version: p.version,
              ...(p.dependencies ? { dependencies: p.dependencies } : {}),
              ...(p.scripts ? { scripts: p.scripts } : {}),
              ...(p.bin ? { bin: p.bin } : {}),
              dist: {
                tarball: `https://${p.tarballHost ?? 'registry.test'}:${port}/${p.name}/-/${fileName(p)}`,
                integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`,
                shasum: createHash('sha1').update(data).digest('hex'),
              },
            },
          ];
        }),
      ),
    };
    return JSON.stringify(doc);
  };
  const server = await tls.server(
    (req: IncomingMessage, _body: string, res: ServerResponse) => {
      const url = decodeURIComponent(new URL(req.url ?? '/', 'https://registry.test').pathname);
      requests.push(`${req.headers.host ?? ''}${url}`);
      const tarball = tarballs.get(url);
      if (tarball) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': tarball.length });
        return res.end(tarball);
      }
      const doc = packument(url.slice(1));
      if (doc === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        return res.end('{"error":"not found"}');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(doc);
    },
    [...names],
  );
  port = server.port;
  return { server, url: `https://registry.test:${port}/`, requests, close: () => server.close() };
}
