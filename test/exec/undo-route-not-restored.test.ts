/**
 * POST /v1/workspaces/:agent/undo when a path cannot be put back (a renamed directory whose new path is gone, with
 * no copy kept): a 409 that names it, never a 200 counting it as restored. A real run on a copy-on-write view makes
 * the journal entry; the route is the gateway's own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { workspaceRoutes } from '../../src/gateway/workspace-routes.js';
import { startHarness, type Harness } from './effects-harness.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

describe('undo over the API', () => {
  it('answers 409 journal.not_restored naming the path it could not restore', async () => {
    h = startHarness();
    const ws = h.workspace;
    mkdirSync(join(ws, 'src'));
    writeFileSync(join(ws, 'src', 'main.c'), 'int main(){}\n');
    const moved = await h.run('mv src code');
    expect(moved.ok && moved.value.effects?.status).toBe('applied');
    rmSync(join(ws, 'code'), { recursive: true });
    const bus = new EventBus();
    const events: Array<Envelope<EventType>> = [];
    bus.on('*', (e) => events.push(e as Envelope<EventType>));
    const app = workspaceRoutes({ journal: h.svc.journal!, workspaceOf: () => ws, bus, redact: (t) => t });
    const r = await app.request('/default/undo', { method: 'POST' });
    expect(r.status).toBe(409);
    const text = await r.text();
    expect(text).toMatch(/journal\.not_restored/);
    expect(text).toMatch(/could not restore src \(moved to code, which is gone; no copy was kept\)/);
    expect(events.map((e) => (e.payload as { outcome?: string }).outcome)).toEqual(['undo-failed']);

    // The entry stays not undone, with the path it could not put back remembered: a second undo retries that path
    // (and only it), rather than finding nothing to undo.
    const [entry] = h.svc.journal!.list(ws);
    expect(entry?.undoneAt).toBeUndefined();
    expect(entry?.unrestored).toEqual(['code']);
    const again = await app.request('/default/undo', { method: 'POST' });
    expect(again.status).toBe(409);
    expect(await again.text()).toMatch(/could not restore src \(moved to code, which is gone; no copy was kept\)/);
  });

  it('the retry reverses only what is left: a deletion undone the first time is not redone', async () => {
    h = startHarness();
    const ws = h.workspace;
    writeFileSync(join(ws, 'keep.txt'), 'kept\n');
    writeFileSync(join(ws, 'a.txt'), 'a\n');
    const moved = await h.run('mv a.txt b.txt && rm keep.txt', async () => ({ approved: true, reason: 'test' }));
    expect(moved.ok && moved.value.effects?.status).toBe('applied');
    rmSync(join(ws, 'b.txt'));
    const app = workspaceRoutes({
      journal: h.svc.journal!,
      workspaceOf: () => ws,
      bus: new EventBus(),
      redact: (t) => t,
    });
    const first = await app.request('/default/undo', { method: 'POST' });
    expect(first.status).toBe(409);
    expect(readFileSync(join(ws, 'keep.txt'), 'utf8')).toBe('kept\n');
    // Its pre-image was used: retrying the whole entry would refuse it as gone from the journal.
    const second = await app.request('/default/undo', { method: 'POST' });
    expect(second.status).toBe(409);
    expect(await second.text()).toMatch(/could not restore a\.txt \(moved to b\.txt/);
    expect(readFileSync(join(ws, 'keep.txt'), 'utf8')).toBe('kept\n');
  });
});
