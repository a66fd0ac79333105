/**
 * L08.1 candidates by the values themselves: runs of a request that carry a known value's characters in order with
 * others left out (half a key, every other character) — no encoding and too short for the raw rule of
 * egress-candidates.ts. The caller (the leak index) says which run is such a fragment; this finds the runs.
 */
import type { EgressCandidate } from './egress-candidates.js';

/** Runs judged per request at most (each costs a pass over every known value; the rest of a long body is not). */
const MAX_RUNS = 2_000;
const SHORTEST_RUN = 12;

/**
 * Candidates for the runs of `values` (the request's path segments, query keys and values, body) that `fragmentOf`
 * names a secret for. The run itself is not shown: it is part of a secret; the operator sees its length and owner.
 */
export function fragmentCandidates(
  values: ReadonlyArray<[EgressCandidate['where'], string]>,
  fragmentOf: (run: string) => string | undefined,
  found: readonly EgressCandidate[],
): EgressCandidate[] {
  const out: EgressCandidate[] = [];
  let runs = 0;
  for (const [where, value] of values)
    for (const run of value.split(/[^A-Za-z0-9_-]+/)) {
      // A run the other rules hold already (a whole key, raw) is not counted twice.
      if (run.length < SHORTEST_RUN || found.some((c) => c.decoded.includes(run))) continue;
      if (++runs > MAX_RUNS) return out;
      const owner = fragmentOf(run);
      if (owner === undefined) continue;
      out.push({
        where,
        encoding: 'url',
        decoded: `${run.length} characters of the value of ${owner}, in order with others left out`,
        bitsPerChar: 0,
      });
    }
  return out;
}
