/**
 * Client of a running daemon's GET /v1/status (admin scope), shared by `bulwark status` and
 * `bulwark layers`. The CLI cannot import the gateway, so the JSON shape is restated here.
 */
import { describeCause } from '../core/errors.js';
import type { LayerState } from '../core/layers.js';
import type { CliContext } from './context.js';
import { daemonToken, daemonUrl as resolveDaemonUrl } from './daemon-url.js';

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
  readonly agents: ReadonlyArray<Window & { readonly agentId: string; readonly budgets: Readonly<Record<string, unknown>> }>;
  readonly global: Window & { readonly budgets: Readonly<Record<string, unknown>> };
  readonly inflight: number;
}

export interface DaemonStatusJson {
  readonly object: 'status';
  readonly daemon: { readonly url: string | null; readonly startedAt: string; readonly uptimeSeconds: number; readonly pid: number };
  readonly summary: Record<LayerState, number>;
  readonly layers: readonly DaemonLayerJson[];
  readonly breakers: readonly BreakerJson[];
  readonly budget: BudgetJson | null;
  readonly approvals: { readonly pending: number; readonly cachedApprovals: number; readonly cachedDenials: number; readonly closed: boolean };
}

export interface ConnOptions {
  readonly url?: string;
  readonly token?: string;
}

/** Why the daemon's status could not be read; `unreachable` means nothing answered at the address. */
export class DaemonStatusError extends Error {
  constructor(message: string, readonly kind: 'config' | 'token' | 'unreachable' | 'refused' | 'invalid') {
    super(message);
    this.name = 'DaemonStatusError';
  }
}

/** --url, else server.host/server.port of config.yaml; a config error is thrown as a DaemonStatusError. */
export function daemonUrl(ctx: CliContext, explicit: string | undefined): string {
  const url = resolveDaemonUrl(ctx, explicit);
  if (typeof url !== 'string') throw new DaemonStatusError(url.error, 'config');
  return url;
}

function isStatus(v: unknown): v is DaemonStatusJson {
  const s = v as Partial<DaemonStatusJson> | null;
  return typeof s === 'object' && s !== null && s.object === 'status' && Array.isArray(s.layers) && Array.isArray(s.breakers) && typeof s.daemon === 'object';
}

export async function fetchDaemonStatus(ctx: CliContext, opts: ConnOptions, timeoutMs: number): Promise<{ url: string; status: DaemonStatusJson }> {
  const url = daemonUrl(ctx, opts.url);
  const token = daemonToken(opts.token);
  if (!token) throw new DaemonStatusError('no admin token: set BULWARK_TOKEN (or pass --token); create one with `bulwark token create --scopes admin`', 'token');
  let res: Response;
  try {
    res = await fetch(`${url}/v1/status`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (cause) {
    const why = cause instanceof Error && cause.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : describeCause(cause instanceof Error && cause.cause ? cause.cause : cause);
    throw new DaemonStatusError(`cannot reach the daemon at ${url} (${why}): is \`bulwark start\` running? (use --url for another address)`, 'unreachable');
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
    const hint = res.status === 403 ? ' (GET /v1/status needs a token with the admin scope)' : '';
    throw new DaemonStatusError(`the daemon at ${url} answered ${res.status}: ${typeof message === 'string' ? message : 'no message'}${hint}`, 'refused');
  }
  if (!isStatus(parsed)) throw new DaemonStatusError(`the daemon at ${url} answered with JSON that is not a status (an older daemon?)`, 'invalid');
  return { url, status: parsed };
}
