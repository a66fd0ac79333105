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

/**
 * The decoded-runs view as its definition reads, one byte at a time: every maximal run of base64 characters of
 * 16 or more (or, for a stream, the run at the end from the quad at or before `from`), hex when it is hex digits of
 * even length, each byte standing for its quad or pair; printable stretches of `minKept` bytes kept, each followed
 * by a NUL at the end of its last byte (a stream's last stretch, reaching the end, kept however short and open).
 */
function referenceView(
  text: string,
  minKept: number,
  open: boolean,
  from = 0,
): { text: string; toRaw(s: number, e: number): [number, number] } | undefined {
  const inRun = (c: string | undefined) => c !== undefined && /[A-Za-z0-9+/_-]/.test(c);
  const runs: Array<[number, number]> = [];
  if (open) {
    let s = text.length;
    while (s > 0 && inRun(text[s - 1])) s--;
    if (s < text.length) runs.push([s + Math.max(0, Math.floor((from - s) / 4) * 4), text.length]);
  } else
    for (let i = 0; i < text.length;) {
      let j = i;
      while (j < text.length && inRun(text[j])) j++;
      if (j - i >= 16) runs.push([i, j]);
      i = Math.max(j, i + 1);
    }
  let out = '';
  const spans: Array<[number, number]> = [];
  for (const [s, e] of runs) {
    const run = text.slice(s, e);
    const hex = run.length % 2 === 0 && /^[0-9a-fA-F]*$/.test(run);
    const decoded: Array<[number, number, number]> = [];
    if (hex)
      for (let i = 0; i + 1 < run.length; i += 2) decoded.push([parseInt(run.slice(i, i + 2), 16), s + i, s + i + 2]);
    else
      for (let q = 0; q + 1 < run.length; q += 4) {
        const quad = run.slice(q, q + 4);
        const b = Buffer.from(quad.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
        for (const v of b) decoded.push([v, s + q, Math.min(s + q + 4, e)]);
      }
    let stretch: Array<[number, number, number]> = [];
    const end = (last: boolean) => {
      if (stretch.length === 0) return;
      const keepOpen = open && last;
      if (stretch.length >= minKept || keepOpen) {
        for (const [v, a, b] of stretch) {
          out += String.fromCharCode(v);
          spans.push([a, b]);
        }
        const lastEnd = (stretch[stretch.length - 1] as [number, number, number])[2];
        if (!keepOpen) {
          out += '\0';
          spans.push([lastEnd, lastEnd]);
        }
      }
      stretch = [];
    };
    for (const d of decoded) {
      if (d[0] >= 0x20 && d[0] < 0x7f) stretch.push(d);
      else end(false);
    }
    end(true);
  }
  if (out.length === 0) return undefined;
  return {
    text: out,
    toRaw: (start, endAt) => {
      const a = (spans[Math.min(start, spans.length - 1)] as [number, number])[0];
      const e = (spans[Math.min(Math.max(endAt, start + 1), spans.length) - 1] as [number, number])[1];
      return [a, Math.max(a, e)];
    },
  };
}

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

  it('the view and its raw spans are those of decoding byte by byte (property over mixed runs)', () => {
    let x = 11;
    const rnd = (n: number) => {
      x = (x * 1103515245 + 12345) % 2147483648;
      return (x >>> 16) % n;
    };
    const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => rnd(256)));
    const piece = () => {
      const kind = rnd(6);
      if (kind === 0) return bytes(rnd(40)).toString('base64').replace(/=/g, '');
      if (kind === 1) return bytes(rnd(40)).toString('base64url');
      if (kind === 2) return bytes(rnd(30)).toString('hex');
      if (kind === 3) return Buffer.from(`printable text ${rnd(1e6)}, more`).toString(rnd(2) ? 'base64' : 'hex');
      if (kind === 4) return [' ', '\n', '=', '.'][rnd(4)] as string;
      return ('+-/_Aa09'[rnd(8)] as string).repeat(rnd(5));
    };
    let kept = 0;
    for (let t = 0; t < 1000; t++) {
      let text = '';
      for (let k = rnd(8); k > 0; k--) text += piece();
      const minKept = [1, 2, 5, 12, 40][rnd(5)] as number;
      const from = rnd(text.length + 1);
      for (const [got, want] of [
        [decodedRunsView(text, minKept), referenceView(text, minKept, false)],
        [openDecodedRun(text, from), referenceView(text, 1, true, from)],
      ] as const) {
        expect(got?.text, JSON.stringify(text)).toBe(want?.text);
        if (!got || !want) continue;
        kept += got.text.length;
        const spans = (v: NonNullable<typeof got>) => {
          const out: number[] = [];
          for (let i = 0; i <= v.text.length; i++) for (let j = i; j <= i + 2; j++) out.push(...v.toRaw(i, j));
          return out;
        };
        expect(spans(got), JSON.stringify(text)).toEqual(spans(want));
      }
    }
    expect(kept).toBeGreaterThan(3000);
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
