/** GET /v1/usage?days=N (admin scope): tokens and cost per agent and model over the last N days (L21's counters). */
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { USAGE_KEEP_DAYS, type UsageStore } from '../../agent/index.js';
import type { TokenScope } from '../auth/scopes.js';
import type { GatewayApp, GatewayEnv } from '../env.js';
import { failure, methodNotAllowed, sendFailure } from '../errors.js';

const UsageQuery = z.strictObject({ days: z.coerce.number().min(0.01).max(USAGE_KEEP_DAYS).default(1) });

export function usageRouteGroup(deps: {
  readonly usage: Pick<UsageStore, 'summary'>;
  readonly clock?: () => number;
}): (app: GatewayApp, scope: (s: TokenScope) => MiddlewareHandler<GatewayEnv>) => void {
  return (app, scope) => {
    app.use('/v1/usage', scope('admin'));
    app.get('/v1/usage', async (c) => {
      const parsed = UsageQuery.safeParse(c.req.query());
      if (!parsed.success)
        return sendFailure(c, failure(400, `days must be a number from 0.01 to ${USAGE_KEEP_DAYS}`, 'invalid_request'));
      const since = (deps.clock ?? Date.now)() - parsed.data.days * 86_400_000;
      const rows = await deps.usage.summary(since);
      return c.json({ object: 'list', since: new Date(since).toISOString(), data: rows });
    });
    app.all('/v1/usage', methodNotAllowed('GET'));
  };
}
