import { describe, expect, it } from 'vitest';
import { createStreamGuard } from '../../src/guards/stream-guard.js';
import { scanOutput, type OutputScan } from '../../src/guards/output-guard-scan.js';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { hostile } from './hostile-inputs.js';

/**
 * Scan work of the stream guard, counted in characters handed to the scan (not timed): a response of
 * n characters must cost O(n) scanned characters whatever its shape. Rescanning the whole held
 * buffer every 128 characters while a whitespace-free run is held cost O(n²).
 */
function streamWork(
  text: string,
  chunk: number,
  scan: (t: string) => OutputScan = (t) => scanOutput(t, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] }),
): { scanned: number; scans: number; out: string } {
  let scanned = 0;
  let scans = 0;
  const f = createStreamGuard(
    (t) => {
      scans++;
      scanned += t.length;
      return scan(t);
    },
    () => {},
  );
  let out = '';
  for (let i = 0; i < text.length; i += chunk) out += f.push(text.slice(i, i + chunk));
  return { scanned, scans, out: out + f.flush() };
}

/** A scan that finds nothing: the guard's own scheduling cost only. */
const nothing = (t: string): OutputScan => ({ findings: [], matchSpans: [], openFrom: t.length });
/** A scan that sees one match open from the first character to the end (a key that never completes). */
const openForever = (t: string): OutputScan => ({ findings: [], matchSpans: [[0, t.length]], openFrom: 0 });

describe('stream guard scan work is linear in the response length', () => {
  it('a whitespace-free run of 256 KiB streamed in 64-character chunks', () => {
    const text = hostile('QUJD', 256 * 1024);
    const r = streamWork(text, 64, nothing);
    expect(r.out).toBe(text);
    // No cut point exists inside one run: it is scanned only when it reaches the hold limit.
    expect(r.scanned).toBeLessThan(2 * text.length);
  });

  it('a run past the hold limit is read by closed scans only, about once over (1 MiB in 64-character chunks)', () => {
    const text = hostile('eyJ-', 1024 * 1024);
    let open = 0;
    let closed = 0;
    const f = createStreamGuard(
      (t, isOpen) => {
        if (isOpen) open += t.length;
        else closed += t.length;
        return nothing(t);
      },
      () => {},
    );
    let out = '';
    for (let i = 0; i < text.length; i += 64) out += f.push(text.slice(i, i + 64));
    expect(out + f.flush()).toBe(text);
    // A forced release keeps a tail whatever an open scan says, so none is made; the tails kept are re-read.
    expect(open).toBe(0);
    expect(closed).toBeLessThan(1.12 * text.length);
  });

  it('a whitespace-free run just under the hold limit (the old rescan was quadratic here)', () => {
    const text = hostile('eyJ-', 60 * 1024);
    const r = streamWork(text, 64, nothing);
    expect(r.scanned).toBeLessThan(2 * text.length);
  });

  it('a match that stays open (spans whitespace, never completes) over 512 KiB', () => {
    const text = hostile('AAAA AAAA\n', 512 * 1024);
    const r = streamWork(text, 64, openForever);
    expect(r.out.length).toBe(text.length);
    expect(r.scanned).toBeLessThan(12 * text.length);
  });

  it('ordinary prose keeps its latency: released every few hundred characters', () => {
    const text = hostile('The shipment left the warehouse on Tuesday. ', 64 * 1024);
    const f = createStreamGuard(nothing, () => {});
    let released = 0;
    let worstLag = 0;
    for (let i = 0; i < text.length; i += 16) {
      released += f.push(text.slice(i, i + 16)).length;
      worstLag = Math.max(worstLag, i + 16 - released);
    }
    expect(worstLag).toBeLessThan(1024);
  });

  it('a long run is released soon after it ends, without waiting for the held text to grow by a quarter', () => {
    const run = hostile('QUJD', 40 * 1024);
    const prose = ' and then the answer goes on in plain words for a while. '.repeat(10);
    const f = createStreamGuard(nothing, () => {});
    let out = '';
    for (let i = 0; i < run.length; i += 64) out += f.push(run.slice(i, i + 64));
    for (let i = 0; i < prose.length; i += 8) out += f.push(prose.slice(i, i + 8));
    // 40 KiB held: growth by a quarter would need 10 KiB more; the run ended 500+ characters ago.
    expect(out.length).toBeGreaterThanOrEqual(run.length);
    expect(out + f.flush()).toBe(run + prose);
  });

  it('with the real scan, hostile PEM headers streamed over 256 KiB scan a bounded multiple of their length', () => {
    const text = hostile('-----BEGIN PRIVATE KEY-----', 256 * 1024);
    const r = streamWork(text, 64);
    expect(r.out).toBe(text);
    expect(r.scanned).toBeLessThan(12 * text.length);
  }, 60_000);
});
