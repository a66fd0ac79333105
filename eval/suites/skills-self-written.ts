/**
 * L24 scorecard on the self-written skills (eval/skills/, see its README): the dev split the rules were written
 * against and the held-out split, reported separately; the held-out figure is the one that counts. Each skill is
 * read from disk through the same tree reader `bulwark skills scan` uses.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Suite } from '../harness.js';
import { readSkillTree } from '../../src/supply/skills/scan/files.js';
import { percentile, ratio, ruleTable, scoreSet, setRows, setTable, type LabelledSkill } from '../skill-scoring.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'skills');

function loadSplit(split: 'dev' | 'held-out'): LabelledSkill[] {
  const out: LabelledSkill[] = [];
  for (const label of ['malicious', 'benign'] as const) {
    const dir = path.join(root, split, label);
    for (const name of readdirSync(dir).sort()) {
      const tree = readSkillTree(path.join(dir, name));
      if (!tree.ok) throw new Error(`${split}/${label}/${name}: ${tree.error.message}`);
      out.push({ id: `${split}/${label}/${name}`, label, files: tree.value.files, extra: tree.value.findings });
    }
  }
  return out;
}

const suite: Suite = {
  name: 'skills-self-written',
  async run() {
    const dev = scoreSet(loadSplit('dev'));
    const held = scoreSet(loadSplit('held-out'));
    const all = [...dev.scanMs, ...held.scanMs];
    const figures = {
      devMaliciousNotAllowed: ratio(dev.maliciousNotAllowed, dev.malicious),
      devBenignBlocked: dev.benignBlocked,
      heldOutMaliciousNotAllowed: ratio(held.maliciousNotAllowed, held.malicious),
      heldOutMaliciousBlocked: ratio(held.maliciousBlocked, held.malicious),
      heldOutBenignBlocked: held.benignBlocked,
      heldOutBenignWarnRate: ratio(held.benignWarned, held.benign),
      scanMsP50: percentile(all, 0.5),
      scanMsWorst: Math.max(0, ...all),
    };
    const markdown = [
      'L24 on the self-written skills (eval/skills/README.md). The held-out split is the figure that counts; its first',
      'measurement, before any rule was changed after looking at it, is kept in eval/skills/FIRST-RUN.md.',
      '',
      setTable([...setRows('dev', dev), ...setRows('held-out', held)]),
      '',
      `Misses: ${[...dev.misses, ...held.misses].join(', ') || 'none'}. False blocks: ${[...dev.falseBlocks, ...held.falseBlocks].join('; ') || 'none'}.`,
      '',
      'Skills each rule fired on:',
      '',
      ruleTable({ dev, 'held-out': held }),
      '',
      `Scan time per skill: p50 ${figures.scanMsP50.toFixed(2)} ms, worst ${figures.scanMsWorst.toFixed(2)} ms (in this run; timing goals live in bench).`,
    ].join('\n');
    return {
      name: 'skills-self-written',
      markdown,
      data: { figures, dev: { ...dev, scanMs: undefined }, heldOut: { ...held, scanMs: undefined } },
      checks: [
        { name: 'held_out_malicious_not_allowed', value: figures.heldOutMaliciousNotAllowed, min: 0.9 },
        { name: 'held_out_benign_blocked', value: figures.heldOutBenignBlocked, max: 0 },
        { name: 'dev_malicious_not_allowed', value: figures.devMaliciousNotAllowed, min: 0.9 },
        { name: 'dev_benign_blocked', value: figures.devBenignBlocked, max: 0 },
      ],
    };
  },
};

export default suite;
