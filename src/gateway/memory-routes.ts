/**
 * The operator's memory API under /v1/memory (admin scope, put on by the integrator), the same operations as
 * `bulwark memory …`:
 *   GET    /                  list      ?agent=&origin=owner,agent&kind=&limit=&offset=&all=1
 *   GET    /search            search    ?q=&agent=&origin=&limit=
 *   GET    /export            JSON Lines of whole entries with provenance  ?agent=&origin=
 *   POST   /import            body { agent, origin?, records: [{ text, kind?, agentId?, observedAt? }] } (origin default external)
 *   GET    /:id               one entry
 *   DELETE /:id               forget
 *   POST   /:id/promote       a new owner entry superseding this one
 * Imports and promotions pass the memory-write pipeline (L15 → L14) with the token's caller; the model never
 * reaches these routes.
 */
import { Hono, type Context, type MiddlewareHandler } from 'hono';
import { z } from 'zod';
import type { Caller, BulwarkError } from '../core/index.js';
import {
  exportLine,
  MEMORY_KINDS,
  MEMORY_ORIGINS,
  parseImport,
  type MemoryAdmin,
  type MemoryEntry,
  type MemoryKind,
  type MemoryOrigin,
} from '../memory/index.js';
import type { TokenScope } from './auth/scopes.js';
import { readBoundedBody } from './body.js';
import type { GatewayApp, GatewayEnv } from './env.js';
import { failure, sendFailure } from './errors.js';

export interface MemoryRoutesDeps {
  readonly admin: MemoryAdmin;
  /** Agent ids of config.yaml (the default agent is the first). */
  readonly agentIds: readonly string[];
}

const MAX_IMPORT_BODY = 16 * 1024 * 1024;
const ImportBody = z.strictObject({
  agent: z.string().optional(),
  origin: z.enum(MEMORY_ORIGINS).default('external'),
  records: z.array(z.unknown()).min(1).max(100_000),
});

function present(e: MemoryEntry): Record<string, unknown> {
  return { ...e, createdAt: new Date(e.createdAt).toISOString(), observedAt: new Date(e.observedAt).toISOString() };
}

