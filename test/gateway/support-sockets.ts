/** Raw HTTP over real sockets from chosen loopback source addresses (127.0.0.x), for the gateway abuse tests. */
import http from 'node:http';
import net from 'node:net';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface RawResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

export interface RawRequest {
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** Source address, e.g. 127.0.0.7 (any 127/8 address works on Linux loopback). */
  readonly localAddress?: string;
  readonly agent?: http.Agent;
}

export function rawRequest(baseUrl: string, req: RawRequest): Promise<RawResponse> {
  const u = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: u.hostname,
        port: Number(u.port),
        path: req.path,
        method: req.method ?? 'GET',
        headers: req.headers ?? {},
        ...(req.localAddress ? { localAddress: req.localAddress } : {}),
        ...(req.agent ? { agent: req.agent } : {}),
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** Keep-alive agents, one per source address 127.0.0.(first … first+count-1). */
export function loopbackAgents(count: number, first = 2): Array<{ address: string; agent: http.Agent }> {
  return Array.from({ length: count }, (_, i) => {
    const address = `127.0.0.${first + i}`;
    return { address, agent: new http.Agent({ keepAlive: true, maxSockets: 4, localAddress: address }) };
  });
}

/** Runs `n` jobs, `width` at a time. */
export async function inBatches<T>(n: number, width: number, job: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i += width) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, k) => job(i + k)))));
  }
  return out;
}

/**
 * Opens `count` connections that send the start of a request and then nothing (a slow-header client), from
 * source addresses 127.0.0.2 … 127.0.0.201 in turn. Resolves once every one is connected.
 */
export async function slowHeaderFlood(baseUrl: string, count: number): Promise<net.Socket[]> {
  const u = new URL(baseUrl);
  const sockets: net.Socket[] = [];
  await inBatches(count, 100, (i) => {
    return new Promise<void>((resolve) => {
      const s = net.connect({ host: u.hostname, port: Number(u.port), localAddress: `127.0.0.${2 + (i % 200)}` });
      s.on('error', () => resolve());
      s.on('close', () => closedSockets.add(s));
      s.on('connect', () => {
        s.write(`GET /v1/models HTTP/1.1\r\nHost: ${u.host}\r\nX-Slow: `);
        resolve();
      });
      sockets.push(s);
    });
  });
  return sockets;
}

const closedSockets = new WeakSet<net.Socket>();

/** How many of the sockets the server has not closed. */
export function stillOpen(sockets: readonly net.Socket[]): number {
  return sockets.filter((s) => !closedSockets.has(s)).length;
}

/** Bytes of a log and its rotated files in `dir` (name, name.1, name.2, …). */
export function logBytes(dir: string, name: string): number {
  return readdirSync(dir)
    .filter((f) => f === name || f.startsWith(`${name}.`))
    .reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);
}
