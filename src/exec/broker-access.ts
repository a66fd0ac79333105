/**
 * What exec needs from the credential broker (L08) for `exec.network: broker`: one session per run, opened
 * by the broker room (src/broker/exec-spawner.ts) and closed when the run ends. Exec (tier 3) cannot import
 * the broker (tier 4), so the shapes are declared here and the daemon hands a spawner in.
 */
import type { BulwarkError, EventContext, Result } from '../core/index.js';

export interface BrokerAccess {
  /** Unix sockets bound into the sandbox (host path → path inside). */
  readonly sockets: ReadonlyArray<{ readonly host: string; readonly inside: string }>;
  /** Read-only files bound in (e.g. the broker's CA bundle). */
  readonly files: ReadonlyArray<{ readonly host: string; readonly inside: string }>;
  /** Environment added for the broker (HTTPS_PROXY, SSL_CERT_FILE, placeholders…). */
  readonly env: Readonly<Record<string, string>>;
}

/** The broker wiring for one run: its own session (token, socket), revoked by `close()` when the run ends. */
export interface BrokerSpawn {
  readonly access: BrokerAccess;
  /** argv that starts the in-sandbox forwarder, then execs `argv`. */
  wrapCommand(argv: readonly string[]): string[];
  close(): Promise<void>;
}

/**
 * L08.1 for one run: asked about each request the broker would forward (its URL, body and header values as the
 * sandbox sent them, less the headers the broker itself sets); ok means it may go. The exec tool binds it to its
 * turn, so a hold reaches that turn's operator.
 */
export type EgressJudge = (
  url: URL,
  body: string | undefined,
  headers?: ReadonlyArray<readonly [name: string, value: string]>,
) => Promise<Result<void, BulwarkError>>;

/** Who a broker session is for, and the egress judge of its run (absent: L08.1 does not judge this run). */
export interface BrokerSpawnContext extends EventContext {
  readonly egress?: EgressJudge;
  /**
   * The unprivileged host user the run's sandbox starts as (a root daemon's copy-on-write runs): the session's
   * socket and files must be reachable by it, outside the daemon's 0700 data dir. Absent: the daemon's own uid.
   */
  readonly runAs?: { readonly uid: number; readonly gid: number };
  /** The only hosts (`host:port`) the session may reach, bindings and broker.egressAllow notwithstanding. */
  readonly onlyHosts?: readonly string[];
}

/** Opens a broker session for one run, for the identity that asked. */
export type BrokerSpawner = (ctx: BrokerSpawnContext) => Promise<Result<BrokerSpawn, BulwarkError>>;
