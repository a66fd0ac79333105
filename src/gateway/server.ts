/** Serves the gateway app on host:port (port 0 = any free port), over HTTPS when given TLS options, and closes it cleanly. */
import { serve, type ServerType } from '@hono/node-server';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TlsOptions } from 'node:tls';
import type { Gateway } from './app.js';

export interface RunningServer {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Stops accepting, cancels turns in flight, closes idle then all connections. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function listen(gateway: Gateway, host: string, port: number, tls?: TlsOptions): Promise<RunningServer> {
  return new Promise((resolveListen, rejectListen) => {
    let server: ServerType | undefined = undefined;
    const onError = (error: Error): void =>
      rejectListen(
        new Error(
          `cannot listen on ${host}:${port}: ${error.message}; pick another port with --port or server.port in config.yaml`,
        ),
      );
    const options = tls
      ? {
          fetch: gateway.app.fetch,
          hostname: host,
          port,
          createServer: createHttpsServer,
          serverOptions: { ...gateway.connections.serverOptions(), ...tls },
        }
      : { fetch: gateway.app.fetch, hostname: host, port, serverOptions: gateway.connections.serverOptions() };
    server = serve(options, (info: AddressInfo) => {
      const http = server as Server;
      http.off('error', onError);
      resolveListen({
        url: `${tls ? 'https' : 'http'}://${urlHost(host)}:${info.port}`,
        host,
        port: info.port,
        close: () =>
          new Promise<void>((resolveClose) => {
            gateway.turns.cancelAll();
            // Refusals answered while keep-alive connections drain still count: summarise after the last one.
            http.close(() => {
              gateway.close();
              resolveClose();
            });
            http.closeIdleConnections();
            // Streams of cancelled turns finish within a tick; whatever is left is cut.
            setTimeout(() => http.closeAllConnections(), 200).unref();
          }),
      });
    });
    gateway.connections.attach(server as Server);
    (server as Server).once('error', onError);
  });
}
