/**
 * L13 operator API under /v1/approvals (admin scope, put on by the integrator):
 *   GET  /                 pending approvals with their full effect
 *   GET  /stream           server-sent events: one `approval` event per new request
 *   GET  /history          recorded requests, newest first: ?status=&before=&limit= (the approval store)
 *   GET  /:id              one request: pending, or decided (also by an earlier daemon: the approval store)
 *   POST /:id/approve      body { effectHash, reason? }: the effect hash of the view the operator approved
 *   POST /:id/deny         body { effectHash?, reason? }
 *   POST /:id/grant        body { effectHash, minutes, reason? }: approves, and grants the request's own scope for N min
 *   POST /decide           body { token, reason? }: a decision token minted for an operator channel
 *   GET  /grants           live scoped grants (src/policy/grants.ts)
 *   POST /grants           body { agent, session?, hosts?, paths?, exec?, minutes, reason? }: an approver's grant
 *   DELETE /grants/:id     revokes one
 * Decisions are applied as HMAC-signed tokens by the queue; the model never reaches these routes.
 */
import { callerKey, type Caller } from '../core/index.js';
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import {
  askedBy,
  type ApprovalQueue,
  type ApprovalSnapshot,
  type PendingApproval,
  APPROVAL_STATUSES,
  MAX_APPROVAL_PAGE,
  type Decision,
  MAX_GRANT_MINUTES,
  type Grant,
  type ScopedGrants,
} from '../policy/index.js';
import type { TokenScope } from './auth/scopes.js';
import type { GatewayApp, GatewayEnv } from './env.js';
import { readBoundedBody } from './body.js';
import { failure, sendFailure, type HttpFailure } from './errors.js';

export interface ApprovalsRoutesDeps {
  readonly queue: ApprovalQueue;
  /** Scoped grants; without them the /grants routes answer 404. */
  readonly grants?: ScopedGrants;
  /** Keep-alive comment interval of the SSE stream (default 15 s). */
  readonly keepAliveMs?: number;
}

const MAX_BODY = 16 * 1024;
const DecisionBody = z.strictObject({
  reason: z.string().max(500).optional(),
  /** The request's effectHash as the operator was shown it. */
  effectHash: z.string().min(1).max(128).optional(),
});
const TokenBody = z.strictObject({ token: z.string().min(1).max(512), reason: z.string().max(500).optional() });
const ID = /^apr_[0-9a-f]{24}$/;
const GRANT_ID = /^grt_[0-9a-f]{24}$/;
const GrantFromRequestBody = z.strictObject({
  effectHash: z.string().min(1).max(128),
  minutes: z.number().int().min(1).max(MAX_GRANT_MINUTES),
  reason: z.string().max(500).optional(),
});
const GrantBody = z.strictObject({
  agent: z.string().min(1).max(64),
  session: z.string().min(1).max(128).optional(),
  hosts: z.array(z.string().min(1).max(253)).min(1).max(32).optional(),
  paths: z.array(z.string().min(1).max(256)).min(1).max(32).optional(),
  exec: z.string().min(1).max(64).optional(),
  minutes: z.number().int().min(1).max(MAX_GRANT_MINUTES),
  reason: z.string().max(500).optional(),
});

function presentGrant(g: Grant): Record<string, unknown> {
  return { ...g, createdAt: new Date(g.createdAt).toISOString(), expiresAt: new Date(g.expiresAt).toISOString() };
}

function operator(c: Context<GatewayEnv>): string {
  const identity = c.get('identity') as Caller | undefined;
  return identity ? `${callerKey(identity)}${identity.label ? ` (${identity.label})` : ''}` : 'operator';
}

/**
 * One shape for every surface (CLI, API, web UI, chat buttons): the view's own fields, and at the top level
 * {id, layer, tool, argv, cwd, effects, network, reason, effectHash, expiresAt}. The view was redacted (L02 and
 * the leak index) when the request was made.
 */
function present(
  p: PendingApproval | ApprovalSnapshot,
  grantable?: (view: PendingApproval['view']) => boolean,
): Record<string, unknown> {
  const snapshot = p as Partial<ApprovalSnapshot>;
  const v = p.view;
  const effects = v.effects ?? [];
  const total = v.effectsTotal ?? effects.length;
  return {
    layer: v.layer ?? 'L13',
    tool: v.tool,
    argv: v.argv ?? [],
    cwd: v.cwd,
    effects,
    // A long effect set is cut for display; the hash the decision must carry covers every change.
    effectsTotal: total,
    ...(total > effects.length
      ? { effectsNote: `${effects.length} of ${total} changes shown; the effect hash covers all ${total}` }
      : {}),
    network: v.network,
    // Who asked, and whether that is the owner (the view's `caller` has the fields).
    askedBy: askedBy(v.caller),
    // Why it asks; once decided, the operator's reason (when given) takes its place.
    reason: v.reason ?? v.reasons.join('; '),
    ...p,
    status: snapshot.status ?? 'pending',
    createdAt: new Date(p.createdAt).toISOString(),
    expiresAt: new Date(p.expiresAt).toISOString(),
    ...(snapshot.resolvedAt !== undefined ? { resolvedAt: new Date(snapshot.resolvedAt).toISOString() } : {}),
    // Whether "approve for N minutes" can be offered: a grant can cover this effect (as Telegram's buttons decide).
    ...(grantable && (snapshot.status ?? 'pending') === 'pending' ? { grantable: grantable(v) } : {}),
  };
}

