/** Deterministic pseudo-random tokens for secret-format tests and benches: built at run time, never a real credential. */
import { lcg } from './seeded-text.js';

export const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const HEX = '0123456789abcdef';
export const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `n` characters of `alphabet` from a linear congruential generator seeded with `seed`. */
export function tok(alphabet: string, n: number, seed: number): string {
  const rnd = lcg(seed);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[rnd(alphabet.length)];
  return s;
}
