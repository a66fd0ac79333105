/**
 * GET /v1/audit (admin scope): the newest audit lines for the operator's feed, newest first, filtered by layer, agent,
 * decision and event type. Read through the audit store (AuditStore.recent), so it is bounded: at most
 * MAX_SCANNED lines are looked at, and at most `limit` returned. The lines were sanitized (L09) when written.
 *
 *   ?layer=L11        the gate id or any of its numbered gates (L11 matches L11.2)
 *   ?agent=default    the agentId of the event
 *   ?decision=blocked the event's outcome or decision
 *   ?type=security:   the event type or a prefix of it
 *   ?limit=100        1-500
 */
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { type AuditStore, isGateId } from '../../core/index.js';
import type { TokenScope } from '../auth/scopes.js';
import type { GatewayApp, GatewayEnv } from '../env.js';
import { failure, methodNotAllowed, sendFailure } from '../errors.js';

const MAX_SCANNED = 5000;

const AuditQuery = z.strictObject({
  layer: z.string().refine(isGateId, 'a layer or gate id such as L01 or L11.2').optional(),
  agent: z.string().min(1).max(128).optional(),
  decision: z.string().min(1).max(64).optional(),
  type: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

type AuditLine = Record<string, unknown>;

function matches(line: AuditLine, q: z.infer<typeof AuditQuery>): boolean {
  if (q.layer !== undefined) {
    const layer = typeof line.layer === 'string' ? line.layer : '';
    if (layer !== q.layer && !layer.startsWith(`${q.layer}.`)) return false;
  }
  if (q.agent !== undefined && line.agentId !== q.agent) return false;
  if (q.decision !== undefined && line.outcome !== q.decision && line.decision !== q.decision) return false;
  if (q.type !== undefined && !(typeof line.type === 'string' && line.type.startsWith(q.type))) return false;
  return true;
}

export function auditRouteGroup(deps: {
  readonly audit: Pick<AuditStore, 'recent'>;
}): (app: GatewayApp, scope: (s: TokenScope) => MiddlewareHandler<GatewayEnv>) => void {
  return (app, scope) => {
    app.use('/v1/audit', scope('admin'));
    app.get('/v1/audit', async (c) => {
      const parsed = AuditQuery.safeParse(c.req.query());
      if (!parsed.success)
        return sendFailure(
          c,
          failure(
            400,
            `invalid query: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`).join('; ')} (known: layer, agent, decision, type, limit 1-500)`,
            'invalid_request',
          ),
        );
      const q = parsed.data;
      const lines = await deps.audit.recent(MAX_SCANNED);
      const data: AuditLine[] = [];
      for (let i = lines.length - 1; i >= 0 && data.length < q.limit; i--) {
        let line: AuditLine;
        try {
          line = JSON.parse(lines[i] as string) as AuditLine;
        } catch {
          // A line another writer cut short (a crash mid-write) is not an event; it is shown as such.
          line = { type: 'audit:unreadable', outcome: 'unreadable' };
        }
        if (typeof line === 'object' && line !== null && matches(line, q)) data.push(line);
      }
      return c.json({ object: 'list', scanned: lines.length, data });
    });
    app.all('/v1/audit', methodNotAllowed('GET'));
  };
}
