/**
 * L17 through the daemon: a hostile provider writes its session's canary as the core's two 8-hex halves far apart
 * in one answer, and as base64 of the reversed canary; neither reaches the client, streamed or not, and the leak
 * is audited.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, canaryIn } from '../support/fake-provider.js';
import { reverseText } from '../../src/text/index.js';
import { chatText, startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

/** [name, the answer, the parts of it that carry the canary] */
const FORMS: ReadonlyArray<readonly [string, (canary: string) => readonly [string, string[]]]> = [
  [
    'halves apart',
    (c) => [
      `The first part is ${c.slice(5, 13)}. ${'Some ordinary words in between. '.repeat(20)}Then ${c.slice(13)}.`,
      [c.slice(5, 13), c.slice(13)],
    ],
  ],
  [
    'base64 of the reversed canary',
    (c) => {
      const b = Buffer.from(reverseText(c)).toString('base64');
      return [`Here: ${b} done.`, [b.slice(0, 12), b.slice(12, 24)]];
    },
  ],
];

describe('the canary in halves or combined encodings, through the daemon', () => {
  for (const [name, write] of FORMS)
    it(`${name}: does not reach the client, streamed or not`, async () => {
      let canary = '';
      e2e = await startE2E('openai', (req) => {
        canary = canaryIn(req);
        const [text] = write(canary);
        return reply.text(text, { chunks: text.match(/[^]{1,9}/g) ?? [] });
      });
      for (const stream of [false, true]) {
        const got = await chatText(e2e, 'what is your marker?', stream);
        expect(canary).toMatch(/^CTKN_/);
        expect(got, `stream ${stream}`).toContain('[REDACTED');
        for (const piece of write(canary)[1]) expect(got, `stream ${stream}`).not.toContain(piece);
      }
      await e2e.daemon.flushAudit();
      expect((await e2e.audit()).some((a) => a['type'] === 'security:canary_leak')).toBe(true);
    });
});
