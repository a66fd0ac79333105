/**
 * L02/L17 on the side channels of a response, through the real daemon: the tool progress events of a
 * stream (`x-bulwark-events: tools`) and the error a failing provider produces. Both carry text the
 * model side chooses (a tool call's id and name, the provider's error body); none of it may carry the
 * canary or a secret to the client or the log.
 */
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, canaryIn } from '../support/fake-provider.js';
import { cutNotice } from '../../src/agent/turn-loop.js';
import { startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

/** An AWS-shaped key id built at run time (not a real key). */
const AWS_KEY_ID = ['AKIA', '2345', 'ABCD', 'EFGH', 'JKLM'].join('');

async function chat(
  e: E2E,
  stream: boolean,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const res = await fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${e.token}`, ...headers },
    body: JSON.stringify({ model: 'default', stream, messages: [{ role: 'user', content: 'hello' }] }),
  });
  return { status: res.status, body: await res.text() };
}

/** The daemon's log after it stopped (pino flushes on close). */
async function logAfterClose(e: E2E): Promise<string> {
  await e.close();
  e2e = undefined;
  return readFileSync(e.daemon.logFile, 'utf8');
}

describe('tool progress events carry ids bulwark chose', () => {
  for (const format of ['openai', 'anthropic'] as const) {
    it(`a model whose tool call id and name carry the canary does not get it into the SSE body (${format})`, async () => {
      let canary = '';
      e2e = await startE2E(
        format,
        scriptFrom([
          (req) => {
            canary = canaryIn(req);
            return reply.toolCalls([
              { name: 'read', arguments: { path: 'missing.txt' }, id: `call_${canary}` },
              { name: `x_${canary}`, arguments: {}, id: `toolu_${canary}_2` },
            ]);
          },
          reply.text('done'),
        ]),
      );
      const { status, body } = await chat(e2e, true, { 'x-bulwark-events': 'tools' });
      expect(status).toBe(200);
      expect(canary).toMatch(/^CTKN_[0-9a-f]{16}$/);
      const tools = body
        .split('\n')
        .filter((l) => l.startsWith('data: {'))
        .map((l) => JSON.parse(l.slice(6)) as { bulwark?: { tool?: { id: string; name: string; status: string } } })
        .flatMap((c) => (c.bulwark?.tool ? [c.bulwark.tool] : []));
      expect(tools.map((t) => [t.id, t.name, t.status])).toEqual([
        ['call_0_0', 'read', 'started'],
        ['call_0_0', 'read', 'finished'],
        ['call_0_1', 'unknown_tool', 'started'],
        ['call_0_1', 'unknown_tool', 'finished'],
      ]);
      expect(body).not.toContain(canary);
      expect(body.toLowerCase()).not.toContain(canary.slice(5).toLowerCase());
      // The history still pairs each result with the model's own id.
      const second = e2e.fake.requests[1];
      expect(JSON.stringify(second?.messages)).toContain(`call_${canary}`);
    });
  }
});

describe('a provider error passes the output scan before it reaches the client', () => {
  for (const stream of [false, true]) {
    it(`the canary and a secret format in the provider's error body are redacted (${stream ? 'SSE' : 'JSON'}, before any output)`, async () => {
      let canary = '';
      e2e = await startE2E('openai', (req) => {
        canary = canaryIn(req);
        return reply.error(400, `bad request near: ${canary} ${AWS_KEY_ID}`);
      });
      const { status, body } = await chat(e2e, stream);
      expect(canary).toMatch(/^CTKN_/);
      expect(status).toBe(502);
      const message = (JSON.parse(body) as { error: { message: string; code: string } }).error;
      expect(message.code).toBe('provider.bad_request');
      expect(message.message).toContain('HTTP 400');
      expect(message.message).toContain('[REDACTED');
      expect(body).not.toContain(canary);
      expect(body).not.toContain(AWS_KEY_ID);
      expect((await e2e.audit()).some((a) => a.type === 'security:canary_leak')).toBe(true);
      const e = e2e;
      const log = await logAfterClose(e);
      expect(log).toContain('provider.bad_request');
      expect(log).not.toContain(canary);
      expect(log).not.toContain(AWS_KEY_ID);
      expect(JSON.stringify(await e.audit())).not.toContain(canary);
    });
  }

  it('the same in an error that arrives in the middle of a stream', async () => {
    let canary = '';
    e2e = await startE2E('openai', (req, i) => {
      canary = canaryIn(req);
      return i === 0
        ? reply.toolCall('read', { path: 'missing.txt' })
        : reply.error(400, `invalid message: ${canary} / ${AWS_KEY_ID}`);
    });
    const { status, body } = await chat(e2e, true, { 'x-bulwark-events': 'tools' });
    expect(status).toBe(200);
    const errorLine = body.split('\n').find((l) => l.includes('"error"'));
    expect(errorLine).toContain('provider.bad_request');
    expect(errorLine).toContain('[REDACTED');
    expect(body).not.toContain(canary);
    expect(body).not.toContain(AWS_KEY_ID);
  });
});

describe('output.maxResponseChars through the daemon', () => {
  for (const stream of [false, true]) {
    it(`an answer longer than the cap is cut with a notice and finish_reason length (${stream ? 'SSE' : 'JSON'})`, async () => {
      const long = Array.from({ length: 40 }, (_, i) => `line ${String(i).padStart(2, '0')} ${'w'.repeat(90)}\n`).join(
        '',
      );
      e2e = await startE2E(
        'openai',
        scriptFrom([reply.text(long, { chunks: long.match(/[^]{1,250}/g) ?? [] })]),
        undefined,
        { extraYaml: 'output: { maxResponseChars: 1024 }' },
      );
      const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
      const messages = [{ role: 'user' as const, content: 'write a lot' }];
      let text = '';
      let finish: string | null | undefined;
      if (stream) {
        for await (const c of await client.chat.completions.create({ model: 'default', messages, stream: true })) {
          text += c.choices[0]?.delta?.content ?? '';
          finish = c.choices[0]?.finish_reason ?? finish;
        }
      } else {
        const r = await client.chat.completions.create({ model: 'default', messages });
        text = r.choices[0]?.message.content ?? '';
        finish = r.choices[0]?.finish_reason;
      }
      expect(text).toBe(`${long.slice(0, 1024)}\n${cutNotice(1024)}`);
      expect(finish).toBe('length');
    });
  }
});
