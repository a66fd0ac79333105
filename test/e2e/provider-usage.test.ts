/**
 * L21 against what a provider streams, through a real daemon: reasoning it reports no usage for is counted from its
 * bytes (and never shown), the largest of several usage reports counts, a usage chunk without `choices` is a usage
 * report, not a failed turn; content sent as parts or as no text at all, Anthropic's cache tokens and text in a
 * block's start are read as the wire formats allow.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, type FakeReply, type WireFormat } from '../support/fake-provider.js';
import { startE2E, type E2E } from './support.js';

let env: E2E | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

interface UsageRow {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly calls: number;
}

async function start(format: WireFormat, answer: () => FakeReply, extraYaml?: string): Promise<E2E> {
  env = await startE2E(format, () => answer(), '{ profile: minimal }', extraYaml ? { extraYaml } : {});
  return env;
}

async function chat(e: E2E, content: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, body: await res.text() };
}

async function usage(e: E2E): Promise<UsageRow> {
  const res = await fetch(`${e.daemon.url}/v1/usage`, { headers: { authorization: `Bearer ${e.adminToken}` } });
  expect(res.status).toBe(200);
  const rows = ((await res.json()) as { data: UsageRow[] }).data;
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

const REASONING = 'word '.repeat(2000);
const SILENT = { inputTokens: 0, outputTokens: 0 };

describe.each(['openai', 'anthropic'] as const)('%s: output the client never sees', (format) => {
  it('reasoning reported as zero usage is counted from its bytes, so the hour budget stops the loop; it is not shown', async () => {
    const e = await start(
      format,
      () => reply.text('k', { reasoning: REASONING, usage: SILENT }),
      'budgets: { perHour: 12000 }',
    );
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = await chat(e, `hi ${i}`);
      statuses.push(r.status);
      if (r.status === 200) {
        const body = JSON.parse(r.body) as { choices: Array<{ message: { content: string } }> };
        expect(body.choices[0]!.message.content).toBe('k');
      }
      if (r.status !== 200) {
        expect(r.status).toBe(429);
        expect(r.body).toContain('budget');
        break;
      }
    }
    // 2,000 words of reasoning are about 2,000 tokens a call: the 12,000-token hour ends within about five calls
    // (without counting them every one of the eight is allowed, at a few tokens each).
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.length).toBeLessThanOrEqual(6);
    const row = await usage(e);
    expect(row.outputTokens).toBeGreaterThanOrEqual(1800 * (statuses.length - 1));
    // Each of those calls is audited as counted above the zero it reported.
    const estimated = (await e.audit()).filter((l) => l['layer'] === 'L21' && l['outcome'] === 'estimated');
    expect(estimated).toHaveLength(statuses.length - 1);
  }, 60_000);

  it('the largest of several usage reports counts, not the last', async () => {
    const e = await start(format, () =>
      reply.text('hello', {
        usageReports: [
          { inputTokens: 9999, outputTokens: 9999 },
          { inputTokens: 0, outputTokens: 0 },
        ],
      }),
    );
    expect((await chat(e, 'hi')).status).toBe(200);
    expect(await usage(e)).toMatchObject({ inputTokens: 9999, outputTokens: 9999, calls: 1 });
  }, 60_000);
});

describe('openai: a usage chunk without choices', () => {
  it('is read as a usage report; the answer is delivered and counted as reported', async () => {
    const e = await start('openai', () =>
      reply.text('fine', { usageReports: [{ inputTokens: 4321, outputTokens: 1234 }], usageWithoutChoices: true }),
    );
    const r = await chat(e, 'hi');
    expect(r.status, r.body).toBe(200);
    expect(
      (JSON.parse(r.body) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content,
    ).toBe('fine');
    expect(await usage(e)).toMatchObject({ inputTokens: 4321, outputTokens: 1234, calls: 1 });
  }, 60_000);
});

function answerOf(r: { status: number; body: string }): string {
  expect(r.status, r.body).toBe(200);
  return (JSON.parse(r.body) as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
}

describe('what compatible servers put in a delta', () => {
  it('openai: content as an array of text parts is the answer', async () => {
    const e = await start('openai', () => reply.text('one two three', { contentAs: 'parts' }));
    expect(answerOf(await chat(e, 'hi'))).toBe('one two three');
  }, 60_000);

  it('openai: content that is not text is not shown and does not fail the turn', async () => {
    const e = await start('openai', () => reply.text('still here', { contentAs: 'not-text' }));
    expect(answerOf(await chat(e, 'hi'))).toBe('still here');
  }, 60_000);

  it('anthropic: text in the block start is shown; cache read and written tokens count as input', async () => {
    const e = await start('anthropic', () =>
      reply.text('first words, then more', {
        textInBlockStart: true,
        usageReports: [{ inputTokens: 10, outputTokens: 5 }],
        cacheTokens: { read: 4000, creation: 600 },
      }),
    );
    expect(answerOf(await chat(e, 'hi'))).toBe('first words, then more');
    expect(await usage(e)).toMatchObject({ inputTokens: 4610, calls: 1 });
  }, 60_000);
});
