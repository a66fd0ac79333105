/**
 * Quick screening of an L01 recipe change: only the named leave-one-source-out folds, at one fit seed, each with
 * the whole recipe (fit, calibration, threshold selection) on all other rows, scored with the input guard's risk
 * rule as the scorecard scores them. The folds that bind are PurpleLlama (attacks), PIGuard (NotInject's benign
 * questions) and deepset; a change worth a full run (`npm run train:classifier -- --loso`) should hold at seeds 7
 * and 8 — the figures move with the seed by more than most changes move them.
 *   node --import tsx scripts/l01/screen-folds.ts [--seed 7] [--groups purplellama,piguard,deepset | all]
 */
import { locateCorpora } from '../../eval/corpora.js';
import { DEFAULT_PATTERN_AGREEMENT, DEFAULT_PATTERN_ONLY } from '../../src/config/sections/perimeter.js';
import { liftedRisk, riskOf } from '../../src/guards/input-guard.js';
import { loadDevCorpus } from './dev-corpus.js';
import { heldOutGroups, losoFold } from './loso.js';
import { ownTrainingItems } from './own-data.js';
import { DEFAULT_FIT, encode } from './recipe.js';

const BINDING = ['purplellama', 'piguard', 'deepset'];

function option(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

const seed = Number(option('--seed') ?? DEFAULT_FIT.seed);
if (!Number.isInteger(seed)) {
  console.error(`screen-folds: --seed must be an integer, got ${option('--seed')}`);
  process.exit(1);
}
const corpora = locateCorpora();
if (!corpora.available) {
  console.error(`screen-folds: ${corpora.reason}`);
  process.exit(1);
}
const rows = [...loadDevCorpus(), ...ownTrainingItems()].map((i) => encode(i));
const known = heldOutGroups(rows);
const asked = option('--groups');
const groups = asked === 'all' ? known : (asked?.split(',') ?? BINDING);
const unknown = groups.filter((g) => !known.includes(g));
if (unknown.length > 0) {
  console.error(`screen-folds: no group ${unknown.join(', ')}; the groups are ${known.join(', ')}`);
  process.exit(1);
}

const rate = (hit: number, n: number) => (n === 0 ? '-' : (hit / n).toFixed(3));
const pooled = { tp: 0, p: 0, fp: 0, n: 0 };
for (const group of groups) {
  const fold = losoFold(rows, group, { ...DEFAULT_FIT, seed });
  const sources = new Map<string, { y: number; n: number; hit: number }>();
  for (const [i, probability] of fold.scored) {
    const row = rows[i];
    if (row === undefined) throw new Error(`screen-folds: fold ${group} scored a row that does not exist (${i})`);
    const risk = liftedRisk(
      riskOf(probability, row.patternScore, {
        ...fold.thresholds,
        patternAgreement: DEFAULT_PATTERN_AGREEMENT,
        patternOnly: DEFAULT_PATTERN_ONLY,
      }),
      row.findings,
    );
    const hit = risk === 'low' ? 0 : 1;
    const e = sources.get(row.source) ?? { y: row.y, n: 0, hit: 0 };
    e.n++;
    e.hit += hit;
    sources.set(row.source, e);
    if (row.y === 1) {
      pooled.p++;
      pooled.tp += hit;
    } else {
      pooled.n++;
      pooled.fp += hit;
    }
  }
  const of = (y: number) => [...sources.values()].filter((e) => e.y === y);
  const sum = (xs: ReturnType<typeof of>, k: 'n' | 'hit') => xs.reduce((a, e) => a + e[k], 0);
  console.log(
    `${group.padEnd(24)} medium ${fold.thresholds.medium}${fold.feasible.medium ? '' : ' (fallback)'} ` +
      `TPR ${rate(sum(of(1), 'hit'), sum(of(1), 'n'))} FPR ${rate(sum(of(0), 'hit'), sum(of(0), 'n'))}  ` +
      [...sources].map(([s, e]) => `${s} ${rate(e.hit, e.n)}`).join(', '),
  );
}
const tpr = pooled.tp / Math.max(1, pooled.p);
const fpr = pooled.fp / Math.max(1, pooled.n);
console.log(
  `seed ${seed}, these folds pooled: TPR ${tpr.toFixed(3)} FPR ${fpr.toFixed(3)} BA ${((tpr + 1 - fpr) / 2).toFixed(3)}`,
);
