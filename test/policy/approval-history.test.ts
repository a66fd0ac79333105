/**
 * L13 history: every request and decision of the approval queue is recorded in the ApprovalStore, its view
 * redacted first; a decided request can be shown after the fact, also by the next daemon; requests a dead daemon
 * left pending are abandoned at start; a request the store cannot record is denied (fail closed).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { register as registerApprovals } from '../../src/cli/commands/approvals.js';
import type { CliContext } from '../../src/cli/context.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { storeFailure } from '../../src/core/store.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { openTokenAdmin, startDaemon } from '../../src/daemon.js';
import { approvalsRoutes } from '../../src/gateway/approvals-routes.js';
import type { ApprovalStore } from '../../src/policy/approval-store.js';
import { ApprovalQueue, type EffectView } from '../../src/policy/approvals.js';
import { SqliteApprovalStore } from '../../src/policy/sqlite-approval-store.js';
import { openEmbeddedStores } from '../../src/stores.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const SECRET = 'hunter2-very-secret-value';
const view: EffectView = {
  tool: 'exec',
  classes: ['destructive'],
  reasons: ['rm is destructive'],
  agentId: 'coder',
  sessionId: 'ses_1',
  cwd: '/w',
  network: { mode: 'none', grants: [] },
  args: `{"command":"rm -rf build","env":{"TOKEN":"${SECRET}"}}`,
  argv: [['rm', '-rf', 'build']],
};
const ctx = { agentId: 'coder', sessionId: 'ses_1', traceId: 't', owner: true };
const redact = (text: string): string => text.replaceAll(SECRET, '[REDACTED]');

function tempFile(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-apr-history-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'bulwark.db');
}

/** A queue over the approval table in `file`: a new call is a new daemon on the same data. */
function daemonQueue(file: string, opts: { store?: (real: ApprovalStore) => ApprovalStore; timeoutMs?: number } = {}) {
  const db = openDatabase(file);
  const real = new SqliteApprovalStore(db, file);
  const store = opts.store ? opts.store(real) : real;
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  bus.on('*', (e) => events.push(e));
  const queue = new ApprovalQueue({ bus, store, redact, defaultTimeoutMs: opts.timeoutMs ?? 60_000 });
  cleanups.push(
    () => db.close(),
    () => queue.close(),
  );
  return { queue, store: real, events };
}

describe('L13 approval history', () => {
  it('records the request (view redacted) and the decision; the decided request is shown from the store', async () => {
    const d = daemonQueue(tempFile());
    const waiting = d.queue.request('h1', view, ctx);
    const id = d.queue.list()[0]!.id;
    // While pending, the operator sees the full view; what is kept at rest is redacted.
    expect((await d.queue.get(id))?.view.args).toContain(SECRET);
    const stored = await d.store.get(id);
    expect(stored).toMatchObject({ status: 'pending', agentId: 'coder', sessionId: 'ses_1', effectHash: 'h1' });
    expect(stored?.view).not.toContain(SECRET);
    expect(JSON.parse(stored?.view ?? '{}')).toMatchObject({ tool: 'exec', argv: [['rm', '-rf', 'build']] });

    expect(d.queue.decide(id, 'approve', 'token:op', 'looked fine').ok).toBe(true);
    expect((await waiting).decision).toBe('approve');
    const shown = await d.queue.get(id);
    expect(shown).toMatchObject({
      id,
      status: 'approved',
      decision: 'approve',
      source: 'operator',
      by: 'token:op',
      reason: 'looked fine',
      waiters: 0,
    });
    expect(shown?.view.args).not.toContain(SECRET);
    expect(shown?.view.args).toContain('[REDACTED]');
  });

  it('records how each request ended: expired, cancelled, denied at shutdown; cache answers add no rows', async () => {
    const d = daemonQueue(tempFile(), { timeoutMs: 20 });
    expect((await d.queue.request('h-timeout', view, ctx)).source).toBe('timeout');
    expect((await d.queue.request('h-timeout', view, ctx)).source).toBe('denial-cache');
    const abort = new AbortController();
    const cancelled = d.queue.request('h-cancel', view, ctx, 60_000, abort.signal);
    abort.abort();
    expect((await cancelled).source).toBe('cancelled');
    const atShutdown = d.queue.request('h-shutdown', view, ctx, 60_000);
    await d.queue.close();
    expect((await atShutdown).source).toBe('shutdown');
    const rows = await d.store.list({ limit: 10 });
    expect(rows.map((r) => [r.effectHash, r.status, r.source])).toEqual([
      ['h-shutdown', 'denied', 'shutdown'],
      ['h-cancel', 'cancelled', 'cancelled'],
      ['h-timeout', 'expired', 'timeout'],
    ]);
  });

  it('the next daemon shows what the last one decided and abandons what it left pending', async () => {
    const file = tempFile();
    const first = daemonQueue(file);
    void first.queue.request('h-decided', view, ctx);
    void first.queue.request('h-left', view, ctx);
    const [decided, left] = first.queue.list().map((p) => p.id) as [string, string];
    expect(first.queue.decide(decided, 'deny', 'token:op').ok).toBe(true);
    // The first daemon dies: no shutdown, its queue is never closed.
    await first.queue.history({ limit: 10 });

    const second = daemonQueue(file);
    expect(await second.queue.abandonLeftovers()).toBe(1);
    expect(second.events.find((e) => e.type === 'approval:abandoned')?.payload).toMatchObject({
      layer: 'L13',
      count: 1,
    });
    expect(await second.queue.get(decided)).toMatchObject({ status: 'denied', by: 'token:op' });
    expect(await second.queue.get(left)).toMatchObject({ status: 'abandoned', source: 'restart' });
    // The old request can no longer be decided through the new daemon.
    expect(second.queue.decide(left, 'approve', 'token:op').ok).toBe(false);

    const routes = approvalsRoutes({ queue: second.queue });
    const one = await routes.request(`/${decided}`);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ id: decided, status: 'denied', decision: 'deny' });
    const history = await routes.request('/history?limit=10');
    expect(((await history.json()) as { data: Array<{ status: string }> }).data.map((a) => a.status)).toEqual([
      'abandoned',
      'denied',
    ]);
    expect(
      ((await (await routes.request('/history?status=abandoned')).json()) as { data: unknown[] }).data,
    ).toHaveLength(1);
    expect((await routes.request('/history?limit=0')).status).toBe(400);
    expect((await routes.request('/history?status=lost')).status).toBe(400);
    expect((await routes.request(`/apr_${'0'.repeat(24)}`)).status).toBe(404);
  });

  it('a request the store cannot record is denied and audited; so is a decision it cannot record', async () => {
    let refuse: 'request' | 'decision' | undefined = 'request';
    const d = daemonQueue(tempFile(), {
      store: (real) => ({
        ...real,
        recordRequest: (r) =>
          refuse === 'request' ? Promise.reject(storeFailure('store.io', 'disk full')) : real.recordRequest(r),
        recordDecision: (id, dec) =>
          refuse === 'decision' ? Promise.reject(storeFailure('store.io', 'disk full')) : real.recordDecision(id, dec),
        get: (id) => real.get(id),
        list: (q) => real.list(q),
        abandonPending: (at) => real.abandonPending(at),
      }),
    });
    const outcome = await d.queue.request('h1', view, ctx);
    expect(outcome).toMatchObject({ decision: 'deny', source: 'unrecorded' });
    expect(outcome.reason).toMatch(/could not be recorded: disk full/);
    expect(d.events.some((e) => e.type === 'security:warning' && e.payload.outcome === 'unrecorded')).toBe(true);

    refuse = 'decision';
    const waiting = d.queue.request('h2', view, ctx);
    const id = d.queue.list()[0]!.id;
    expect(d.queue.decide(id, 'approve', 'token:op').ok).toBe(true);
    expect((await waiting).decision).toBe('approve');
    await d.queue.history({ limit: 1 });
    const warning = d.events.filter((e) => e.type === 'security:warning').at(-1);
    expect(warning?.payload).toMatchObject({ layer: 'L13', requestId: id });
    expect(String(warning?.payload.reason)).toMatch(/decision on approval .* could not be recorded: disk full/);
  });
});

