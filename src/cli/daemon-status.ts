/**
 * Client of a running daemon's admin API: GET /v1/status for `bulwark status` and `bulwark layers`,
 * and the JSON requests of `bulwark approvals`. The CLI cannot import the gateway, so the JSON shape is restated here.
 */
import { describeCause, type LayerState } from '../core/index.js';
import type { CliContext } from './context.js';
import { daemonToken, daemonUrl } from './daemon-url.js';
import type { BrokerStatus } from '../broker/index.js';

export interface DaemonLayerJson {
  readonly id: string;
  readonly name: string;
  readonly category: string;
  readonly state: LayerState;
  readonly reason: string;
}

export interface BreakerJson {
  readonly key: string;
  readonly state: 'closed' | 'open' | 'half-open';
  readonly consecutiveFailures: number;
  readonly openedAt?: string;
  readonly retryAt?: string;
  readonly timesOpened: number;
  readonly inflight: number;
}

interface Window {
  readonly hour: number;
  readonly day: number;
}

export interface BudgetJson {
  readonly agents: ReadonlyArray<
    Window & { readonly agentId: string; readonly budgets: Readonly<Record<string, unknown>> }
  >;
  readonly global: Window & { readonly budgets: Readonly<Record<string, unknown>> };
  readonly inflight: number;
}

/** L08 as the running daemon reports it (GET /v1/status `broker`): the broker's own status, as JSON. */
export type BrokerLiveJson = BrokerStatus;

export function isBrokerLive(v: unknown): v is BrokerLiveJson {
  const b = v as Partial<BrokerLiveJson> | null;
  const n = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x) && x >= 0;
  const strings = (x: unknown): boolean => Array.isArray(x) && x.every((e) => typeof e === 'string');
  return (
    typeof b === 'object' &&
    b !== null &&
    typeof b.caFingerprint256 === 'string' &&
    typeof b.caNotAfter === 'string' &&
    n(b.activeSessions) &&
    n(b.cachedLeaves) &&
    strings(b.bindings) &&
    strings(b.egressAllow) &&
    typeof b.totals === 'object' &&
    b.totals !== null &&
    n(b.totals.requests) &&
    n(b.totals.injected) &&
    n(b.totals.passthrough) &&
    n(b.totals.denied)
  );
}

export interface DaemonStatusJson {
  readonly object: 'status';
  readonly daemon: {
    readonly url: string | null;
    readonly startedAt: string;
    readonly uptimeSeconds: number;
    readonly pid: number;
  };
  readonly summary: Record<LayerState, number>;
  readonly layers: readonly DaemonLayerJson[];
  readonly breakers: readonly BreakerJson[];
  readonly budget: BudgetJson | null;
  readonly approvals: {
    readonly pending: number;
    readonly cachedApprovals: number;
    readonly cachedDenials: number;
    readonly closed: boolean;
  };
  /** Absent from daemons older than this field; null when the daemon runs no broker. */
  readonly broker?: unknown;
}

export interface ConnOptions {
  readonly url?: string;
  readonly token?: string;
}

/** Why the daemon's status could not be read; `unreachable` means nothing answered at the address. */
export class DaemonStatusError extends Error {
  constructor(
    message: string,
    readonly kind: 'config' | 'token' | 'unreachable' | 'refused' | 'invalid',
  ) {
    super(message);
    this.name = 'DaemonStatusError';
  }
}

/** URL and admin token of the running daemon, or a DaemonStatusError that says how to provide them. */
export function adminConnection(ctx: CliContext, opts: ConnOptions): { url: string; token: string } {
  const url = daemonUrl(ctx, opts.url);
  if (typeof url !== 'string') throw new DaemonStatusError(url.error, 'config');
  const token = daemonToken(opts.token);
  if (!token)
    throw new DaemonStatusError(
      'no admin token: set BULWARK_TOKEN (or pass --token); create one with `bulwark token create --scopes admin`',
      'token',
    );
  return { url, token };
}

export interface DaemonRequest {
  readonly method?: 'GET' | 'POST' | 'DELETE';
  readonly body?: unknown;
  readonly timeoutMs?: number;
  /** Appended to the message of a 403 answer. */
  readonly forbiddenHint?: string;
}

/** One JSON request to the daemon's API; every failure is a DaemonStatusError naming the address and the answer. */
export async function daemonJson(url: string, token: string, path: string, req: DaemonRequest = {}): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(`${url}${path}`, {
      method: req.method ?? 'GET',
      headers: {
        authorization: `Bearer ${token}`,
        ...(req.body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      ...(req.timeoutMs !== undefined ? { signal: AbortSignal.timeout(req.timeoutMs) } : {}),
    });
  } catch (cause) {
    const why =
      cause instanceof Error && cause.name === 'TimeoutError'
        ? `no answer within ${req.timeoutMs} ms`
        : describeCause(cause instanceof Error && cause.cause ? cause.cause : cause);
    throw new DaemonStatusError(
      `cannot reach the daemon at ${url} (${why}): is \`bulwark start\` running? (use --url for another address)`,
      'unreachable',
    );
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new DaemonStatusError(`the daemon at ${url} answered ${res.status} with a body that is not JSON`, 'invalid');
  }
  if (!res.ok) {
    const message = (parsed as { error?: { message?: unknown } } | null)?.error?.message;
    const hint = res.status === 403 && req.forbiddenHint ? ` (${req.forbiddenHint})` : '';
    throw new DaemonStatusError(
      `the daemon at ${url} answered ${res.status}: ${typeof message === 'string' ? message : 'no message'}${hint}`,
      'refused',
    );
  }
  return parsed;
}

function isStatus(v: unknown): v is DaemonStatusJson {
  const s = v as Partial<DaemonStatusJson> | null;
  return (
    typeof s === 'object' &&
    s !== null &&
    s.object === 'status' &&
    Array.isArray(s.layers) &&
    Array.isArray(s.breakers) &&
    typeof s.daemon === 'object'
  );
}

export async function fetchDaemonStatus(
  ctx: CliContext,
  opts: ConnOptions,
  timeoutMs: number,
): Promise<{ url: string; status: DaemonStatusJson }> {
  const { url, token } = adminConnection(ctx, opts);
  const parsed = await daemonJson(url, token, '/v1/status', {
    timeoutMs,
    forbiddenHint: 'GET /v1/status needs a token with the admin scope',
  });
  if (!isStatus(parsed))
    throw new DaemonStatusError(
      `the daemon at ${url} answered with JSON that is not a status (an older daemon?)`,
      'invalid',
    );
  return { url, status: parsed };
}
