/**
 * A provider key is read for a turn: the model request carries the turn's agent, session and trace,
 * the key resolver gets them, and the daemon's `secret:accessed` audit event names them.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import type { CallContext } from '../../src/core/context.js';
import { ok } from '../../src/core/result.js';
import { reply, scriptFrom, startFakeProvider, type FakeProvider, type WireFormat } from '../support/fake-provider.js';
import { FAKE_KEY_NAME, startE2E, type E2E } from '../e2e/support.js';
import { caller, collect, FAKE_KEY_VALUE, makeHarness, turn, type Harness } from './helpers.js';

let fake: FakeProvider | undefined;
let h: Harness | undefined;
let e2e: E2E | undefined;
afterEach(async () => {
  await fake?.close();
  h?.close();
  await e2e?.close();
  fake = undefined;
  h = undefined;
  e2e = undefined;
});

describe.each(['openai', 'anthropic'] as WireFormat[])('provider key read over %s', (format) => {
  it('the key resolver is told which agent, session and trace the model call is for', async () => {
    const reads: Array<{ name: string; who: CallContext | undefined }> = [];
    fake = await startFakeProvider({ script: scriptFrom([reply.toolCall('ls', {}), reply.text('done')]) });
    h = makeHarness(fake, {
      format,
      resolveSecret: (name, who) => {
        reads.push({ name, who });
        return ok(FAKE_KEY_VALUE);
      },
    });
    const evs = await collect(h.runtime.runTurn(turn('hi', { traceId: 'trace-key-read' })));
    expect(evs.at(-1)).toMatchObject({ type: 'done', text: 'done' });
    const session = evs.find((e) => e.type === 'session');
    const sessionId = session?.type === 'session' ? session.sessionId : '';
    // One read per model call, each naming the turn.
    expect(reads).toEqual([
      {
        name: 'FAKE_KEY',
        who: expect.objectContaining({
          agentId: 'coder',
          sessionId,
          traceId: 'trace-key-read',
          caller: caller('alice'),
        }),
      },
      {
        name: 'FAKE_KEY',
        who: expect.objectContaining({
          agentId: 'coder',
          sessionId,
          traceId: 'trace-key-read',
          caller: caller('alice'),
        }),
      },
    ]);
  });
});

describe('provider key read through the daemon', () => {
  it('the secret:accessed audit event of the provider key names the agent, session and trace of the turn', async () => {
    e2e = await startE2E('openai', scriptFrom([reply.toolCall('ls', {}), reply.text('done')]));
    const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
    const answer = await client.chat.completions.create({
      model: 'default',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBe('done');

    const audit = await e2e.audit();
    const reads = audit.filter((a) => a.type === 'secret:accessed' && a.secretName === FAKE_KEY_NAME);
    expect(reads).toHaveLength(2);
    // The turn's trace, as the tool execution of the same turn records it.
    const executed = audit.find((a) => a.type === 'tool:executed');
    expect(executed?.traceId).toEqual(expect.any(String));
    for (const r of reads) {
      expect(r).toMatchObject({
        outcome: 'success',
        agentId: 'default',
        traceId: executed?.traceId,
        sessionId: executed?.sessionId,
      });
    }
  });
});
