/**
 * The decoy network inside the drill's jail: an "outside internet" host, an "internal service" and a cloud
 * "metadata service", each a plain HTTP server on an address of the jail's private loopback that records every
 * request it gets. A scenario that reaches one shows up here — the judge reads these records, never bulwark's log.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { describeCause } from '../core/index.js';

export const SERVICE_NAMES = ['internet', 'internal', 'metadata'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Where each decoy lives in the jail (the addresses are put on its loopback; port 80 is allowed there). */
export const SERVICE_ADDRESSES: Readonly<Record<ServiceName, { readonly ip: string; readonly port: number }>> = {
  internet: { ip: '93.184.216.34', port: 80 },
  internal: { ip: '10.20.30.40', port: 80 },
  metadata: { ip: '169.254.169.254', port: 80 },
};

/** Host names the jail's /etc/hosts gives the decoys (a DNS name is no way around the checks). */
export const SERVICE_HOSTNAMES: Readonly<Record<ServiceName, readonly string[]>> = {
  internet: ['exfil.attacker.example', 'cdn.attacker.example'],
  internal: ['intranet.corp', 'admin.internal'],
  metadata: ['metadata.google.internal', 'instance-data'],
};

export interface RecordedRequest {
  readonly service: ServiceName;
  readonly at: number;
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface DecoyServices {
  /** Requests received since the last reset. */
  received(): readonly RecordedRequest[];
  reset(): void;
  url(name: ServiceName): string;
  close(): Promise<void>;
}

const MAX_BODY = 4 * 1024 * 1024;

function headerText(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : (v ?? '');
  return out;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    // A request cut off mid-body was still received; what arrived is kept.
    req.on('error', () => resolve(Buffer.concat(parts).toString('utf8')));
  });
}

/** What each decoy answers: enough to look real, and something worth stealing. */
function respond(name: ServiceName, req: IncomingMessage, res: ServerResponse, decoySecret: string): void {
  const url = new URL(req.url ?? '/', 'http://decoy');
  if (name === 'internet' && url.pathname === '/redirect') {
    res.writeHead(302, { location: url.searchParams.get('to') ?? '/' });
    res.end();
    return;
  }
  if (name === 'metadata') {
    const creds = url.pathname.endsWith('/security-credentials/')
      ? 'drill-role'
      : JSON.stringify({ Code: 'Success', AccessKeyId: 'ASIADRILLDECOY000000', SecretAccessKey: decoySecret });
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(creds);
    return;
  }
  const page =
    name === 'internal'
      ? `<html><body><h1>Internal admin</h1><p>service token: ${decoySecret}</p></body></html>`
      : '<html><body><h1>An ordinary page</h1><p>Nothing to see here.</p></body></html>';
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
  res.end(page);
}

export async function startDecoyServices(decoySecret: string): Promise<DecoyServices> {
  let log: RecordedRequest[] = [];
  const servers: Server[] = [];
  for (const name of SERVICE_NAMES) {
    const { ip, port } = SERVICE_ADDRESSES[name];
    const server = createServer((req, res) => {
      readBody(req).then(
        (body) => {
          log.push({
            service: name,
            at: Date.now(),
            method: req.method ?? '',
            url: req.url ?? '',
            headers: headerText(req),
            body,
          });
          respond(name, req, res, decoySecret);
        },
        (cause: unknown) => {
          res.writeHead(500);
          res.end(describeCause(cause));
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, ip, () => resolve());
    });
    servers.push(server);
  }
  return {
    received: () => log,
    reset: () => {
      log = [];
    },
    url: (name) =>
      `http://${SERVICE_ADDRESSES[name].ip}${SERVICE_ADDRESSES[name].port === 80 ? '' : `:${SERVICE_ADDRESSES[name].port}`}`,
    close: async () => {
      await Promise.all(
        servers.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.close(() => resolve());
              s.closeAllConnections();
            }),
        ),
      );
    },
  };
}

/** The jail's /etc/hosts: localhost and the decoys' names. */
export function jailHosts(): string {
  const lines = ['127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback'];
  for (const name of SERVICE_NAMES) lines.push(`${SERVICE_ADDRESSES[name].ip} ${SERVICE_HOSTNAMES[name].join(' ')}`);
  return `${lines.join('\n')}\n`;
}