describe('L13 history through the daemon and the CLI', () => {
  it('a request left pending in bulwark.db is abandoned at start, audited, and shown by `bulwark approvals show`', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bulwark-apr-daemon-'));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    const dir = path.join(root, 'home');
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(path.join(dir, 'config.yaml'), 'server: { host: 127.0.0.1, port: 0 }\n', { mode: 0o600 });
    const seeded = await openEmbeddedStores(dir);
    if (!seeded.ok) throw new Error(seeded.error.message);
    const id = `apr_${'ab'.repeat(12)}`;
    await seeded.value.approvals.recordRequest({
      id,
      effectHash: 'e'.repeat(64),
      agentId: 'coder',
      sessionId: 'ses_old',
      view: JSON.stringify(view),
      createdAt: Date.now() - 60_000,
      expiresAt: Date.now() + 60_000,
    });
    await seeded.value.close();

    const daemon = await startDaemon({ dataDir: dir, port: 0 });
    cleanups.push(() => daemon.close());
    const admin = openTokenAdmin(dir);
    if (!admin.ok) throw new Error(admin.error.message);
    const token = admin.value.create('operator', ['admin']);
    admin.value.close();
    if (!token.ok) throw new Error(token.error.message);

    await daemon.flushAudit();
    const audit = readFileSync(path.join(dir, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean);
    expect(audit.map((l) => JSON.parse(l) as { type: string; count?: number })).toContainEqual(
      expect.objectContaining({ type: 'approval:abandoned', count: 1 }),
    );

    const out: string[] = [];
    const c: CliContext = {
      dataDir: dir,
      stdout: (t) => out.push(t),
      stderr: (t) => out.push(t),
      setExitCode: () => undefined,
    };
    const program = new Command().exitOverride();
    registerApprovals(program, c);
    await program.parseAsync([
      'node',
      'bulwark',
      'approvals',
      'show',
      id,
      '--url',
      daemon.url,
      '--token',
      token.value.token,
    ]);
    const shown = out.join('');
    expect(shown).toMatch(new RegExp(`approval\\s+${id}\\s+\\(abandoned: deny by restart\\)`));
    expect(shown).toMatch(/decided\s+abandoned at .*: the daemon that asked stopped before a decision/);
    out.length = 0;
    await program.parseAsync([
      'node',
      'bulwark',
      'approvals',
      'list',
      '--all',
      '--url',
      daemon.url,
      '--token',
      token.value.token,
    ]);
    expect(out.join('')).toMatch(new RegExp(`${id}\\s+abandoned\\s+coder\\s+exec`));
  });
});
