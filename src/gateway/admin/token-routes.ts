/**
 * API tokens for the operator (admin scope), the same operations as `bulwark token …`:
 *   GET  /v1/tokens               every token (id, name, scopes, owner, created, revoked), never a secret
 *   POST /v1/tokens               body { name, scopes, owner? } → the new token, whose secret is in this answer only
 *   POST /v1/tokens/:id/revoke    revokes it; the web UI sessions it opened end with it
 * Only the owner may create or revoke an owner token. Both changes are audited.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { SecurityEvent, EventBus } from '../../core/index.js';
import type { TokenScope } from '../auth/scopes.js';
import type { TokenStore } from '../auth/token-store.js';
import { readJsonBody } from '../body.js';
import type { GatewayApp, GatewayEnv } from '../env.js';
import { failure, methodNotAllowed, sendFailure } from '../errors.js';

declare module '../../core/events.js' {
  interface EventMap {
    'auth:token_created': SecurityEvent;
    'auth:token_revoked': SecurityEvent;
  }
}

export interface TokenRoutesDeps {
  readonly tokens: Pick<TokenStore, 'list' | 'create' | 'revoke'>;
  readonly bus: EventBus;
  /** Told of each revocation (the web UI ends that token's sessions). */
  readonly onRevoked?: (tokenId: string) => void;
}

const CreateBody = z.strictObject({
  name: z.string().min(1).max(64),
  scopes: z.array(z.string().min(1).max(32)).min(1).max(8),
  owner: z.boolean().optional(),
});
const ID = /^tok_[0-9a-f]{24}$/;

export function tokenRoutes(deps: TokenRoutesDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  app.get('/', (c) => c.json({ object: 'list', data: deps.tokens.list() }));
  app.post('/', async (c) => {
    const body = await readJsonBody(c.req.raw, 4096);
    if (!body.ok) return sendFailure(c, body.error);
    const parsed = CreateBody.safeParse(body.value);
    if (!parsed.success)
      return sendFailure(
        c,
        failure(400, 'send {"name": "…", "scopes": ["chat" | "admin", …], "owner"?: boolean}', 'invalid_request'),
      );
    const identity = c.get('identity');
    if (parsed.data.owner === true && !identity.owner)
      return sendFailure(c, failure(403, "only the owner's own token may create an owner token", 'not_owner'));
    const created = deps.tokens.create(parsed.data.name, parsed.data.scopes, { owner: parsed.data.owner === true });
    if (!created.ok) return sendFailure(c, failure(400, created.error.message, created.error.code));
    deps.bus.emit('auth:token_created', {
      layer: 'L18',
      outcome: 'created',
      sender: identity.id,
      tokenId: created.value.id,
      scopes: created.value.scopes,
      owner: created.value.owner,
      traceId: c.get('traceId'),
    });
    return c.json(created.value, 201);
  });
  app.post('/:id/revoke', (c) => {
    const id = c.req.param('id');
    if (!ID.test(id))
      return sendFailure(c, failure(400, 'not a token id (tok_ followed by 24 hex characters)', 'invalid_id'));
    const target = deps.tokens.list().find((t) => t.id === id);
    if (target?.owner === true && !c.get('identity').owner)
      return sendFailure(c, failure(403, "only the owner's own token may revoke an owner token", 'not_owner'));
    const r = deps.tokens.revoke(id);
    if (!r.ok) return sendFailure(c, failure(404, r.error.message, r.error.code));
    deps.onRevoked?.(id);
    deps.bus.emit('auth:token_revoked', {
      layer: 'L18',
      outcome: 'revoked',
      sender: c.get('identity').id,
      tokenId: id,
      traceId: c.get('traceId'),
    });
    return c.json(r.value);
  });
  return app;
}

/** For `GatewayDeps.routes`: /v1/tokens behind the admin scope. */
export function tokenRouteGroup(
  deps: TokenRoutesDeps,
): (app: GatewayApp, scope: (s: TokenScope) => MiddlewareHandler<GatewayEnv>) => void {
  return (app, scope) => {
    app.use('/v1/tokens', scope('admin'));
    app.use('/v1/tokens/*', scope('admin'));
    app.route('/v1/tokens', tokenRoutes(deps));
    app.all('/v1/tokens', methodNotAllowed('GET, POST'));
  };
}
