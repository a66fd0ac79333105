/**
 * The kernel's clock for file times, read through a probe file: an undo tells "changed after the entry" from
 * "changed by the entry" by inode change times, which come from this clock, not from Date.now(). The clock can
 * run a tick (up to 10 ms) behind the wall clock, and Date.now() is cut to milliseconds, so a change made right
 * after an entry could carry an earlier time than the entry's `at` (seen on this project's CI: an edit made at once
 * after a run was undone over).
 */
import { chmodSync, lstatSync, writeFileSync } from 'node:fs';

/** A probe's inode change time now, in nanoseconds (changing its mode sets it). */
function probeNow(probe: string): bigint {
  chmodSync(probe, 0o600);
  return lstatSync(probe, { bigint: true }).ctimeNs;
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * A file time strictly later than every change made before the call, and not later than any change made after it
 * returns: the probe is read, then read again until its time moves on (at once where the filesystem hands out
 * fine-grained times; else within one clock tick).
 */
export function fileClockAfter(probe: string): bigint {
  writeFileSync(probe, '', { mode: 0o600, flag: 'a' });
  const before = probeNow(probe);
  for (let spin = 0; ; spin++) {
    const now = probeNow(probe);
    if (now > before) return now;
    if (spin > 8) Atomics.wait(pause, 0, 0, 1);
  }
}

/** A recorded clock, or undefined when the value is not one (an entry written before clocks were kept). */
export function parseFileClock(value: unknown): bigint | undefined {
  return typeof value === 'string' && /^[0-9]{1,24}$/.test(value) ? BigInt(value) : undefined;
}
