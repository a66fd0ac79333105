/** Deterministic pseudo-random tokens for secret-format tests and benches: built at run time, never a real credential. */

export const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const HEX = '0123456789abcdef';
export const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `n` characters of `alphabet` from a linear congruential generator seeded with `seed`. */
export function tok(alphabet: string, n: number, seed: number): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    s += alphabet[(x >>> 16) % alphabet.length];
  }
  return s;
}
