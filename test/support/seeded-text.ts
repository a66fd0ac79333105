import { createHash } from 'node:crypto';

/** Deterministic text made of pieces of `alphabet` (a linear congruential generator from `seed`), for property tests. */
export function seededText(alphabet: readonly string[], seed: number, length: number): string {
  let s = seed >>> 0;
  let out = '';
  while (out.length < length) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out += alphabet[(s >>> 8) % alphabet.length] as string;
  }
  return out;
}

/**
 * A linear congruential generator (the classic ANSI C constants, 31 bits) from `seed`: each call gives the next
 * number below `n`, read from the bits above `shift`. Deterministic, so property tests read the same cases every run.
 */
export function lcg(seed: number, shift = 16): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return (x >>> shift) % n;
  };
}

/** Letters, digits and the separators a token may hold (base64, base64url). */
const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-';

/** A random-looking value of `n` characters of TOKEN_ALPHABET, the same on every run for one `seed`. */
export function seededValue(n: number, seed: string): string {
  return Array.from(
    { length: n },
    (_, i) =>
      TOKEN_ALPHABET[(createHash('sha256').update(`${seed}:${i}`).digest()[0] as number) % TOKEN_ALPHABET.length],
  ).join('');
}

/** `v` cut into pieces of `n` characters (the last shorter). */
export const pieces = (v: string, n: number): string[] => v.match(new RegExp(`[^]{1,${n}}`, 'g')) ?? [];
