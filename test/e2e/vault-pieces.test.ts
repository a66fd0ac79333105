/**
 * A vault value in pieces under the leak index's 12-character window, through the daemon with the real vault and
 * leak index: a workspace file holds it folded over 10-character lines (`fold -w10 .env`) and the model reads it
 * with `read`; the model then writes it back as a JS string concatenation of 11-character pieces. Neither the tool
 * result that reaches the provider nor the answer that reaches the client carries a piece of it.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { reverseText, rot13 } from '../../src/text/index.js';
import { chatText, startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const key = () => `dk-${[...randomBytes(32)].map((b) => ALPHABET[b % ALPHABET.length]).join('')}`;
const cut = (v: string, n: number) => v.match(new RegExp(`[^]{1,${n}}`, 'g')) ?? [];

/** Every 6-character piece of the value's random body found in `text`, case-folded. */
function pieces(text: string, v: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  for (let i = 3; i + 6 <= v.length; i++)
    if (lower.includes(v.slice(i, i + 6).toLowerCase())) out.push(v.slice(i, i + 6));
  return out;
}

describe('a vault value cut into pieces shorter than a window', () => {
  it('folded in a file read by the model, and concatenated in its answer: no piece reaches the provider or client', async () => {
    const v = key();
    const answer = `const k = ${cut(v, 11)
      .map((p) => `"${p}"`)
      .join(' + ')};`;
    e2e = await startE2E(
      'openai',
      scriptFrom([reply.toolCall('read', { path: 'env.txt' }), reply.text(answer), reply.text(answer)]),
      undefined,
      { vault: { DEPLOY_KEY: v } },
    );
    writeFileSync(path.join(e2e.workspace, 'env.txt'), `${cut(`DEPLOY_KEY=${v}\n`, 10).join('\n')}\n`);
    const first = await chatText(e2e, 'read env.txt and show me the key', false);
    const toolResults = e2e.fake.requests
      .flatMap((r) => r.messages)
      .filter((m) => m['role'] === 'tool')
      .map((m) => JSON.stringify(m['content']));
    expect(toolResults).toHaveLength(1);
    expect(toolResults[0]).toContain('[secret:DEPLOY_KEY]');
    expect(pieces(toolResults[0] as string, v)).toEqual([]);
    expect(first).toContain('[REDACTED');
    expect(pieces(first, v)).toEqual([]);
    const streamed = await chatText(e2e, 'again', true);
    expect(streamed).toContain('[REDACTED');
    expect(pieces(streamed, v)).toEqual([]);
  });

  it('encoded after a transform (base64 of it reversed, hex of it rot13, base64 of a half, octal): no trace reaches the provider', async () => {
    const v = key();
    const encoded = [
      Buffer.from(reverseText(v)).toString('base64'),
      Buffer.from(rot13(v)).toString('hex'),
      Buffer.from(v.slice(v.length >> 1)).toString('base64'),
      [...v].map((c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`).join(''),
    ];
    e2e = await startE2E(
      'openai',
      scriptFrom([reply.toolCall('read', { path: 'notes.txt' }), reply.text('ok')]),
      undefined,
      {
        vault: { DEPLOY_KEY: v },
      },
    );
    writeFileSync(path.join(e2e.workspace, 'notes.txt'), encoded.map((e, i) => `form ${i}: ${e}\n`).join(''));
    await chatText(e2e, 'read notes.txt', false);
    const toolResult = e2e.fake.requests
      .flatMap((r) => r.messages)
      .filter((m) => m['role'] === 'tool')
      .map((m) => String(m['content']))
      .join('\n');
    for (const [i, e] of encoded.entries()) {
      expect(toolResult, `form ${i}`).toContain(`form ${i}: [secret:DEPLOY_KEY]`);
      expect(toolResult, `form ${i}`).not.toContain(e.slice(4, 20));
    }
  });
});
