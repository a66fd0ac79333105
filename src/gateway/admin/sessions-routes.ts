/**
 * The agents' conversations for the operator (admin scope):
 *   GET /v1/sessions?agent=&before=&limit=   sessions, most recently used first (SessionStore.list)
 *   GET /v1/sessions/:id                     its messages, each through the log sanitizer (L09) and capped
 * Stored tool results are what the model saw, not what a client was shown: they may hold a value the output guard
 * would have redacted, so everything shown here passes the same redaction as the audit log.
 */
import type { MiddlewareHandler } from 'hono';
import { z } from 'zod';
import { checkSessionId, MAX_SESSION_PAGE, type SessionStore, type ChatMessage } from '../../agent/index.js';
import type { TokenScope } from '../auth/scopes.js';
import type { GatewayApp, GatewayEnv } from '../env.js';
import { failure, methodNotAllowed, sendFailure } from '../errors.js';

export interface SessionsRoutesDeps {
  readonly sessions: Pick<SessionStore, 'list' | 'history'>;
  /** L09 over every text shown. */
  readonly redact: (text: string) => string;
}

const MAX_SHOWN_CHARS = 20_000;
const MAX_SHOWN_MESSAGES = 1000;

const ListQuery = z.strictObject({
  agent: z.string().min(1).max(128).optional(),
  before: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_SESSION_PAGE).default(50),
});

function shown(text: string, redact: (t: string) => string): string {
  const r = redact(text);
  return r.length > MAX_SHOWN_CHARS ? `${r.slice(0, MAX_SHOWN_CHARS)}… (${r.length} chars in all)` : r;
}

function present(m: ChatMessage, redact: (t: string) => string): Record<string, unknown> {
  if (m.role === 'tool')
    return {
      role: 'tool',
      name: m.name,
      toolCallId: m.toolCallId,
      isError: m.isError === true,
      content: shown(m.content, redact),
    };
  if (m.role === 'assistant')
    return {
      role: 'assistant',
      content: shown(m.content, redact),
      toolCalls: (m.toolCalls ?? []).map((t) => ({ id: t.id, name: t.name, arguments: shown(t.arguments, redact) })),
    };
  return { role: 'user', content: shown(m.content, redact) };
}

export function sessionsRouteGroup(
  deps: SessionsRoutesDeps,
): (app: GatewayApp, scope: (s: TokenScope) => MiddlewareHandler<GatewayEnv>) => void {
  return (app, scope) => {
    app.use('/v1/sessions', scope('admin'));
    app.use('/v1/sessions/*', scope('admin'));
    app.get('/v1/sessions', async (c) => {
      const parsed = ListQuery.safeParse(c.req.query());
      if (!parsed.success)
        return sendFailure(
          c,
          failure(
            400,
            `invalid query: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(query)'}: ${i.message}`).join('; ')} (agent, before an ISO time, limit 1-${MAX_SESSION_PAGE})`,
            'invalid_request',
          ),
        );
      const q = parsed.data;
      const data = await deps.sessions.list({
        limit: q.limit,
        ...(q.agent !== undefined ? { agentId: q.agent } : {}),
        ...(q.before !== undefined ? { before: new Date(q.before).toISOString() } : {}),
      });
      return c.json({ object: 'list', data });
    });
    app.all('/v1/sessions', methodNotAllowed('GET'));
    app.get('/v1/sessions/:id', async (c) => {
      const id = c.req.param('id');
      const checked = checkSessionId(id);
      if (!checked.ok) return sendFailure(c, failure(400, checked.error.message, 'invalid_id'));
      const messages = await deps.sessions.history(id);
      const data = messages.slice(-MAX_SHOWN_MESSAGES).map((m) => present(m, deps.redact));
      return c.json({ object: 'session', id, total: messages.length, data });
    });
    app.all('/v1/sessions/:id', methodNotAllowed('GET'));
  };
}
