/**
 * Joins L08 to the exec runner (L11) for `exec.network: broker`: one broker session per sandboxed run,
 * for the identity that asked, in a fresh 0700 directory (socket, CA bundle, forwarder) that is removed
 * once the run's session is closed. Lives in broker/ because broker (tier 4) may import exec (tier 3).
 */
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { childPath, bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import type { BrokerSpawner } from '../exec/index.js';
import type { Broker } from './broker.js';
import { prepareBrokerSpawn } from './sandbox.js';

/** Longest unix socket path Linux accepts (sun_path is 108 bytes, NUL included). */
const MAX_SOCKET_PATH = 107;
const SOCKET_NAME = 'broker.sock';
/** What mkdtemp appends: `s-` plus six characters and a separator. */
const SPAWN_DIR_SUFFIX = 's-XXXXXX/'.length;

export interface ExecBrokerSpawnerOptions {
  /** A directory only the daemon can write (e.g. <data dir>/run/broker, mode 0700); one subdirectory per run. */
  readonly runDir: string;
  /** Node binary for the in-sandbox forwarder (default: the daemon's own; it must be visible in the sandbox). */
  readonly nodePath?: string;
}

/** Whether `runDir` leaves room for the per-run socket path; check it at start to report it early. */
export function checkBrokerRunDir(runDir: string): Result<void, BulwarkError> {
  if (Buffer.byteLength(runDir) + 1 + SPAWN_DIR_SUFFIX + SOCKET_NAME.length > MAX_SOCKET_PATH) {
    return err(
      bulwarkError(
        'broker.run_dir_too_long',
        `the broker run directory ${runDir} is too long for a unix socket path (${MAX_SOCKET_PATH} bytes); use a shorter data dir`,
        { layer: 'L08' },
      ),
    );
  }
  return ok(undefined);
}

/**
 * Where the sessions of runs that start as another user live: the data dir is 0700, so such a run's bwrap could not
 * reach a socket there. One 0711 directory under the system temp dir per daemon, created when first needed.
 */
let base: string | undefined;
function sharedBase(): string {
  if (base === undefined) {
    const made = mkdtempSync(childPath(tmpdir(), 'bulwark-brk-'));
    chmodSync(made, 0o711);
    base = made;
  }
  return base;
}

/**
 * The exec runtime's `brokerSpawner` (pass it to startExec as `brokerSpawner`). Runs without an agent
 * id are refused: the broker resolves secrets in the agent's scope, and an anonymous run has none.
 * A run directory too long for a socket path refuses every run with that reason (see checkBrokerRunDir).
 */
export function execBrokerSpawner(broker: Broker, opts: ExecBrokerSpawnerOptions): BrokerSpawner {
  const dirOk = checkBrokerRunDir(opts.runDir);
  return async (ctx) => {
    if (!dirOk.ok) return dirOk;
    if (!ctx.agentId)
      return err(
        bulwarkError('broker.no_identity', 'a broker session needs the agent id of the run; this run has none', {
          layer: 'L08',
          status: 403,
        }),
      );
    const runAs = ctx.runAs;
    let hostDir: string;
    try {
      hostDir = mkdtempSync(childPath(runAs ? sharedBase() : opts.runDir, 's-'));
      // The sandbox's user may pass through (never list) to bind the socket and files; only it may use the socket.
      if (runAs) chmodSync(hostDir, 0o711);
    } catch (cause) {
      return err(
        bulwarkError(
          'broker.spawn_dir',
          `cannot create the run's broker directory in ${runAs ? tmpdir() : opts.runDir}: ${describeCause(cause)}`,
          { layer: 'L08' },
        ),
      );
    }
    const identity = {
      agentId: ctx.agentId,
      ...(ctx.sessionId ? { sessionId: ctx.sessionId } : {}),
      ...(ctx.traceId ? { traceId: ctx.traceId } : {}),
    };
    const prepared = await prepareBrokerSpawn(broker, identity, {
      hostDir,
      ...(opts.nodePath ? { nodePath: opts.nodePath } : {}),
      ...(ctx.egress ? { egress: ctx.egress } : {}),
      ...(ctx.onlyHosts ? { onlyHosts: ctx.onlyHosts } : {}),
    });
    if (!prepared.ok) {
      rmSync(hostDir, { recursive: true, force: true });
      return prepared;
    }
    const spawn = prepared.value;
    if (runAs) {
      try {
        for (const socket of spawn.access.sockets) {
          chownSync(socket.host, runAs.uid, runAs.gid);
          chmodSync(socket.host, 0o600);
        }
      } catch (cause) {
        await spawn.close();
        rmSync(hostDir, { recursive: true, force: true });
        return err(
          bulwarkError(
            'broker.spawn_owner',
            `cannot hand the run's broker socket to uid ${runAs.uid}: ${describeCause(cause)}`,
            { layer: 'L08' },
          ),
        );
      }
    }
    return ok({
      access: spawn.access,
      wrapCommand: (argv: readonly string[]) => spawn.wrapCommand(argv),
      async close() {
        try {
          await spawn.close();
        } finally {
          rmSync(hostDir, { recursive: true, force: true });
        }
      },
    });
  };
}
