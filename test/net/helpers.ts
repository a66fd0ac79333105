/** Local test servers on 127.0.0.x: plain HTTP and HTTPS with a throwaway CA. Nothing leaves loopback. */
import { createServer as createHttp, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createCa, LeafIssuer } from '../../src/broker/ca.js';
import { unwrap } from '../../src/core/result.js';

export interface LoggedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly local: string;
}

export interface TestServer {
  readonly port: number;
  readonly host: string;
  readonly log: LoggedRequest[];
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

async function listen(server: Server, host: string, handler: Handler, wantPort = 0): Promise<TestServer> {
  const log: LoggedRequest[] = [];
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      log.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        local: req.socket.localAddress ?? '',
      });
      handler(req, body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(wantPort, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

export function httpServer(handler: Handler, host = '127.0.0.1', port = 0): Promise<TestServer> {
  return listen(createHttp(), host, handler, port);
}

export interface TlsFixture {
  readonly caPem: string;
  server(handler: Handler, names: readonly string[], host?: string): Promise<TestServer>;
}

/** A throwaway upstream CA (not the broker's) and HTTPS servers with leaves for the given names. */
export async function tlsFixture(): Promise<TlsFixture> {
  const ca = unwrap(await createCa('test upstream CA'));
  const issuer = new LeafIssuer(ca);
  return {
    caPem: ca.certPem,
    async server(handler, names, host = '127.0.0.1') {
      const leaf = unwrap(await issuer.issue(names[0] as string, names.slice(1)));
      return listen(
        createHttps({ cert: leaf.certPem + ca.certPem, key: leaf.keyPem }) as unknown as Server,
        host,
        handler,
      );
    },
  };
}

export const text =
  (body: string, status = 200, type = 'text/plain') =>
  (_req: IncomingMessage, _b: string, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  };
