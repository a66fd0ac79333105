/**
 * The L01 recipe's threshold selection says when no threshold met its limits, instead of passing the grid's top
 * (or 0.99 for high) off as a selected one.
 */
import { describe, expect, it } from 'vitest';
import { selectThresholds, type Encoded } from '../../scripts/l01/recipe.js';

function row(y: 0 | 1, group: string, document: boolean): Encoded {
  return {
    lexical: new Int32Array(0),
    shape: new Int32Array(0),
    y,
    weight: 1,
    source: group,
    group,
    patternScore: 0,
    findings: [],
    document,
  };
}

/** 100 attacks at `attack`, 100 benign messages at 0.1 and 100 benign documents of one kind at `document`. */
function scored(attack: number, documentScores: readonly number[]) {
  const rows: Encoded[] = [];
  const p: number[] = [];
  for (let i = 0; i < 100; i++) {
    rows.push(row(1, 'attacks', false));
    p.push(attack);
    rows.push(row(0, 'messages', false));
    p.push(0.1);
  }
  documentScores.forEach((s) => {
    rows.push(row(0, 'doc:articles', true));
    p.push(s);
  });
  return { p, rows };
}

describe('L01 threshold selection', () => {
  it('marks medium and high as met when a threshold keeps every limit', () => {
    const { p, rows } = scored(0.8, Array<number>(100).fill(0.2));
    const t = selectThresholds(p, rows);
    expect(t.feasible).toEqual({ medium: true, high: true });
    expect(t.medium).toBeLessThanOrEqual(0.8);
    expect(t.high).toBeLessThan(0.99);
  });

  it("marks the grid's top as a fallback when every threshold lets a document kind over its limit", () => {
    // 10 of 100 documents score above every grid threshold: the kind's rate is 10 % wherever medium is put.
    const { p, rows } = scored(0.95, [...Array<number>(90).fill(0.2), ...Array<number>(10).fill(0.97)]);
    const t = selectThresholds(p, rows);
    expect(t.feasible.medium).toBe(false);
    expect(t.medium).toBe(0.9);
    expect(t.oof.worstDocumentFpr).toBeCloseTo(0.1);
  });

  it('marks high as a fallback when no threshold above medium keeps the high limit', () => {
    // 2 of 300 benign rows score 0.96: pooled FPR 0.0067 above every grid threshold, under the 5 % medium limit.
    const { p, rows } = scored(0.95, [...Array<number>(98).fill(0.2), 0.96, 0.96]);
    const t = selectThresholds(p, rows);
    expect(t.feasible).toEqual({ medium: true, high: false });
    expect(t.high).toBe(0.99);
  });
});
