/**
 * A turn that ends in an error (the provider answers 400 or 500) leaves its session free: the next turn on
 * the same session runs at once, for JSON and SSE answers, whether the error comes before any output or in
 * the middle of a stream.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, type FakeReply, type FakeRequest } from '../support/fake-provider.js';
import { lastToolResultText, startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

function lastUserText(request: FakeRequest): string {
  const content = request.messages.filter((m) => m.role === 'user').at(-1)?.content;
  if (typeof content === 'string') return content;
  // Anthropic wire format: text blocks; consecutive user turns (one whose answer failed) share one message.
  return Array.isArray(content)
    ? ((content as Array<{ type?: string; text?: string }>).filter((b) => b.type === 'text').at(-1)?.text ?? '')
    : '';
}

/** "fail 400" / "fail 500": the provider refuses; "tool then fail": one tool call, then a 500; else "ok <text>". */
function script(request: FakeRequest): FakeReply {
  const text = lastUserText(request);
  if (text === 'fail 400') return reply.error(400, 'bad request upstream');
  if (text === 'fail 500') return reply.error(500, 'upstream fell over');
  if (text === 'tool then fail')
    return lastToolResultText(request) ? reply.error(500, 'upstream fell over') : reply.toolCall('ls', { path: '.' });
  return reply.text(`ok ${text}`);
}

/** The answer a streamed (SSE) body carries, its deltas joined: the stream guard releases it word by word. */
function streamedText(body: string): string {
  return body
    .split('\n')
    .filter((l) => l.startsWith('data: {'))
    .map(
      (l) =>
        (JSON.parse(l.slice(6)) as { choices?: { delta?: { content?: string } }[] }).choices?.[0]?.delta?.content ?? '',
    )
    .join('');
}

async function post(
  e: E2E,
  content: string,
  stream: boolean,
  sessionId?: string,
): Promise<{ status: number; body: string; session: string | null }> {
  const res = await fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    // A session left locked would make the next turn wait the agent's whole turnTimeoutMs: give up well before.
    signal: AbortSignal.timeout(10_000),
    headers: {
      authorization: `Bearer ${e.token}`,
      'content-type': 'application/json',
      ...(sessionId ? { 'x-bulwark-session': sessionId } : {}),
    },
    body: JSON.stringify({ model: 'default', stream, messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, body: await res.text(), session: res.headers.get('x-bulwark-session') };
}

describe('the session after a turn that failed', () => {
  it.each([
    ['a provider 400, JSON', 'fail 400', false, 502, 'bad request upstream'],
    ['a provider 500, JSON', 'fail 500', false, 502, 'upstream fell over'],
    ['a provider 400, stream requested (error before any output)', 'fail 400', true, 502, 'bad request upstream'],
    ['a provider 500 after a tool call, JSON', 'tool then fail', false, 502, 'upstream fell over'],
    ['a provider 500 in the middle of a stream', 'tool then fail', true, 200, 'upstream fell over'],
  ] as const)(
    '%s: the next turn on the session runs',
    { timeout: 20_000 },
    async (_what, failing, stream, status, message) => {
      e2e = await startE2E('openai', script);
      const opened = await post(e2e, 'hi', false);
      expect(opened.status).toBe(200);
      const sessionId = opened.session ?? '';
      expect(sessionId).toMatch(/^ses_/);

      const failed = await post(e2e, failing, stream, sessionId);
      expect(failed.status).toBe(status);
      expect(failed.body).toContain(message);
      expect(failed.session).toBe(sessionId);

      for (const again of [false, true]) {
        const next = await post(e2e, `again ${again ? 'streamed' : 'json'}`, again, sessionId);
        expect(next.status).toBe(200);
        expect(again ? streamedText(next.body) : next.body).toContain(`ok again ${again ? 'streamed' : 'json'}`);
        expect(next.body).not.toContain('session.busy');
      }
    },
  );

  it('the anthropic adapter: a provider 500, then the next turn on the session', { timeout: 20_000 }, async () => {
    e2e = await startE2E('anthropic', script);
    const sessionId = (await post(e2e, 'hi', false)).session ?? '';
    expect((await post(e2e, 'fail 500', true, sessionId)).status).toBe(502);
    const next = await post(e2e, 'again', false, sessionId);
    expect(next.status).toBe(200);
    expect(next.body).toContain('ok again');
  });
});
