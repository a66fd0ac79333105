import { describe, expect, it } from 'vitest';
import type { OutputFinding, OutputScan } from '../../src/guards/output-guard-scan.js';
import { createStreamGuard } from '../../src/guards/stream-guard.js';
import { CTX, VAULT_VALUE, fakeAwsKeyId, makeGuard } from './helpers.js';
import { lcg } from '../support/seeded-text.js';

/** Deterministic pseudo-random integers in [min, max]. */
function rng(seed: number): (min: number, max: number) => number {
  const rnd = lcg(seed, 8);
  return (min, max) => min + rnd(max - min + 1);
}

/** An array whose element reads are counted (for-of and indexing both read through `get`). */
function counted<T>(items: T[], counter: { reads: number }): T[] {
  return new Proxy(items, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) counter.reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
}

describe('stream guard with many matches', () => {
  it('5,000 small secrets, chunked at random, redact exactly as the whole-text guard', () => {
    const { guard } = makeGuard();
    const rand = rng(2026);
    const parts: string[] = [];
    for (let i = 0; i < 5000; i++) {
      const secret = i % 3 === 0 ? VAULT_VALUE : fakeAwsKeyId(i + 1);
      parts.push(['k=', ' ', '\n', ', ', ' x '][rand(0, 4)] + secret);
    }
    const text = parts.join('') + ' end';
    const whole = guard.scanText(text, CTX);
    expect(whole.ok).toBe(true);
    if (!whole.ok) return;
    expect(whole.value.text.split('[REDACTED]').length - 1).toBeGreaterThanOrEqual(4000);
    for (const [min, max] of [
      [1, 40],
      [50, 3000],
      [20_000, 120_000],
    ] as const) {
      const f = guard.outputFilter(CTX);
      let out = '';
      for (let at = 0; at < text.length;) {
        const n = rand(min, max);
        out += f.push(text.slice(at, at + n));
        at += n;
      }
      expect(out + f.flush()).toBe(whole.value.text);
    }
  });

  it('finds the release point in one pass over the matches, however they chain', () => {
    // "a a a ... a": every match covers one space and reaches into the next word, so each move of the
    // release point lands inside the match before it. Listed in text order, a rescan-until-stable loop
    // needs one pass over all matches per move: n² reads.
    const n = 2000;
    const counter = { reads: 0 };
    const scan = (text: string): OutputScan => {
      const spans: Array<readonly [number, number]> = [];
      const findings: OutputFinding[] = [];
      for (let i = text.indexOf('a '); i >= 0 && i + 3 <= text.length; i = text.indexOf('a ', i + 2))
        spans.push([i, i + 3]);
      return { findings: counted(findings, counter), matchSpans: counted(spans, counter), openFrom: text.length };
    };
    const f = createStreamGuard(scan, () => undefined, { holdBack: 4, context: 0, releaseStep: 1 });
    const text = 'a '.repeat(n) + 'tail';
    expect(f.push(text)).toBe('');
    expect(counter.reads).toBeLessThanOrEqual(4 * n);
    expect(f.flush()).toBe(text);
  });
});
