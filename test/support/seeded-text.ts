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
