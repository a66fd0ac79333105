/**
 * L08.1 candidates by the values themselves: a request that carries a known value's characters in order with others
 * left out (half a key, every other character) — no encoding, and too short for the raw rule of egress-candidates.ts.
 * The request's values are read as one text of letters and digits (value-fragments.ts), so a fragment cut by
 * separators, spread over query parameters or wrapped in filler is read whole. The caller (the leak index) scans it.
 */
import { foldedSymbols, type FragmentScan } from '../secrets/index.js';
import type { EgressCandidate } from './egress-candidates.js';

/**
 * Candidates for a window of `values` (the request's path segments, query keys and values, body, in that order)
 * that `fragmentsIn` finds. The window itself is not shown: it is part of a secret; the operator sees its length
 * and owner. A scan that could not read the whole request is a candidate too: what it did not read is not cleared.
 */
export function fragmentCandidates(
  values: ReadonlyArray<[EgressCandidate['where'], string]>,
  fragmentsIn: (symbols: Uint8Array) => FragmentScan,
): EgressCandidate[] {
  const parts = values.map(([where, value]) => [where, foldedSymbols(value)] as const);
  const text = new Uint8Array(parts.reduce((n, [, s]) => n + s.length, 0));
  const starts: number[] = [];
  let n = 0;
  for (const [, s] of parts) {
    starts.push(n);
    text.set(s, n);
    n += s.length;
  }
  const found = fragmentsIn(text);
  if (found === undefined) return [];
  if (found === 'unjudged')
    return [
      {
        where: 'body',
        encoding: 'url',
        decoded: `a request of ${text.length} letters and digits, more than the known values' fragments could be looked for in`,
        bitsPerChar: 0,
      },
    ];
  let field = 0;
  while (field + 1 < starts.length && (starts[field + 1] as number) <= found.at) field++;
  return [
    {
      where: (parts[field] as (typeof parts)[number])[0],
      encoding: 'url',
      decoded: `${found.length} characters of the value of ${found.name}, in order with others left out`,
      bitsPerChar: 0,
    },
  ];
}
