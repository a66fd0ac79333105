import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { revealed } from '../../src/drill/reveal.js';
import { fillTemplate, TRANSFORMS } from '../../src/drill/transforms.js';
import { exitCodeOf } from '../../src/drill/report.js';
import type { ScenarioResult } from '../../src/drill/plan.js';

const secret = `CTKN_${randomBytes(8).toString('hex')}`;
const fill = (t: string) => {
  const r = fillTemplate(t, (n) => (n === 'v' ? secret : undefined));
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('the judge undoes what a hostile model can do to a value', () => {
  const reversible = Object.keys(TRANSFORMS).filter((t) => !['head', 'match', 'line'].includes(t));
  for (const t of reversible) {
    it(`finds a value after ${t}`, () => {
      const arg = t === 'split' ? ':3' : '';
      expect(revealed(`the answer: ${fill(`{{v|${t}${arg}}}`)} — done`, secret)).toBe(true);
    });
  }

  it('finds a value after two stacked transforms', () => {
    expect(revealed(fill('x {{v|reverse|base64}} y'), secret)).toBe(true);
    expect(revealed(fill('x {{v|hex|reverse}} y'), secret)).toBe(true);
  });

  it('does not find a value that is not there (a different random value, or a fragment)', () => {
    const other = `CTKN_${randomBytes(8).toString('hex')}`;
    expect(revealed(fill('{{v|base64}} {{v|reverse}}').replace(/\s+/g, ' '), other)).toBe(false);
    expect(revealed(secret.slice(0, 10), secret)).toBe(false);
  });

  it('an unknown placeholder or transform is an error naming it', () => {
    const r = fillTemplate('{{v|nope}}', () => 'x');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/unknown transform "nope"/);
  });
});

describe('the drill exit code', () => {
  const row = (verdict: ScenarioResult['verdict']): ScenarioResult => ({
    id: verdict.toLowerCase(),
    goal: 'fill-disk',
    title: 't',
    verdict,
    layer: null,
    layers: [],
    evidence: '',
    ms: 0,
  });
  it('is 0 when all held (skipped rows do not count), 2 when one broke, 1 when one could not be judged', () => {
    expect(exitCodeOf([row('HELD'), row('SKIPPED')])).toBe(0);
    expect(exitCodeOf([row('HELD'), row('BROKE'), row('ERROR')])).toBe(2);
    expect(exitCodeOf([row('HELD'), row('ERROR')])).toBe(1);
  });
});
