/**
 * A git smart-HTTP server over HTTPS on loopback: a Node https server that runs `git http-backend` as a CGI program
 * for every request, with a certificate issued by its own test CA (the broker's CA helpers, so a real chain: leaf +
 * CA). Every request must carry exactly the `Authorization` header given (e.g. Basic for `x-access-token:<token>`, as
 * git hosts take a push token); anything else gets 401 and never reaches git.
 */
import { spawn } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { createCa, LeafIssuer } from '../../src/broker/ca.js';
import { unwrap } from '../../src/core/result.js';

export interface GitRequest {
  readonly method: string;
  readonly path: string;
  readonly authorized: boolean;
  /** The Authorization header as it arrived (the test checks the broker put the vault value there). */
  readonly authorization?: string;
}

export interface GitHttpsServer {
  readonly port: number;
  /** `https://127.0.0.1:PORT/<name>.git` for a bare repository created with `bareRepo`. */
  url(name: string): string;
  /** PEM of the test CA that signed the server certificate (not the server certificate itself). */
  readonly caPem: string;
  readonly requests: GitRequest[];
  /** Creates an empty bare repository `<name>.git` under the server root. */
  bareRepo(name: string): string;
  close(): Promise<void>;
}

const GIT_ENV = { PATH: '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1' };

function cgi(root: string, req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'https://git.invalid');
  const env: Record<string, string> = {
    ...GIT_ENV,
    HOME: root,
    GIT_PROJECT_ROOT: root,
    GIT_HTTP_EXPORT_ALL: '1',
    // An authenticated user enables receive-pack (push) without touching the repository's config.
    REMOTE_USER: 'pusher',
    REMOTE_ADDR: '127.0.0.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: String(req.headers['content-type'] ?? ''),
    ...(req.headers['content-length'] !== undefined ? { CONTENT_LENGTH: String(req.headers['content-length']) } : {}),
    ...(req.headers['git-protocol'] !== undefined ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
  };
  const child = spawn('git', ['-c', 'safe.directory=*', 'http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headersDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0]);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
  });
  const stderr: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  child.on('close', (code) => {
    if (!headersDone) {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`git http-backend exited ${code}: ${Buffer.concat(stderr).toString('utf8')}`);
      return;
    }
    res.end();
  });
}

export async function startGitHttpsServer(root: string, requiredAuthorization: string): Promise<GitHttpsServer> {
  const ca = unwrap(await createCa('bulwark test git CA'));
  const leaf = unwrap(await new LeafIssuer(ca).issue('127.0.0.1'));
  const requests: GitRequest[] = [];
  const server: Server = createServer({ cert: leaf.certPem + ca.certPem, key: leaf.keyPem }, (req, res) => {
    const authorization = req.headers.authorization;
    const authorized = authorization === requiredAuthorization;
    requests.push({
      method: req.method ?? '',
      path: req.url ?? '',
      authorized,
      ...(authorization !== undefined ? { authorization } : {}),
    });
    if (!authorized) {
      req.resume();
      res.writeHead(401, { 'content-type': 'text/plain' });
      res.end('credentials are required\n');
      return;
    }
    cgi(root, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: (name) => `https://127.0.0.1:${port}/${name}.git`,
    caPem: ca.certPem,
    requests,
    bareRepo(name) {
      const dir = path.join(root, `${name}.git`);
      execFileSync('git', ['init', '-q', '--bare', '-b', 'main', dir], { env: { ...GIT_ENV, HOME: root } });
      return dir;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
