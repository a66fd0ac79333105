/**
 * The in-sandbox forwarder: a TCP listener on 127.0.0.1 (inside the sandbox's own network namespace) that
 * pipes every connection to the broker's unix socket, for tools that only understand HTTPS_PROXY=http://host:port.
 * It adds nothing and checks nothing: the token and every rule are enforced by the broker on the other side.
 * Run inside the sandbox as: node forwarder-main.js <port> <socketPath>
 */
import { createConnection, createServer, type Server } from 'node:net';
import { once } from 'node:events';

export async function startForwarder(opts: {
  port: number;
  socketPath: string;
  host?: string;
}): Promise<{ port: number; server: Server; close(): Promise<void> }> {
  const open = new Set<{ destroy(): void }>();
  const server = createServer((client) => {
    const upstream = createConnection(opts.socketPath);
    open.add(client);
    client.on('close', () => open.delete(client));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', end);
    upstream.on('close', end);
  });
  server.listen(opts.port, opts.host ?? '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of open) c.destroy();
        server.close(() => resolve());
      }),
  };
}
