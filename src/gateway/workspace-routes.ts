/**
 * The undo journal over the API (admin scope), the same as `bulwark workspace`:
 *   GET  /v1/workspaces/:agent/history         journal entries, oldest first
 *   GET  /v1/workspaces/:agent/diff/:entry     per change: kept pre-image, the workspace now, a diff
 *   POST /v1/workspaces/:agent/undo            body {} (the newest), { turn } or { to: ISO time }
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { EventBus } from '../core/index.js';
import {
  type Journal,
  type JournalEntry,
  entryTexts,
  notRestoredText,
  selectUndo,
  shownEntry,
  shownTexts,
  type UndoTarget,
} from '../exec/index.js';
import { lineDiff } from '../policy/index.js';
import type { TokenScope } from './auth/scopes.js';
import { readBoundedBody } from './body.js';
import type { GatewayApp, GatewayEnv } from './env.js';
import { failure, sendFailure, type HttpFailure } from './errors.js';

export interface WorkspaceRoutesDeps {
  /** Absent when the host has no copy-on-write views (nothing is journaled). */
  readonly journal?: Journal;
  /** Real path of an agent's workspace; undefined for an unknown agent. */
  readonly workspaceOf: (agentId: string) => string | undefined;
  readonly bus: EventBus;
  /** L09 over every text shown (the log sanitizer): pre-images may hold vault values, commands are the model's. */
  readonly redact: (text: string) => string;
}

const UndoBody = z.strictObject({
  turn: z.string().min(1).max(200).optional(),
  to: z.string().min(1).max(64).optional(),
});

export function workspaceRoutes(deps: WorkspaceRoutesDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const where = (agent: string): { error: HttpFailure } | { journal: Journal; ws: string } => {
    if (!deps.journal)
      return {
        error: failure(503, 'this daemon keeps no journal (L11.7 is not on: see bulwark layers)', 'no_journal'),
      };
    const ws = deps.workspaceOf(agent);
    if (!ws) return { error: failure(404, `no agent "${agent}" with a workspace`, 'not_found') };
    return { journal: deps.journal, ws };
  };

  app.get('/:agent/history', (c) => {
    const w = where(c.req.param('agent'));
    if ('error' in w) return sendFailure(c, w.error);
    return c.json({ object: 'list', data: w.journal.list(w.ws).map((e) => shownEntry(e, deps.redact)) });
  });

  app.get('/:agent/diff/:entry', (c) => {
    const w = where(c.req.param('agent'));
    if ('error' in w) return sendFailure(c, w.error);
    const entry = w.journal.list(w.ws).find((e) => e.id === c.req.param('entry'));
    if (!entry) return sendFailure(c, failure(404, `no journal entry ${c.req.param('entry')}`, 'not_found'));
    const changes = shownTexts(entryTexts(w.journal, w.ws, entry), deps.redact).map((t) => ({
      ...t,
      diff: t.before !== undefined || t.now !== undefined ? lineDiff(t.change.path, t.before, t.now ?? '') : undefined,
    }));
    return c.json({ entry: shownEntry(entry, deps.redact), changes });
  });

  app.post('/:agent/undo', async (c) => {
    const w = where(c.req.param('agent'));
    if ('error' in w) return sendFailure(c, w.error);
    const bytes = await readBoundedBody(c.req.raw, 4096);
    if (!bytes.ok) return sendFailure(c, failure(400, 'request body too large', 'invalid_request'));
    let raw: unknown = {};
    const text = new TextDecoder().decode(bytes.value);
    if (text.trim()) {
      try {
        raw = JSON.parse(text);
      } catch {
        return sendFailure(c, failure(400, 'request body is not valid JSON', 'invalid_json'));
      }
    }
    const body = UndoBody.safeParse(raw);
    if (!body.success || (body.data.turn !== undefined && body.data.to !== undefined))
      return sendFailure(
        c,
        failure(400, 'body: {} for the newest change set, {"turn": ID} or {"to": ISO time}', 'invalid_request'),
      );
    let target: UndoTarget = { last: true };
    if (body.data.turn !== undefined) target = { turn: body.data.turn };
    else if (body.data.to !== undefined) {
      const t = new Date(body.data.to);
      if (Number.isNaN(t.getTime()))
        return sendFailure(c, failure(400, '"to" must be an ISO 8601 time', 'invalid_request'));
      target = { to: t };
    }
    // The choice and the undo in one turn: no apply of the daemon's or a CLI's can come between them.
    let chosen: readonly JournalEntry[] | undefined;
    await w.journal.turnFree(w.ws);
    const r = w.journal.exclusive(w.ws, () => {
      const picked = selectUndo(w.journal.list(w.ws), target);
      if (!picked.ok) return picked;
      chosen = picked.value;
      return w.journal.undo(w.ws, picked.value);
    });
    if (!chosen) {
      const e = r.ok ? undefined : r.error;
      return sendFailure(c, failure(e?.status ?? 400, e?.message ?? 'nothing was chosen to undo', e?.code));
    }
    const lost = r.ok && r.value.notRestored.length ? notRestoredText(r.value.notRestored) : undefined;
    deps.bus.emit('security:warning', {
      layer: 'L11.7',
      outcome: !r.ok || lost ? 'undo-failed' : 'undone',
      reason: r.ok
        ? `workspace undo over the API: ${chosen.map((e) => e.id).join(', ')}${lost ? `; ${lost}` : ''}`
        : r.error.message,
      agentId: c.req.param('agent'),
    });
    if (!r.ok) return sendFailure(c, failure(r.error.status ?? 500, r.error.message, r.error.code));
    // The rest was put back; what could not be is a failure, never counted as restored.
    if (lost) return sendFailure(c, failure(409, lost, 'journal.not_restored'));
    return c.json({ undone: chosen.map((e) => e.id), paths: r.value.restored });
  });
  return app;
}

export function workspaceRouteGroup(
  deps: WorkspaceRoutesDeps,
): (app: GatewayApp, scope: (s: TokenScope) => MiddlewareHandler<GatewayEnv>) => void {
  return (app, scope) => {
    app.use('/v1/workspaces/*', scope('admin'));
    app.route('/v1/workspaces', workspaceRoutes(deps));
  };
}
