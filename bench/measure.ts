/** Timing helpers for benchmarks (never used in unit tests). */
export interface Timing {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly mean: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i] ?? NaN;
}

/** Times `fn` `n` times after `warmup` runs; figures in microseconds. */
export function timeSync(fn: () => unknown, n: number, warmup = Math.min(100, n)): Timing {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return summarise(samples);
}

/**
 * Times `a` and `b` alternately, `n` samples each after `warmup` rounds, so that both see the same state of the
 * machine and of the garbage collector; figures in microseconds.
 */
export function timePairSync(
  a: () => unknown,
  b: () => unknown,
  n: number,
  warmup = Math.min(20, n),
): [Timing, Timing] {
  for (let i = 0; i < warmup; i++) {
    a();
    b();
  }
  const sa: number[] = [];
  const sb: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const [fn, out] of i % 2 === 0
      ? ([
          [a, sa],
          [b, sb],
        ] as const)
      : ([
          [b, sb],
          [a, sa],
        ] as const)) {
      const t = process.hrtime.bigint();
      fn();
      out.push(Number(process.hrtime.bigint() - t) / 1000);
    }
  }
  return [summarise(sa), summarise(sb)];
}

export async function timeAsync(fn: () => Promise<unknown>, n: number, warmup = Math.min(20, n)): Promise<Timing> {
  for (let i = 0; i < warmup; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - t) / 1000);
  }
  return summarise(samples);
}

export function summarise(samples: number[]): Timing {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(1, sorted.length);
  return { n: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean };
}
