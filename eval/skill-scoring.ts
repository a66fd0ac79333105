/** Shared scoring of the L24 skill scorecards: verdict counts per label, per-rule hits, scan time. */
import { markdownTable } from './harness.js';
import type { ScanFile } from '../src/supply/skills/scan/scan-skill.js';
import { scanSkill } from '../src/supply/skills/scan/scan-skill.js';
import type { SkillScan } from '../src/supply/skills/scan/types.js';

export interface LabelledSkill {
  readonly id: string;
  readonly label: 'malicious' | 'benign';
  readonly files: readonly ScanFile[];
  /** Findings from reading the tree (links, oversize), scanned before the files. */
  readonly extra?: SkillScan['findings'];
}

export interface SetScore {
  readonly malicious: number;
  readonly benign: number;
  readonly maliciousNotAllowed: number;
  readonly maliciousBlocked: number;
  readonly benignBlocked: number;
  readonly benignWarned: number;
  readonly misses: readonly string[];
  readonly falseBlocks: readonly string[];
  readonly ruleHits: Readonly<Record<string, { malicious: number; benign: number }>>;
  readonly scanMs: readonly number[];
}

export function scoreSet(skills: readonly LabelledSkill[]): SetScore {
  let maliciousNotAllowed = 0;
  let maliciousBlocked = 0;
  let benignBlocked = 0;
  let benignWarned = 0;
  const misses: string[] = [];
  const falseBlocks: string[] = [];
  const ruleHits: Record<string, { malicious: number; benign: number }> = {};
  const scanMs: number[] = [];
  for (const s of skills) {
    const t0 = performance.now();
    const scan = scanSkill(s.files);
    scanMs.push(performance.now() - t0);
    const verdict = s.extra?.some((f) => f.severity === 'critical') ? 'block' : scan.verdict;
    for (const rule of new Set(scan.findings.map((f) => f.rule))) {
      const h = (ruleHits[rule] ??= { malicious: 0, benign: 0 });
      h[s.label]++;
    }
    if (s.label === 'malicious') {
      if (verdict !== 'allow') maliciousNotAllowed++;
      else misses.push(s.id);
      if (verdict === 'block') maliciousBlocked++;
    } else {
      if (verdict === 'block') {
        benignBlocked++;
        falseBlocks.push(`${s.id} (${scan.findings.map((f) => f.rule).join(', ')})`);
      }
      if (verdict === 'warn') benignWarned++;
    }
  }
  return {
    malicious: skills.filter((s) => s.label === 'malicious').length,
    benign: skills.filter((s) => s.label === 'benign').length,
    maliciousNotAllowed,
    maliciousBlocked,
    benignBlocked,
    benignWarned,
    misses,
    falseBlocks,
    ruleHits,
    scanMs,
  };
}

export const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

export function setRows(name: string, s: SetScore): Array<Array<string | number>> {
  return [
    [
      name,
      `${s.maliciousNotAllowed}/${s.malicious}`,
      `${s.maliciousBlocked}/${s.malicious}`,
      `${s.benignBlocked}/${s.benign}`,
      `${s.benignWarned}/${s.benign}`,
    ],
  ];
}

export function setTable(rows: Array<Array<string | number>>): string {
  return markdownTable(['set', 'malicious not allowed', 'malicious blocked', 'benign blocked', 'benign warned'], rows);
}

export function ruleTable(sets: Readonly<Record<string, SetScore>>): string {
  const rules = new Set(Object.values(sets).flatMap((s) => Object.keys(s.ruleHits)));
  const names = Object.keys(sets);
  return markdownTable(
    ['rule', ...names.flatMap((n) => [`${n} malicious`, `${n} benign`])],
    [...rules]
      .sort()
      .map((r) => [
        r,
        ...names.flatMap((n) => [sets[n]?.ruleHits[r]?.malicious ?? 0, sets[n]?.ruleHits[r]?.benign ?? 0]),
      ]),
  );
}
