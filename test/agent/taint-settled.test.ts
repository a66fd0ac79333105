import { describe, expect, it } from 'vitest';
import { SecretTaint } from '../../src/agent/egress-taint.js';

/** A stopping daemon waits for the workspace checks under way, so a run's marks are on record for the next start. */
describe('SecretTaint.settled', () => {
  it('waits for every check under way, across sessions', async () => {
    const taint = new SecretTaint();
    let done = 0;
    const later = (ms: number) =>
      new Promise<void>((r) =>
        setTimeout(() => {
          done++;
          r();
        }, ms),
      );
    taint.track('a', later(30));
    taint.track('b', later(60));
    expect(await taint.settled(5_000)).toBe(true);
    expect(done).toBe(2);
  });

  it('waits for a check that begins while it waits (a run that ends during the shutdown)', async () => {
    const taint = new SecretTaint();
    let marked = false;
    const later = (ms: number, then?: () => void) =>
      new Promise<void>((r) =>
        setTimeout(() => {
          then?.();
          r();
        }, ms),
      );
    // The walk ends, and only then does the run's marking begin.
    taint.track(
      'a',
      later(20, () =>
        taint.track(
          'a',
          later(40, () => (marked = true)),
        ),
      ),
    );
    expect(await taint.settled(5_000)).toBe(true);
    expect(marked).toBe(true);
  });

  it('gives up after the timeout and says so', async () => {
    const taint = new SecretTaint();
    taint.track('a', new Promise<void>(() => undefined));
    const at = Date.now();
    expect(await taint.settled(50)).toBe(false);
    expect(Date.now() - at).toBeLessThan(2_000);
  });

  it('is true at once with nothing under way', async () => {
    expect(await new SecretTaint().settled(10)).toBe(true);
  });
});
