/**
 * An attacker's HTTP server on loopback for e2e tests: it records every request line it gets and answers 200 "ok".
 * `close` stops it; a test closes it after each case.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AttackerServer {
  /** `METHOD /path?query` of every request, in order. */
  readonly hits: string[];
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export async function startAttacker(): Promise<AttackerServer> {
  const hits: string[] = [];
  const srv = createServer((req, res) => {
    hits.push(`${req.method ?? ''} ${req.url ?? ''}`);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as AddressInfo).port;
  return {
    hits,
    port,
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
  };
}
