/**
 * L21's strangers' share through a real daemon: a token that is not the owner's uses up its part of the agent's
 * hour (`budgets.strangersShare`) and gets 429 with a message naming the setting; the owner's next call still runs.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openTokenAdmin } from '../../src/daemon.js';
import { reply } from '../support/fake-provider.js';
import { startE2E, type E2E } from './support.js';

let e: E2E | undefined;
afterEach(async () => {
  await e?.close();
  e = undefined;
});

async function chat(x: E2E, token: string, content: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`${x.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content }] }),
  });
  return { status: res.status, body: await res.text() };
}

function strangerToken(dir: string): string {
  const admin = openTokenAdmin(dir);
  if (!admin.ok) throw new Error(admin.error.message);
  const s = admin.value.create('stranger', ['chat']);
  admin.value.close();
  if (!s.ok) throw new Error(s.error.message);
  return s.value.token;
}

describe("the strangers' share of an agent's budget", () => {
  it('a non-owner token runs up its share and gets 429 naming strangersShare; the owner still gets 200', async () => {
    // 5,000 tokens a call; strangers share 20 % of a 100,000-token hour.
    e = await startE2E(
      'openai',
      () => reply.text('ok', { usage: { inputTokens: 2500, outputTokens: 2500 } }),
      '{ profile: minimal }\n    budgets: { perHour: 100000, strangersShare: 0.2 }',
      { owner: true },
    );
    const stranger = strangerToken(e.dir);
    const statuses: number[] = [];
    let refused = '';
    for (let i = 0; i < 10; i++) {
      const r = await chat(e, stranger, `hello ${i}`);
      statuses.push(r.status);
      if (r.status !== 200) {
        refused = r.body;
        break;
      }
    }
    expect(statuses[0]).toBe(200);
    expect(statuses.at(-1)).toBe(429);
    // 20,000 tokens at 5,000 a call: no more than four calls before the refusal.
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(4);
    expect(refused).toContain('strangersShare');
    expect(refused).toMatch(/kept for the owner/);
    const owner = await chat(e, e.token, 'and me?');
    expect(owner.status).toBe(200);
    // The stranger stays refused after the owner's call.
    expect((await chat(e, stranger, 'again')).status).toBe(429);
  });
});
