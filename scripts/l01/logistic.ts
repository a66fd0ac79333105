/**
 * Weighted, L2-regularised logistic regression on hashed sparse features (AdaGrad SGD, deterministic order),
 * and Platt scaling. Used by the L01 training script and by the scorecard's leave-one-source-out folds.
 */
import { FEATURE_BITS } from '../../src/text/classifier/features.js';

export interface Row {
  /** Lexical buckets (value 1/sqrt(lexical.length) each). */
  readonly lexical: Int32Array;
  /** Shape and pattern buckets (value 1 each). */
  readonly shape: Int32Array;
  readonly y: 0 | 1;
  /** Sample weight (source balancing). */
  weight: number;
}

export interface Linear {
  readonly w: Float32Array;
  readonly bias: number;
}

export interface FitOptions {
  readonly l2: number;
  readonly epochs: number;
  readonly rate: number;
  readonly seed: number;
}

export const scaleOf = (r: Row) => 1 / Math.sqrt(Math.max(1, r.lexical.length));

export function margin(m: Linear, r: Row): number {
  let lex = 0;
  for (const i of r.lexical) lex += m.w[i] ?? 0;
  let z = m.bias + lex * scaleOf(r);
  for (const i of r.shape) z += m.w[i] ?? 0;
  return z;
}

export const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 2 ** 32;
  };
}

/** Rows weighted so that both classes carry the same total weight. */
export function classBalanced(rows: readonly Row[]): number[] {
  let pos = 0;
  let neg = 0;
  for (const r of rows) {
    if (r.y === 1) pos += r.weight;
    else neg += r.weight;
  }
  const n = rows.length;
  return rows.map((r) => (r.weight * n) / (2 * Math.max(1e-9, r.y === 1 ? pos : neg)));
}

export function fitLogistic(rows: readonly Row[], opt: FitOptions): Linear {
  const size = 1 << FEATURE_BITS;
  const w = new Float32Array(size);
  const g2 = new Float32Array(size);
  let bias = 0;
  let biasG2 = 0;
  const weights = classBalanced(rows);
  const order = rows.map((_, i) => i);
  const rand = rng(opt.seed);
  const eps = 1e-6;
  for (let epoch = 0; epoch < opt.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      const t = order[i] as number;
      order[i] = order[j] as number;
      order[j] = t;
    }
    for (const k of order) {
      const r = rows[k] as Row;
      const s = scaleOf(r);
      let lex = 0;
      for (const i of r.lexical) lex += w[i] as number;
      let z = bias + lex * s;
      for (const i of r.shape) z += w[i] as number;
      const g = (sigmoid(z) - r.y) * (weights[k] as number);
      biasG2 += g * g;
      bias -= (opt.rate * g) / Math.sqrt(biasG2 + eps);
      const gl = g * s;
      for (const i of r.lexical) {
        const wi = w[i] as number;
        const gi = gl + opt.l2 * wi;
        const a = (g2[i] as number) + gi * gi;
        g2[i] = a;
        w[i] = wi - (opt.rate * gi) / Math.sqrt(a + eps);
      }
      for (const i of r.shape) {
        const wi = w[i] as number;
        const gi = g + opt.l2 * wi;
        const a = (g2[i] as number) + gi * gi;
        g2[i] = a;
        w[i] = wi - (opt.rate * gi) / Math.sqrt(a + eps);
      }
    }
  }
  return { w, bias };
}

/**
 * Platt scaling p = sigmoid(a·z + b) on (margin, label) pairs: weighted, with Platt's smoothed targets
 * (so separable folds do not drive the slope to infinity) and damped Newton steps that never raise the loss.
 */
export function fitPlatt(
  z: readonly number[],
  y: readonly number[],
  weight: readonly number[],
): { a: number; b: number } {
  let wPos = 0;
  let wNeg = 0;
  for (let i = 0; i < z.length; i++) {
    if (y[i] === 1) wPos += weight[i] as number;
    else wNeg += weight[i] as number;
  }
  const hi = (wPos + 1) / (wPos + 2);
  const lo = 1 / (wNeg + 2);
  const target = y.map((v) => (v === 1 ? hi : lo));
  const loss = (a: number, b: number) => {
    let l = 0;
    for (let i = 0; i < z.length; i++) {
      const f = a * (z[i] as number) + b;
      const t = target[i] as number;
      // log(1 + e^f) - t·f, computed stably
      l += (weight[i] as number) * ((f > 0 ? f + Math.log1p(Math.exp(-f)) : Math.log1p(Math.exp(f))) - t * f);
    }
    return l;
  };
  let a = 1;
  let b = 0;
  let current = loss(a, b);
  for (let it = 0; it < 100; it++) {
    let ga = 0;
    let gb = 0;
    let haa = 1e-6;
    let hab = 0;
    let hbb = 1e-6;
    for (let i = 0; i < z.length; i++) {
      const zi = z[i] as number;
      const wi = weight[i] as number;
      const p = sigmoid(a * zi + b);
      const d = (p - (target[i] as number)) * wi;
      const h = Math.max(1e-12, p * (1 - p)) * wi;
      ga += d * zi;
      gb += d;
      haa += h * zi * zi;
      hab += h * zi;
      hbb += h;
    }
    const det = haa * hbb - hab * hab;
    if (!(det > 0)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    let step = 1;
    let next = loss(a - da, b - db);
    while (next > current && step > 1e-6) {
      step /= 2;
      next = loss(a - step * da, b - step * db);
    }
    if (next > current) break;
    a -= step * da;
    b -= step * db;
    const gain = current - next;
    current = next;
    if (gain < 1e-10 * Math.max(1, current)) break;
  }
  return { a, b };
}
