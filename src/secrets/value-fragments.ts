/**
 * L08.1: a known value's characters carried in order with others left out — half a key, every other character
 * (`sed 's/\(.\)./\1/g'`) — are no form the leak index can list, and a 20-character bare run is how platforms name
 * public resources, so the egress candidates do not hold it raw. Against the values themselves the test is exact:
 * a run whose characters are a subsequence of a value (in order or reversed, case folded) is judged part of it when
 * a random run of its length and alphabet would be such a subsequence less than once in 2^30 (union bound:
 * C(value length, run length) / alphabet^run length). Half of a 40-character key (20 characters) is about 2^-66;
 * a 12-digit hex run against a 64-digit hex value is 2^-4, so hex needs about 24 characters.
 */

/** No run shorter than this is judged, whatever the bound says. */
export const MIN_FRAGMENT = 12;
/** log2 of the chance a random run is a subsequence by luck, at most. */
const MAX_LOG2_CHANCE = -30;

/** True when `run`'s characters appear in `value` in order. */
function subsequence(run: string, value: string): boolean {
  let i = 0;
  for (let j = 0; j < value.length && i < run.length; j++) if (value.charCodeAt(j) === run.charCodeAt(i)) i++;
  return i === run.length;
}

/** log2 of C(n, k). */
function log2Choose(n: number, k: number): number {
  let s = 0;
  for (let i = 1; i <= k; i++) s += Math.log2((n - k + i) / i);
  return s;
}

/** Distinct symbols a run of this kind is drawn from, case folded. */
function alphabet(lower: string): number {
  if (/^[0-9]+$/.test(lower)) return 10;
  if (/^[0-9a-f]+$/.test(lower)) return 16;
  return 36;
}

export class ValueFragments {
  private readonly values: Array<{ readonly name: string; readonly lower: string }> = [];

  add(name: string, value: string): void {
    if (value.length >= MIN_FRAGMENT) this.values.push({ name, lower: value.toLowerCase() });
  }

  /** Name of the secret whose value holds `run`'s characters in order or in reverse, others left out; else undefined. */
  fragmentOf(run: string): string | undefined {
    if (run.length < MIN_FRAGMENT) return undefined;
    const lower = run.toLowerCase();
    const bits = Math.log2(alphabet(lower)) * lower.length;
    let reversed: string | undefined;
    for (const v of this.values) {
      if (v.lower.length < lower.length || log2Choose(v.lower.length, lower.length) - bits > MAX_LOG2_CHANCE) continue;
      reversed ??= [...lower].reverse().join('');
      if (subsequence(lower, v.lower) || subsequence(reversed, v.lower)) return v.name;
    }
    return undefined;
  }
}
