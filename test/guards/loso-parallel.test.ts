/** The scorecard's leave-one-source-out folds on worker threads give exactly the sequential result. */
import { describe, expect, it } from 'vitest';
import { leaveOneSourceOut, leaveOneSourceOutParallel } from '../../scripts/l01/loso.js';
import type { Encoded } from '../../scripts/l01/recipe.js';
import { seededRandom } from '../../eval/seeded.js';

function rows(): Encoded[] {
  const rand = seededRandom(11);
  const out: Encoded[] = [];
  for (let g = 0; g < 6; g++)
    for (let i = 0; i < 40; i++) {
      const y = (g + i) % 3 === 0 ? 1 : 0;
      const lexical = Int32Array.from({ length: 12 }, () => Math.floor(rand() * 5000) + (y ? 5000 : 0));
      out.push({
        lexical,
        shape: Int32Array.from([y ? 1 : 2]),
        y,
        weight: 1,
        source: `src${g}`,
        group: `g${g}`,
        patternScore: 0,
        findings: [],
        document: g % 2 === 0,
      });
    }
  return out;
}

describe('leave-one-source-out on worker threads', () => {
  it('scores every held-out row with the same probability and thresholds as the sequential run', async () => {
    const data = rows();
    const sequential = leaveOneSourceOut(data);
    const parallel = await leaveOneSourceOutParallel(data, { workers: 2 });
    expect(parallel.length).toBe(data.length);
    expect(parallel.map((p) => [data.indexOf(p.row), p.probability, p.thresholds])).toEqual(
      sequential.map((p) => [data.indexOf(p.row), p.probability, p.thresholds]),
    );
  });
});
