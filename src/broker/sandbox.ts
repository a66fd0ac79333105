/**
 * Broker wiring for one sandboxed spawn (exec network mode `broker`): a fresh proxy session on a unix socket,
 * the CA bundle (the broker CA only), the in-sandbox forwarder program, and the environment the child gets.
 * The result carries the exec room's BrokerAccess (sockets, files, env) plus a command wrapper
 * that starts the forwarder before the command, and `close()` that revokes the token when the spawn exits.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { childPath, bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import type { BrokerAccess, EgressJudge } from '../exec/index.js';
import type { Broker } from './broker.js';
import type { BrokerIdentity, ProxySession } from './proxy.js';

export const SANDBOX_RUN_DIR = '/run/bulwark';
export const SANDBOX_SOCKET = `${SANDBOX_RUN_DIR}/broker.sock`;
export const SANDBOX_CA_BUNDLE = `${SANDBOX_RUN_DIR}/ca.pem`;
export const SANDBOX_FORWARDER = `${SANDBOX_RUN_DIR}/forwarder.mjs`;
export const FORWARDER_PORT = 3128;
const READY_FILE = '/tmp/.bulwark-forwarder-ready';

/**
 * The forwarder as a standalone Node program (no imports outside node:), written next to the socket and bound
 * read-only into the sandbox. TCP 127.0.0.1:PORT (the sandbox's own loopback) → the broker's unix socket.
 */
export const FORWARDER_SOURCE = `import { createConnection, createServer } from 'node:net';
import { rmSync, writeFileSync } from 'node:fs';
const [port, socketPath, readyFile] = process.argv.slice(2);
const server = createServer((client) => {
  const upstream = createConnection(socketPath);
  client.pipe(upstream);
  upstream.pipe(client);
  const end = () => { client.destroy(); upstream.destroy(); };
  client.on('error', end);
  upstream.on('error', end);
  client.on('close', end);
  upstream.on('close', end);
});
server.listen(Number(port), '127.0.0.1', () => writeFileSync(readyFile, 'ready'));
`;

export interface BrokerSpawn {
  readonly session: ProxySession;
  /** What the sandbox gets: the socket and CA bundle bound in, the proxy environment. */
  readonly access: BrokerAccess;
  /** argv that starts the forwarder, waits until it listens, then execs `command`. */
  wrapCommand(command: readonly string[]): string[];
  /** Revokes the session token, closes the socket and removes the files it wrote: call when the spawn exits. */
  close(): Promise<void>;
}

export interface BrokerSpawnOptions {
  /** A fresh directory only the daemon can write (e.g. mkdtemp 0700); holds the socket, CA bundle and forwarder. */
  readonly hostDir: string;
  /** Node binary visible inside the sandbox (bound read-only there); default: the daemon's own. */
  readonly nodePath?: string;
  /** L08.1 for this run's requests (see ProxySessionOptions). */
  readonly egress?: EgressJudge;
  /** The only hosts this spawn may reach (see ProxySessionOptions.onlyHosts). */
  readonly onlyHosts?: readonly string[];
}

export async function prepareBrokerSpawn(
  broker: Broker,
  identity: BrokerIdentity,
  opts: BrokerSpawnOptions,
): Promise<Result<BrokerSpawn, BulwarkError>> {
  const caFile = childPath(opts.hostDir, 'ca.pem');
  const fwdFile = childPath(opts.hostDir, 'forwarder.mjs');
  try {
    writeFileSync(caFile, broker.caCertPem, { mode: 0o644, flag: 'wx' });
    writeFileSync(fwdFile, FORWARDER_SOURCE, { mode: 0o644, flag: 'wx' });
  } catch (cause) {
    return err(
      bulwarkError(
        'broker.spawn_files',
        `cannot prepare the broker files in ${opts.hostDir}: ${describeCause(cause)}`,
        { layer: 'L08' },
      ),
    );
  }
  const session = await broker.openSession(identity, childPath(opts.hostDir, 'broker.sock'), {
    ...(opts.egress ? { egress: opts.egress } : {}),
    ...(opts.onlyHosts ? { onlyHosts: opts.onlyHosts } : {}),
  });
  if (!session.ok) return session;
  const s = session.value;
  const proxyUrl = `http://bulwark:${s.token}@127.0.0.1:${FORWARDER_PORT}`;
  const env = { ...broker.sandboxEnv({ proxyUrl, caBundlePath: SANDBOX_CA_BUNDLE }), NO_PROXY: '', no_proxy: '' };
  const node = opts.nodePath ?? process.execPath;
  return ok({
    session: s,
    access: {
      sockets: [{ host: s.socketPath, inside: SANDBOX_SOCKET }],
      files: [
        { host: caFile, inside: SANDBOX_CA_BUNDLE },
        { host: fwdFile, inside: SANDBOX_FORWARDER },
      ],
      env,
    },
    wrapCommand(command) {
      const start =
        `"$0" ${SANDBOX_FORWARDER} ${FORWARDER_PORT} ${SANDBOX_SOCKET} ${READY_FILE} & ` +
        `i=0; while [ ! -e ${READY_FILE} ]; do i=$((i+1)); [ $i -gt 500 ] && { echo "bulwark: broker forwarder did not start" >&2; exit 125; }; sleep 0.01; done; ` +
        'exec "$@"';
      return ['/bin/sh', '-c', start, node, ...command];
    },
    async close() {
      await s.close();
      rmSync(caFile, { force: true });
      rmSync(fwdFile, { force: true });
    },
  });
}
