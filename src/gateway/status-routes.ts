/**
 * GET /v1/status (admin scope): the daemon's live state for `bulwark status`, `bulwark layers` and `bulwark broker status`.
 * The layer list is the daemon's catalogue, which asks every service for its layers at request time, so an open
 * circuit breaker shows L22 `degraded` naming the provider/model.
 */
import type { MiddlewareHandler } from 'hono';
import type { ControlsStatus } from '../agent/index.js';
import type { BrokerStatus } from '../broker/index.js';
import type { LayerCatalogue, LayerState, LayerStatus } from '../core/index.js';
import type { TokenScope } from './auth/scopes.js';
import type { GatewayApp, GatewayEnv } from './env.js';
import { methodNotAllowed } from './errors.js';

export interface StatusRoutesDeps {
  /** The daemon's layer catalogue (live: each service reports its own layers). */
  readonly catalogue: Pick<LayerCatalogue, 'list'>;
  /** Live controls state; called on every request. */
  readonly controls: { status(agentIds: readonly string[]): Promise<ControlsStatus> };
  readonly agentIds: readonly string[];
  /** The URL the daemon listens on; known only once the server is up. */
  readonly url: () => string | undefined;
  readonly startedAt: number;
  readonly clock?: () => number;
  /** Live L08 broker state; undefined (or returning undefined) when no broker runs in this daemon. */
  readonly broker?: () => BrokerStatus | undefined;
}

export interface StatusBody {
  readonly object: 'status';
  readonly daemon: {
    readonly url: string | null;
    readonly startedAt: string;
    readonly uptimeSeconds: number;
    readonly pid: number;
  };
  readonly summary: Record<LayerState, number>;
  readonly layers: ReadonlyArray<Pick<LayerStatus, 'id' | 'name' | 'category' | 'state' | 'reason' | 'gates'>>;
  readonly breakers: ControlsStatus['breakers'];
  readonly budget: ControlsStatus['budget'] | null;
  readonly approvals: ControlsStatus['approvals'];
  /** L08: sessions and request totals of the running broker; null when none runs. */
  readonly broker: BrokerStatus | null;
}

export async function buildStatus(deps: StatusRoutesDeps): Promise<StatusBody> {
  const now = (deps.clock ?? Date.now)();
  const controls = await deps.controls.status(deps.agentIds);
  const layers = deps.catalogue
    .list()
    .map(({ id, name, category, state, reason, gates }) => ({ id, name, category, state, reason, gates }));
  const summary: Record<LayerState, number> = { on: 0, off: 0, degraded: 0, absent: 0 };
  for (const l of layers) summary[l.state] += 1;
  return {
    object: 'status',
    daemon: {
      url: deps.url() ?? null,
      startedAt: new Date(deps.startedAt).toISOString(),
      uptimeSeconds: Math.max(0, Math.floor((now - deps.startedAt) / 1000)),
      pid: process.pid,
    },
    summary,
    layers,
    breakers: controls.breakers,
    budget: controls.budget ?? null,
    approvals: controls.approvals,
    broker: deps.broker?.() ?? null,
  };
}

/** For `GatewayDeps.routes`: GET /v1/status behind the admin scope; other methods answer 405. */
export function statusRouteGroup(
  deps: StatusRoutesDeps,
): (app: GatewayApp, scope: (s: TokenScope) => MiddlewareHandler<GatewayEnv>) => void {
  return (app, scope) => {
    app.use('/v1/status', scope('admin'));
    app.get('/v1/status', async (c) => c.json(await buildStatus(deps)));
    app.all('/v1/status', methodNotAllowed('GET'));
  };
}
