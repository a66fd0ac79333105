/** The streamed reply without a platform: one send, edits no closer than the interval, the rest split at the limit. */
import { describe, expect, it } from 'vitest';
import { ok } from '../../src/core/index.js';
import { split, StreamedReply, type MessageSink } from '../../src/channels/streamed-reply.js';

function recorder(): MessageSink & { log: string[] } {
  const log: string[] = [];
  let id = 0;
  return {
    log,
    send: async (text) => {
      log.push(`send ${text}`);
      return ok(++id);
    },
    edit: async (messageId, text) => {
      log.push(`edit ${messageId} ${text}`);
      return ok(undefined);
    },
  };
}

describe('StreamedReply', () => {
  it('sends the first text, then edits; the final text is written last', async () => {
    const sink = recorder();
    let now = 0;
    const r = new StreamedReply(sink, 1000, 4096, () => now);
    r.append('Hel');
    await new Promise((res) => setTimeout(res, 5));
    r.append('lo');
    now = 10;
    expect((await r.finish('Hello world')).ok).toBe(true);
    expect(sink.log).toEqual(['send Hel', 'edit 1 Hello world']);
  });

  it('writes nothing twice and answers something when the model said nothing', async () => {
    const sink = recorder();
    const r = new StreamedReply(sink, 1000, 4096);
    await r.finish('');
    expect(sink.log).toEqual(['send (no answer)']);
  });

  it('continues past the platform limit in new messages', async () => {
    const sink = recorder();
    const r = new StreamedReply(sink, 1000, 10);
    await r.finish('line one\nline two\nline three');
    expect(sink.log).toEqual(['send line one\n', 'send line two\n', 'send line three']);
    expect(split('x'.repeat(25), 10)).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });
});
