/**
 * The embedded stores behind the storage seam: what an audited event costs the event loop and how soon it is on
 * disk (audit.jsonl, batched fdatasync), and the SQLite session and usage calls a turn makes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { summarise, timeAsync, type Timing } from '../measure.js';
import type { ChatMessage } from '../../src/agent/types.js';
import { AuditSink } from '../../src/core/audit.js';
import { EventBus } from '../../src/core/events.js';
import { unwrap } from '../../src/core/result.js';
import { openEmbeddedStores } from '../../src/stores.js';

const EVENTS = 2000;

const suite: Suite = {
  name: 'storage',
  async run() {
    const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-storage-'));
    const rows: (string | number)[][] = [];
    const data: Record<string, Timing | number> = {};
    const checks: Check[] = [];
    const add = (name: string, t: Timing, maxP50Ms?: number): void => {
      data[name] = t;
      rows.push([name, t.n, t.p50 / 1000, t.p99 / 1000]);
      if (maxP50Ms !== undefined) checks.push({ name: `${name} p50 ms`, value: t.p50 / 1000, max: maxP50Ms });
    };
    const stores = unwrap(await openEmbeddedStores(dir));
    try {
      // Audit: the bus is synchronous; what an emit costs is what the event loop waits for.
      const bus = new EventBus();
      const sink = new AuditSink(stores.audit);
      sink.attach(bus);
      const emits: number[] = [];
      const started = process.hrtime.bigint();
      for (let i = 0; i < EVENTS; i++) {
        const t = process.hrtime.bigint();
        bus.emit('tool:executed', { layer: 'L12', outcome: 'success', agentId: 'bench', i });
        emits.push(Number(process.hrtime.bigint() - t) / 1000);
      }
      await sink.flush();
      const durableMs = Number(process.hrtime.bigint() - started) / 1e6;
      add(`audit: emit of one event (${EVENTS} in a burst)`, summarise(emits), 0.5);
      data['audit: burst on disk, ms'] = durableMs;
      rows.push([`audit: all ${EVENTS} on disk (fdatasync'd)`, 1, durableMs, durableMs]);
      add(
        'audit: one event until on disk',
        await timeAsync(async () => {
          bus.emit('tool:executed', { layer: 'L12', outcome: 'success', agentId: 'bench' });
          await sink.flush();
        }, 200),
      );

      // Sessions: a turn appends a few messages and the next one reads the history.
      const sessionId = await stores.sessions.create('bench', 'token:bench');
      const step: ChatMessage[] = [
        { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'read', arguments: '{"path":"a.txt"}' }] },
        { role: 'tool', toolCallId: 'c', name: 'read', content: 'x'.repeat(2000) },
      ];
      add('session: append 2 messages', await timeAsync(() => stores.sessions.append(sessionId, step), 500), 2);
      add('session: history of 1,000+ messages', await timeAsync(() => stores.sessions.history(sessionId), 100), 20);

      // Usage: L21 records one row per call and sums before each call.
      add(
        'usage: record one call',
        await timeAsync(
          () =>
            stores.usage.record({
              agent: 'bench',
              model: 'm',
              inputTokens: 1000,
              outputTokens: 100,
              cost: 0.01,
              at: Date.now(),
            }),
          1000,
        ),
        1,
      );
      add(
        'usage: tokens of the last hour',
        await timeAsync(() => stores.usage.tokensSince(Date.now() - 3_600_000, 'bench'), 1000),
        1,
      );
    } finally {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    }
    const markdown = `## Embedded stores (bulwark.db, audit.jsonl)\n\n${markdownTable(['case', 'n', 'p50 ms', 'p99 ms'], rows)}\n`;
    return { name: 'storage', markdown, data, checks };
  },
};

export default suite;
