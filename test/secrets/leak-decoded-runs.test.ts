/**
 * Combined encodings: base64 or hex of a vault value reversed, rot13'd or case-changed before it was encoded, base64
 * of either half, and octal escapes. The leak index decodes base64 and hex runs once and matches its character forms
 * there; a stream holds a run under way at its end that may still decode into one.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { decodedRunsView, openDecodedRun } from '../../src/secrets/decoded-runs.js';
import { reverseText, rot13 } from '../../src/text/index.js';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
const key = () => `dk-${[...randomBytes(32)].map((b) => ALPHABET[b % ALPHABET.length]).join('')}`;
const b64 = (s: string) => Buffer.from(s).toString('base64');
const hex = (s: string) => Buffer.from(s).toString('hex');
const half = (v: string) => v.length >> 1;

const WRITINGS: ReadonlyArray<readonly [string, (v: string) => string]> = [
  ['base64 of the reversed value', (v) => b64(reverseText(v))],
  ['base64url of the reversed value', (v) => Buffer.from(reverseText(v)).toString('base64url')],
  ['base64 of the rot13 value', (v) => b64(rot13(v))],
  ['base64 of the upper-cased value', (v) => b64(v.toUpperCase())],
  ['hex of the reversed value', (v) => hex(reverseText(v))],
  ['hex of the rot13 value', (v) => hex(rot13(v)).toUpperCase()],
  ['base64 of each half, apart', (v) => `${b64(v.slice(0, half(v)))} and later ${b64(v.slice(half(v)))}`],
  ['base64 of the second half alone', (v) => `tail: ${b64(v.slice(half(v)))}`],
  ['octal escapes', (v) => [...v].map((c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`).join('')],
  [
    'octal escapes, printf without padding',
    (v) => `printf '${[...v].map((c) => `\\${c.charCodeAt(0).toString(8)}`).join('')}'`,
  ],
];

describe('combined encodings of a vault value', () => {
  for (const [name, write] of WRITINGS)
    it(`${name}: found and redacted`, () => {
      const v = key();
      const index = new LeakIndex();
      index.register('DEPLOY_KEY', v);
      const text = `value: ${write(v)} (end)`;
      const hits = index.scan(text);
      expect(hits.length, text).toBeGreaterThan(0);
      expect(hits.every((h) => h.secretName === 'DEPLOY_KEY')).toBe(true);
      const out = index.redact(text).text;
      expect(out).toContain('(end)');
      expect(index.scan(out)).toEqual([]);
      expect(out).not.toContain(write(v).slice(8, 24));
    });

  it('a run is decoded from its start; hex runs as hex, others as base64', () => {
    expect(decodedRunsView(`x ${b64('hello world, again')} y`)?.text).toBe('hello world, again\u0000');
    expect(decodedRunsView(`x ${hex('hello world!')} y`)?.text).toBe('hello world!\u0000');
    expect(decodedRunsView('short abc123 runs only, and words')).toBeUndefined();
    // A run of exactly the shortest length is found wherever it starts (the walk probes every 16th position).
    for (let at = 0; at < 40; at++) {
      const text = `${'a b '.repeat(at).slice(0, at)} ${b64('exactly12byt')} ,`;
      expect(decodedRunsView(text)?.text, String(at)).toBe('exactly12byt\u0000');
    }
  });

  it('a stream holds a run under way at its end from its own alignment', () => {
    const v = key();
    const index = new LeakIndex();
    index.register('DEPLOY_KEY', v);
    const encoded = b64(reverseText(v));
    // Cut at every point inside the form: what is held covers the run, read at the run's alignment.
    for (const cut of [10, 21, 33, encoded.length - 3]) {
      const text = `${'q'.repeat(400)} here ${encoded.slice(0, cut)}`;
      expect(index.openFrom(text), String(cut)).toBeLessThanOrEqual(text.length - cut + 4);
    }
    const run = openDecodedRun(`${'A'.repeat(5)} ${b64('abcdefghijkl')}`, 10);
    expect(run?.text).toBe('defghijkl');
  });

  it('no hit in base64 and hex of other values, with 100 secrets registered', () => {
    const index = new LeakIndex();
    for (let i = 0; i < 100; i++) index.register(`S${i}`, `tok_${randomBytes(24).toString('base64url')}`);
    const text = Array.from({ length: 2000 }, (_, i) =>
      i % 2 ? randomBytes(48).toString('base64') : randomBytes(32).toString('hex'),
    ).join('\n');
    expect(index.scan(text)).toEqual([]);
  });
});
