/**
 * L25 typosquat rule, measured honestly: false positives on real, legitimate packages that are NOT in the popular
 * list (eval/supply-legit-names.ts, hard near-neighbours included), and detection of typosquats generated from
 * the popular names in the shapes squatters use (a dropped, doubled or swapped character, a neighbouring key, a
 * separator added/dropped/changed, a scope folded in). Exact popular names are not counted: they return early.
 */
import type { Suite } from '../harness.js';
import { markdownTable } from '../harness.js';
import { LEGIT_NPM, LEGIT_PYPI } from '../supply-legit-names.js';
import { POPULAR_PACKAGES } from '../../src/supply/osv/popular-packages.js';
import { normaliseName, typosquatOf } from '../../src/supply/osv/typosquat.js';

const NEIGHBOUR: Readonly<Record<string, string>> = {
  a: 's',
  b: 'n',
  c: 'v',
  d: 'f',
  e: 'r',
  f: 'g',
  g: 'h',
  h: 'j',
  i: 'o',
  j: 'k',
  k: 'l',
  l: 'k',
  m: 'n',
  n: 'm',
  o: 'p',
  p: 'o',
  q: 'w',
  r: 't',
  s: 'd',
  t: 'y',
  u: 'i',
  v: 'b',
  w: 'e',
  x: 'c',
  y: 'u',
  z: 'x',
};

/** The typosquats of one popular name, one per shape, each edit at the middle of the (unscoped) name. */
export function squatsOf(popular: string): Array<{ name: string; shape: string }> {
  const scope = /^@[^/]+\//.exec(popular)?.[0] ?? '';
  const base = popular.slice(scope.length);
  const out: Array<{ name: string; shape: string }> = [];
  const m = Math.floor(base.length / 2);
  const at = (s: string) => scope + s;
  const letter = [m, m - 1, m + 1].find((i) => /[a-z]/.test(base[i] ?? '')) ?? m;
  out.push({ name: at(base.slice(0, m) + base.slice(m + 1)), shape: 'dropped character' });
  out.push({ name: at(base.slice(0, m + 1) + base.slice(m)), shape: 'doubled character' });
  if (base[m] !== base[m + 1] && m + 1 < base.length)
    out.push({ name: at(base.slice(0, m) + (base[m + 1] ?? '') + base[m] + base.slice(m + 2)), shape: 'swapped' });
  const key = NEIGHBOUR[base[letter] ?? ''];
  if (key) out.push({ name: at(base.slice(0, letter) + key + base.slice(letter + 1)), shape: 'neighbouring key' });
  const sep = /[-_.]/.exec(base);
  if (sep) {
    out.push({ name: at(base.replace(sep[0], '')), shape: 'separator dropped' });
    out.push({ name: at(base.replace(sep[0], sep[0] === '-' ? '_' : '-')), shape: 'separator changed' });
  } else out.push({ name: at(base.slice(0, m) + '-' + base.slice(m)), shape: 'separator added' });
  if (scope) out.push({ name: `${scope.slice(1, -1)}-${base}`, shape: 'scope confusion' });
  else if (sep?.[0] === '-') out.push({ name: `@${base.replace('-', '/')}`, shape: 'scope confusion' });
  return out;
}

const suite: Suite = {
  name: 'supply-typosquat',
  async run() {
    const rows: Array<[string, string, number]> = [];
    const checks: Array<{ name: string; value: number; min?: number; max?: number }> = [];
    const falsePositives: string[] = [];
    const missedSquats: string[] = [];
    const byShape = new Map<string, { n: number; hit: number }>();
    let legitTotal = 0;
    let legitFlagged = 0;
    let squatTotal = 0;
    let squatCaught = 0;
    for (const [eco, legit] of [
      ['npm', LEGIT_NPM],
      ['pypi', LEGIT_PYPI],
    ] as const) {
      const popular = new Set((POPULAR_PACKAGES[eco] ?? []).map((p) => normaliseName(eco, p)));
      const legitSet = new Set(legit.map((n) => normaliseName(eco, n)));
      const overlap = [...legitSet].filter((n) => popular.has(n));
      if (overlap.length)
        throw new Error(`legitimate names in the popular list (not a fair test): ${overlap.join(', ')}`);
      let flagged = 0;
      for (const name of legitSet) {
        const hit = typosquatOf(eco, name);
        if (hit) {
          flagged++;
          falsePositives.push(`${eco}:${name}→${hit.popular} (${hit.shape})`);
        }
      }
      // Generated squats that happen to be a real name here or a popular one are not squats: left out.
      const squats = [...popular]
        .flatMap((p) => squatsOf(p).map((s) => ({ ...s, target: p })))
        .filter((s) => !popular.has(normaliseName(eco, s.name)) && !legitSet.has(normaliseName(eco, s.name)))
        .filter((s) => normaliseName(eco, s.name) !== s.target);
      let caught = 0;
      for (const s of squats) {
        const stat = byShape.get(s.shape) ?? { n: 0, hit: 0 };
        stat.n++;
        if (typosquatOf(eco, s.name) !== undefined) {
          caught++;
          stat.hit++;
        } else missedSquats.push(`${eco}:${s.name} (${s.shape} of ${s.target})`);
        byShape.set(s.shape, stat);
      }
      rows.push([
        `${eco}: legitimate non-popular names refused (FPR)`,
        `${flagged}/${legitSet.size}`,
        flagged / legitSet.size,
      ]);
      rows.push([`${eco}: generated typosquats refused (TPR)`, `${caught}/${squats.length}`, caught / squats.length]);
      legitTotal += legitSet.size;
      legitFlagged += flagged;
      squatTotal += squats.length;
      squatCaught += caught;
    }
    const fpr = legitFlagged / legitTotal;
    const tpr = squatCaught / squatTotal;
    checks.push({ name: 'typosquat_fpr_legitimate', value: fpr, max: 0.02 });
    checks.push({ name: 'typosquat_tpr_generated', value: tpr, min: 0.8 });
    const shapeRows = [...byShape].map(
      ([shape, s]) => [shape, `${s.hit}/${s.n}`, s.hit / s.n] as [string, string, number],
    );
    const markdown = [
      'L25 typosquat rule on real legitimate packages outside the popular list (eval/supply-legit-names.ts) and on typosquats generated from the popular list.',
      '',
      markdownTable(
        ['check', 'count', 'rate'],
        [
          ...rows,
          ['all: FPR', `${legitFlagged}/${legitTotal}`, fpr],
          ['all: TPR', `${squatCaught}/${squatTotal}`, tpr],
        ],
      ),
      '',
      'Generated typosquats by shape:',
      '',
      markdownTable(['shape', 'refused', 'rate'], shapeRows),
      '',
      `False positives: ${falsePositives.join(', ') || 'none'}.`,
      '',
      `Missed (first 20): ${missedSquats.slice(0, 20).join(', ') || 'none'}.`,
    ].join('\n');
    return {
      name: 'supply-typosquat',
      markdown,
      data: { fpr, tpr, legit: legitTotal, squats: squatTotal, falsePositives, missed: missedSquats },
      checks,
    };
  },
};

export default suite;