function fromError(c: Context<GatewayEnv>, e: BulwarkError): Response {
  return sendFailure(c, failure(e.status ?? 400, e.message, e.code));
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function listOf<T extends string>(raw: string | undefined, known: readonly T[], name: string): Parsed<T[] | undefined> {
  if (raw === undefined || raw === '') return { ok: true, value: undefined };
  const items = raw.split(',').map((s) => s.trim());
  const bad = items.filter((i) => !(known as readonly string[]).includes(i));
  if (bad.length) return { ok: false, message: `unknown ${name} ${bad.join(', ')}; known: ${known.join(', ')}` };
  return { ok: true, value: items as T[] };
}

function intOf(raw: string | undefined, name: string, min: number, max: number, fallback: number): Parsed<number> {
  if (raw === undefined || raw === '') return { ok: true, value: fallback };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    return { ok: false, message: `${name} must be a whole number from ${min} to ${max}` };
  return { ok: true, value: n };
}

export function memoryRoutes(deps: MemoryRoutesDeps): Hono<GatewayEnv> {
  const app = new Hono<GatewayEnv>();
  const { admin } = deps;
  const caller = (c: Context<GatewayEnv>) => c.get('identity') as Caller;
  const agentOf = (c: Context<GatewayEnv>): Parsed<string | undefined> => {
    const a = c.req.query('agent');
    if (a === undefined || a === '') return { ok: true, value: undefined };
    return deps.agentIds.includes(a)
      ? { ok: true, value: a }
      : { ok: false, message: `no agent "${a}"; configured: ${deps.agentIds.join(', ')}` };
  };
  const filters = (c: Context<GatewayEnv>) => {
    const agent = agentOf(c);
    const origins = listOf<MemoryOrigin>(c.req.query('origin'), MEMORY_ORIGINS, 'origin');
    const kinds = listOf<MemoryKind>(c.req.query('kind'), MEMORY_KINDS, 'kind');
    const limit = intOf(c.req.query('limit'), 'limit', 1, 10_000, 100);
    const offset = intOf(c.req.query('offset'), 'offset', 0, 10_000_000, 0);
    for (const p of [agent, origins, kinds, limit, offset])
      if (!p.ok) return { ok: false as const, message: p.message };
    return {
      ok: true as const,
      agent: agent.ok ? agent.value : undefined,
      origins: origins.ok ? origins.value : undefined,
      kinds: kinds.ok ? kinds.value : undefined,
      limit: limit.ok ? limit.value : 100,
      offset: offset.ok ? offset.value : 0,
    };
  };

  app.get('/', async (c) => {
    const f = filters(c);
    if (!f.ok) return sendFailure(c, failure(400, f.message, 'invalid_request'));
    const list = await admin.list({
      ...(f.agent !== undefined ? { agentId: f.agent } : {}),
      ...(f.origins ? { origins: f.origins } : {}),
      ...(f.kinds ? { kinds: f.kinds } : {}),
      all: c.req.query('all') === '1',
      limit: f.limit,
      offset: f.offset,
    });
    return c.json({ object: 'list', data: list.map(present) });
  });

  app.get('/search', async (c) => {
    const q = c.req.query('q') ?? '';
    if (q.trim() === '' || q.length > 2000)
      return sendFailure(c, failure(400, 'q (1-2000 characters) is required', 'invalid_request'));
    const f = filters(c);
    if (!f.ok) return sendFailure(c, failure(400, f.message, 'invalid_request'));
    const hits = await admin.search(q, {
      agentId: f.agent ?? deps.agentIds[0] ?? 'default',
      ...(f.origins ? { origins: f.origins } : {}),
      limit: Math.min(f.limit, 100),
    });
    return c.json({ object: 'list', data: hits.map((h) => ({ ...present(h.entry), score: h.score })) });
  });

  app.get('/export', async (c) => {
    const f = filters(c);
    if (!f.ok) return sendFailure(c, failure(400, f.message, 'invalid_request'));
    const lines: string[] = [];
    for (let offset = 0; ; offset += 1000) {
      const page = await admin.list({
        ...(f.agent !== undefined ? { agentId: f.agent } : {}),
        ...(f.origins ? { origins: f.origins } : {}),
        all: true,
        limit: 1000,
        offset,
      });
      lines.push(...page.map(exportLine));
      if (page.length < 1000) break;
    }
    return c.body(lines.length ? `${lines.join('\n')}\n` : '', 200, { 'content-type': 'application/x-ndjson' });
  });

  app.post('/import', async (c) => {
    const bytes = await readBoundedBody(c.req.raw, MAX_IMPORT_BODY);
    if (!bytes.ok)
      return sendFailure(
        c,
        bytes.error.status === 413 ? failure(413, 'request body larger than 16 MiB', 'body_too_large') : bytes.error,
      );
    let raw: unknown;
    try {
      raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.value));
    } catch {
      return sendFailure(c, failure(400, 'request body is not valid UTF-8 JSON', 'invalid_json'));
    }
    const body = ImportBody.safeParse(raw);
    if (!body.success)
      return sendFailure(
        c,
        failure(
          400,
          `invalid request body: ${body.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ')}`,
          'invalid_request',
        ),
      );
    const agent = body.data.agent ?? deps.agentIds[0] ?? 'default';
    if (!deps.agentIds.includes(agent)) return sendFailure(c, failure(400, `no agent "${agent}"`, 'invalid_request'));
    const jsonl = new TextEncoder().encode(body.data.records.map((r) => JSON.stringify(r)).join('\n'));
    const records = parseImport(jsonl);
    if (!records.ok) return fromError(c, records.error);
    const report = await admin.import(records.value, { agentId: agent, origin: body.data.origin }, caller(c));
    if (!report.ok) return fromError(c, report.error);
    return c.json(report.value);
  });

  app.get('/:id', async (c) => {
    const r = await admin.show(c.req.param('id'));
    return r.ok ? c.json(present(r.value)) : fromError(c, r.error);
  });

  app.delete('/:id', async (c) => {
    const r = await admin.forget(c.req.param('id'), caller(c));
    return r.ok ? c.json({ ...present(r.value), deleted: true }) : fromError(c, r.error);
  });

  app.post('/:id/promote', async (c) => {
    const r = await admin.promote(c.req.param('id'), caller(c));
    return r.ok ? c.json(present(r.value)) : fromError(c, r.error);
  });
  return app;
}

/** For `GatewayDeps.routes`: mounts the sub-app at /v1/memory behind the admin scope. */
export function memoryRouteGroup(
  deps: MemoryRoutesDeps,
): (app: GatewayApp, scope: (s: TokenScope) => MiddlewareHandler<GatewayEnv>) => void {
  return (app, scope) => {
    app.use('/v1/memory', scope('admin'));
    app.use('/v1/memory/*', scope('admin'));
    app.route('/v1/memory', memoryRoutes(deps));
  };
}