const HistoryQuery = z.strictObject({
  status: z.enum(APPROVAL_STATUSES as [string, ...string[]]).optional(),
  before: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_APPROVAL_PAGE).default(50),
});

async function readJson<T>(
  c: Context<GatewayEnv>,
  schema: z.ZodType<T>,
  allowEmpty: boolean,
): Promise<{ ok: true; value: T } | { ok: false; failure: HttpFailure }> {
  // Counted while reading, so an oversized body is never buffered whole.
  const bytes = await readBoundedBody(c.req.raw, MAX_BODY);
  if (!bytes.ok)
    return {
      ok: false,
      failure:
        bytes.error.status === 413 ? failure(413, 'request body larger than 16 KiB', 'body_too_large') : bytes.error,
    };
  const text = new TextDecoder().decode(bytes.value);
  let raw: unknown = {};
  if (text.trim() !== '') {
    try {
      raw = JSON.parse(text);
    } catch {
      return { ok: false, failure: failure(400, 'request body is not valid JSON', 'invalid_json') };
    }
  } else if (!allowEmpty) return { ok: false, failure: failure(400, 'request body is required', 'invalid_request') };
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    return {
      ok: false,
      failure: failure(
        400,
        `invalid request body: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
        'invalid_request',
      ),
    };
  return { ok: true, value: parsed.data };
}

export function approvalsRoutes(deps: ApprovalsRoutesDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const { queue } = deps;
  const grantable = deps.grants ? (v: PendingApproval['view']) => deps.grants?.scopeFor(v).ok === true : () => false;
  const shown = (p: PendingApproval | ApprovalSnapshot) => present(p, grantable);

  app.get('/', (c) => c.json({ object: 'list', data: queue.list().map(shown) }));

  app.get('/stream', (c) =>
    streamSSE(c, async (stream) => {
      const backlog: PendingApproval[] = [...queue.list()];
      let wake: (() => void) | undefined;
      const off = queue.onRequested((p) => {
        backlog.push(p);
        wake?.();
      });
      stream.onAbort(() => {
        off();
        wake?.();
      });
      const keepAlive = deps.keepAliveMs ?? 15_000;
      try {
        while (!stream.aborted && !stream.closed) {
          while (backlog.length > 0) {
            const p = backlog.shift() as PendingApproval;
            await stream.writeSSE({ event: 'approval', id: p.id, data: JSON.stringify(shown(p)) });
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            const t = setTimeout(resolve, keepAlive);
            t.unref?.();
          });
          wake = undefined;
          if (backlog.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
        }
      } finally {
        off();
      }
    }),
  );

  app.post('/decide', async (c) => {
    const body = await readJson(c, TokenBody, false);
    if (!body.ok) return sendFailure(c, body.failure);
    const r = queue.resolveWithToken(body.value.token, operator(c), body.value.reason);
    if (!r.ok) return sendFailure(c, failure(r.error.status ?? 400, r.error.message, r.error.code));
    return c.json(present(r.value));
  });

  // Only an authenticated approver makes a grant: the model reaches no admin route, and a hook or channel caller
  // (whose words may be a stranger's) cannot make one either.
  const grants = deps.grants;
  app.get('/grants', (c) =>
    grants
      ? c.json({ object: 'list', data: grants.list().map(presentGrant) })
      : sendFailure(c, failure(404, 'grants are not available on this daemon', 'not_found')),
  );
  app.post('/grants', async (c) => {
    if (!grants) return sendFailure(c, failure(404, 'grants are not available on this daemon', 'not_found'));
    const identity = c.get('identity') as Caller | undefined;
    if (!identity || (identity.kind !== 'token' && identity.kind !== 'cert'))
      return sendFailure(
        c,
        failure(403, 'grants are made by an operator with an admin token or certificate', 'forbidden'),
      );
    const body = await readJson(c, GrantBody, false);
    if (!body.ok) return sendFailure(c, body.failure);
    const b = body.value;
    const r = grants.create(
      {
        agentId: b.agent,
        ...(b.session !== undefined ? { sessionId: b.session } : {}),
        scope: {
          ...(b.hosts ? { hosts: b.hosts } : {}),
          ...(b.paths ? { paths: b.paths } : {}),
          ...(b.exec !== undefined ? { executable: b.exec } : {}),
        },
        minutes: b.minutes,
        ...(b.reason !== undefined ? { reason: b.reason } : {}),
      },
      operator(c),
    );
    if (!r.ok) return sendFailure(c, failure(r.error.status ?? 400, r.error.message, r.error.code));
    return c.json(presentGrant(r.value), 201);
  });
  app.delete('/grants/:id', (c) => {
    if (!grants) return sendFailure(c, failure(404, 'grants are not available on this daemon', 'not_found'));
    const id = c.req.param('id');
    if (!GRANT_ID.test(id))
      return sendFailure(c, failure(400, 'not a grant id (grt_ followed by 24 hex characters)', 'invalid_id'));
    const r = grants.revoke(id, operator(c));
    if (!r.ok) return sendFailure(c, failure(r.error.status ?? 400, r.error.message, r.error.code));
    return c.json({ ...presentGrant(r.value), revoked: true });
  });

  app.get('/history', async (c) => {
    const parsed = HistoryQuery.safeParse(c.req.query());
    if (!parsed.success)
      return sendFailure(
        c,
        failure(
          400,
          `invalid query: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`).join('; ')} (status is one of ${APPROVAL_STATUSES.join(', ')}; before an ISO time; limit 1-${MAX_APPROVAL_PAGE})`,
          'invalid_request',
        ),
      );
    const q = parsed.data;
    const page = await queue.history({
      limit: q.limit,
      ...(q.status !== undefined ? { status: q.status as ApprovalSnapshot['status'] } : {}),
      ...(q.before !== undefined ? { before: Date.parse(q.before) } : {}),
    });
    return c.json({ object: 'list', data: page.map((p) => present(p)) });
  });

  app.get('/:id', async (c) => {
    const id = c.req.param('id');
    if (!ID.test(id))
      return sendFailure(c, failure(400, 'not an approval id (apr_ followed by 24 hex characters)', 'invalid_id'));
    const p = await queue.get(id);
    if (!p) return sendFailure(c, failure(404, `no approval request ${id} was recorded`, 'not_found'));
    return c.json(shown(p));
  });

  const decide = (decision: Decision) => async (c: Context<GatewayEnv>) => {
    const id = c.req.param('id') ?? '';
    if (!ID.test(id))
      return sendFailure(c, failure(400, 'not an approval id (apr_ followed by 24 hex characters)', 'invalid_id'));
    const body = await readJson(c, DecisionBody, true);
    if (!body.ok) return sendFailure(c, body.failure);
    // An approval names the exact effect the operator saw: approving "whatever is pending under this id" is refused.
    if (decision === 'approve' && body.value.effectHash === undefined)
      return sendFailure(
        c,
        failure(
          400,
          'an approval must carry the effectHash of the request it approves: GET /v1/approvals/{id}, then send {"effectHash": "…"}',
          'effect_hash_required',
        ),
      );
    const r = queue.decide(id, decision, operator(c), body.value.reason, body.value.effectHash);
    if (!r.ok) return sendFailure(c, failure(r.error.status ?? 400, r.error.message, r.error.code));
    return c.json(present(r.value));
  };
  // "Approve for N minutes": this request is approved, and a grant of its own narrowest scope (its one program, its
  // hosts, its one workspace file) lets the same kind of effect run without a prompt until it lapses.
  app.post('/:id/grant', async (c) => {
    if (!grants) return sendFailure(c, failure(404, 'grants are not available on this daemon', 'not_found'));
    const identity = c.get('identity') as Caller | undefined;
    if (!identity || (identity.kind !== 'token' && identity.kind !== 'cert'))
      return sendFailure(
        c,
        failure(403, 'grants are made by an operator with an admin token or certificate', 'forbidden'),
      );
    const id = c.req.param('id');
    if (!ID.test(id))
      return sendFailure(c, failure(400, 'not an approval id (apr_ followed by 24 hex characters)', 'invalid_id'));
    const body = await readJson(c, GrantFromRequestBody, false);
    if (!body.ok) return sendFailure(c, body.failure);
    const p = await queue.get(id);
    if (!p || p.status !== 'pending')
      return sendFailure(
        c,
        failure(404, `approval ${id} is not pending (already decided, expired or unknown)`, 'not_found'),
      );
    const scope = grants.scopeFor(p.view);
    if (!scope.ok) return sendFailure(c, failure(scope.error.status ?? 409, scope.error.message, scope.error.code));
    const by = operator(c);
    const decided = queue.decide(id, 'approve', by, body.value.reason, body.value.effectHash);
    if (!decided.ok)
      return sendFailure(c, failure(decided.error.status ?? 400, decided.error.message, decided.error.code));
    const g = grants.create(
      {
        agentId: p.view.agentId,
        scope: scope.value,
        minutes: body.value.minutes,
        reason: body.value.reason ?? `approve for ${body.value.minutes} min on request ${id}`,
      },
      by,
    );
    return c.json({
      approval: present(decided.value),
      ...(g.ok ? { grant: presentGrant(g.value) } : { grantError: g.error.message }),
    });
  });
  app.post('/:id/approve', decide('approve'));
  app.post('/:id/deny', decide('deny'));
  return app;
}

/** For `GatewayDeps.routes`: mounts the sub-app at /v1/approvals behind the admin scope. */
export function approvalsRouteGroup(
  deps: ApprovalsRoutesDeps,
): (app: GatewayApp, scope: (s: TokenScope) => MiddlewareHandler<GatewayEnv>) => void {
  return (app, scope) => {
    app.use('/v1/approvals', scope('admin'));
    app.use('/v1/approvals/*', scope('admin'));
    app.route('/v1/approvals', approvalsRoutes(deps));
  };
}
