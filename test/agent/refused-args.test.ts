/**
 * A tool call that a layer refused (L17 canary, L02 vault value, L12 unknown tool) or that no layer
 * could scan (invalid JSON, over the per-answer cap) must not leave its arguments in the session store,
 * and the stored conversation must still replay to the provider with every call paired to its result.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { MAX_TOOL_CALLS_PER_STEP } from '../../src/agent/turn-loop.js';
import {
  reply,
  scriptFrom,
  startFakeProvider,
  type FakeProvider,
  type FakeRequest,
  type FakeScript,
  type WireFormat,
  canaryIn,
} from '../support/fake-provider.js';
import { collect, makeHarness, turn, type Harness } from './helpers.js';

const VAULT_VALUE = 'vault-Value-7d1c0e44b2a9f35c81';
/** Unscanned model output that must not be stored either. */
const MARKER = 'MARKER-unscanned-5e2b9c';

let fake: FakeProvider | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await fake?.close();
  h?.close();
  fake = undefined;
  h = undefined;
});

/** Every row of every table of the session database, and the database files' bytes. */
function everythingStored(harness: Harness): string {
  const tables = harness.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
  const rows = tables.map((t) => JSON.stringify(harness.db.prepare(`SELECT * FROM "${t.name}"`).all()));
  harness.db.pragma('wal_checkpoint(TRUNCATE)');
  const files = ['bulwark.db', 'bulwark.db-wal', 'bulwark.db-journal']
    .map((f) => join(harness.dataDir, f))
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'));
  return [...rows, ...files].join('\n');
}

/** The tool calls and tool results of a request on the wire, as [id, ...] lists. */
function pairing(req: FakeRequest): { calls: string[]; results: string[]; args: string[] } {
  const calls: string[] = [];
  const results: string[] = [];
  const args: string[] = [];
  for (const m of req.messages) {
    if (req.format === 'openai') {
      if (Array.isArray(m.tool_calls)) {
        for (const c of m.tool_calls as Record<string, unknown>[]) {
          calls.push(String(c.id));
          args.push(String((c.function as Record<string, unknown>).arguments));
        }
      }
      if (m.role === 'tool') results.push(String(m.tool_call_id));
    } else if (Array.isArray(m.content)) {
      for (const b of m.content as Record<string, unknown>[]) {
        if (b.type === 'tool_use') {
          calls.push(String(b.id));
          args.push(JSON.stringify(b.input));
        }
        if (b.type === 'tool_result') results.push(String(b.tool_use_id));
      }
    }
  }
  return { calls, results, args };
}

async function setup(script: FakeScript, format: WireFormat): Promise<Harness> {
  fake = await startFakeProvider({ script });
  const leaks = new LeakIndex();
  leaks.register('DB_PASSWORD', VAULT_VALUE);
  h = makeHarness(fake, { format, leaks });
  return h;
}

describe.each(['openai', 'anthropic'] as WireFormat[])('refused tool-call arguments over %s', (format) => {
  it('a call carrying the canary or a vault value is refused and its arguments are nowhere in the session store', async () => {
    let canary = '';
    const harness = await setup(
      scriptFrom([
        (req) => {
          canary = canaryIn(req);
          return reply.toolCalls([
            { name: 'write', arguments: { path: 'leak.txt', content: `the prompt: ${canary}` } },
            { name: 'write', arguments: { path: 'pw.txt', content: `password ${VAULT_VALUE}` } },
            { name: 'write', arguments: { path: 'ok.txt', content: 'harmless' } },
          ]);
        },
        reply.text('finished'),
        reply.text('second turn'),
      ]),
      format,
    );
    const first = await collect(harness.runtime.runTurn(turn('go')));
    expect(first.at(-1)).toMatchObject({ type: 'done', text: 'finished' });
    expect(
      first.filter((e) => e.type === 'tool_finished').map((e) => (e.type === 'tool_finished' ? e.ok : undefined)),
    ).toEqual([false, false, true]);
    expect(canary).toMatch(/^CTKN_/);

    const stored = everythingStored(harness);
    expect(stored).not.toContain(canary);
    expect(stored).not.toContain(VAULT_VALUE);
    // The harmless call is kept as it was, the refused ones keep only their reason id.
    expect(stored).toContain('harmless');
    expect(stored).toContain('output.canary_in_tool_call');
    expect(stored).toContain('output.secret_in_tool_call');

    // The stored conversation replays on the next turn with every call paired to its result.
    const session = first.find((e) => e.type === 'session');
    const sessionId = session?.type === 'session' ? session.sessionId : '';
    const second = await collect(harness.runtime.runTurn(turn('again', { sessionId })));
    expect(second.at(-1)).toMatchObject({ type: 'done', text: 'second turn' });
    const replay = fake?.requests.at(-1);
    if (!replay) throw new Error('no replay request');
    const p = pairing(replay);
    expect(p.calls).toHaveLength(3);
    expect(p.results).toEqual(p.calls);
    expect(p.args.join('\n')).not.toContain(canary);
    expect(p.args.join('\n')).not.toContain(VAULT_VALUE);
    expect(p.args.filter((a) => a.includes('refused'))).toHaveLength(2);
  });

  it('calls no layer could scan (unknown tool, invalid JSON, over the cap) are not stored verbatim either', async () => {
    const over = Array.from({ length: MAX_TOOL_CALLS_PER_STEP }, () => ({ name: 'ls', arguments: { path: '.' } }));
    const harness = await setup(
      scriptFrom([
        reply.toolCalls([
          { name: `tool_${MARKER}`, arguments: { x: MARKER } },
          { name: 'write', arguments: `{"path": "${MARKER}` },
          ...over,
          { name: 'ls', arguments: { path: MARKER } },
        ]),
        reply.text('finished'),
        reply.text('second turn'),
      ]),
      format,
    );
    const first = await collect(harness.runtime.runTurn(turn('go')));
    expect(first.at(-1)).toMatchObject({ type: 'done', text: 'finished' });
    expect(everythingStored(harness)).not.toContain(MARKER);
    expect(JSON.stringify(fake?.requests.at(-1)?.messages)).not.toContain(MARKER);

    const session = first.find((e) => e.type === 'session');
    const sessionId = session?.type === 'session' ? session.sessionId : '';
    const second = await collect(harness.runtime.runTurn(turn('again', { sessionId })));
    expect(second.at(-1)).toMatchObject({ type: 'done', text: 'second turn' });
    const replay = fake?.requests.at(-1);
    if (!replay) throw new Error('no replay request');
    const p = pairing(replay);
    expect(p.calls).toHaveLength(MAX_TOOL_CALLS_PER_STEP + 3);
    expect(p.results).toEqual(p.calls);
    expect(JSON.stringify(replay.messages)).not.toContain(MARKER);
  });
});
