/**
 * Supply-chain costs (L24, L25): the skill scan per skill — median of repeated scans of each skill, then the p50
 * and the worst over all skills — for the third-party corpus (mcp-skills) and our own skills (eval/skills/), the
 * unpacking of a skill archive before its scan, and one advisory-index lookup (name@version) against an index built
 * from the corpora's malicious-package lists. The machine is shared: CPU time (process.cpuUsage) is reported
 * beside wall time.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { markdownTable, type Suite } from '../../eval/harness.js';
import { corpusPath, readCorpus } from '../../eval/corpora.js';
import { percentile, summarise, timeSync } from '../measure.js';
import { readSkillTree } from '../../src/supply/skills/scan/files.js';
import { scanSkill, type ScanFile } from '../../src/supply/skills/scan/scan-skill.js';
import { extractSkillArchive } from '../../src/supply/skills/archive/extract.js';
import { loadIndex, lookup, updateIndex } from '../../src/supply/osv/advisory-index.js';

const SKILLS = 'mcp-skills/mcp-scan_test_skills.jsonl';
const ADVISORIES = [
  'malicious-packages/osv-samples',
  'malicious-packages/shai-hulud_malicious_npm_packages.json',
  'malicious-packages/compromised-packages.csv',
];
const ROUNDS = 15;
const ownRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'eval', 'skills');

interface Skill {
  readonly id: string;
  readonly files: readonly ScanFile[];
  readonly dir?: string;
}

function thirdParty(): Skill[] {
  return readCorpus(SKILLS)
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { skill: string; files: Record<string, string> })
    .map((r) => ({
      id: r.skill,
      files: Object.entries(r.files).map(([p, text]) => ({ path: p, bytes: Buffer.from(text, 'utf8') })),
    }));
}

function own(): Skill[] {
  const out: Skill[] = [];
  for (const split of ['dev', 'held-out'])
    for (const label of ['malicious', 'benign']) {
      const dir = path.join(ownRoot, split, label);
      for (const name of readdirSync(dir).sort()) {
        const tree = readSkillTree(path.join(dir, name));
        if (!tree.ok) throw new Error(tree.error.message);
        out.push({ id: `${split}/${label}/${name}`, files: tree.value.files, dir: path.join(dir, name) });
      }
    }
  return out;
}

const bytesOf = (s: Skill) => s.files.reduce((n, f) => n + f.bytes.length, 0);

/** Median µs of scanning each skill, and the CPU µs of all rounds over all skills. */
function scanTimes(skills: readonly Skill[]) {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  const per = skills.map((s) => ({ skill: s, us: timeSync(() => scanSkill(s.files), ROUNDS, 3).p50 }));
  const wallUs = Number(process.hrtime.bigint() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const sorted = per.map((p) => p.us).sort((a, b) => a - b);
  const worst = per.reduce((a, b) => (b.us > a.us ? b : a));
  return {
    skills: skills.length,
    p50Ms: percentile(sorted, 50) / 1000,
    p90Ms: percentile(sorted, 90) / 1000,
    worstMs: worst.us / 1000,
    worstSkill: worst.skill.id,
    worstFiles: worst.skill.files.length,
    worstKiB: bytesOf(worst.skill) / 1024,
    cpuShare: (cpu.user + cpu.system) / wallUs,
  };
}

const suite: Suite = {
  name: 'skills',
  corpora: { files: [SKILLS, ...ADVISORIES], figures: [] },
  async run() {
    const third = scanTimes(thirdParty());
    const mine = own();
    const self = scanTimes(mine);

    // Archive: the largest self-written skill packed with tar, unpacked by our reader, then scanned.
    const largest = mine.reduce((a, b) => (bytesOf(b) > bytesOf(a) ? b : a));
    const work = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-skills-'));
    let archive: { unpackMs: number; totalMs: number; kib: number; id: string };
    try {
      const tgz = path.join(work, 'skill.tgz');
      execFileSync('tar', ['czf', tgz, '-C', largest.dir ?? '.', '.']);
      const unpack = summarise(
        Array.from({ length: ROUNDS }, () => {
          const t = process.hrtime.bigint();
          const x = extractSkillArchive(tgz);
          const us = Number(process.hrtime.bigint() - t) / 1000;
          if (!x.ok) throw new Error(x.error.message);
          x.value.cleanup();
          return us;
        }),
      );
      const total = summarise(
        Array.from({ length: ROUNDS }, () => {
          const t = process.hrtime.bigint();
          const x = extractSkillArchive(tgz);
          if (!x.ok) throw new Error(x.error.message);
          const tree = readSkillTree(x.value.dir);
          if (!tree.ok) throw new Error(tree.error.message);
          scanSkill(tree.value.files);
          x.value.cleanup();
          return Number(process.hrtime.bigint() - t) / 1000;
        }),
      );
      archive = {
        unpackMs: unpack.p50 / 1000,
        totalMs: total.p50 / 1000,
        kib: bytesOf(largest) / 1024,
        id: largest.id,
      };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }

    // L25: one lookup in an index built from the corpora (hits: listed versions; misses: popular clean names).
    const data = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-osv-'));
    let osv: { entries: number; hitUs: number; missUs: number; cpuShare: number; loadMs: number };
    try {
      for (const src of ADVISORIES) {
        const r = updateIndex(data, corpusPath(src));
        if (!r.ok) throw new Error(r.error.message);
      }
      const l0 = process.hrtime.bigint();
      const index = loadIndex(data);
      const loadMs = Number(process.hrtime.bigint() - l0) / 1e6;
      if (!index.ok) throw new Error(index.error.message);
      const shai = JSON.parse(readCorpus(ADVISORIES[1] ?? '')) as Record<string, { versions: string[] }>;
      const hits = Object.entries(shai).map(([name, v]) => [name, v.versions[0] ?? '1.0.0'] as const);
      const misses = ['express', 'react', 'lodash', 'typescript', 'zod', 'vitest'].map((n) => [n, '1.2.3'] as const);
      let i = 0;
      const cpu0 = process.cpuUsage();
      const w0 = process.hrtime.bigint();
      const hit = timeSync(() => {
        const [n, v] = hits[i++ % hits.length] ?? ['x', '1'];
        return lookup(index.value, 'npm', n, v);
      }, 50_000);
      const miss = timeSync(() => {
        const [n, v] = misses[i++ % misses.length] ?? ['x', '1'];
        return lookup(index.value, 'npm', n, v);
      }, 50_000);
      const wall = Number(process.hrtime.bigint() - w0) / 1000;
      const cpu = process.cpuUsage(cpu0);
      osv = {
        entries: Object.keys(shai).length,
        hitUs: hit.p50,
        missUs: miss.p50,
        cpuShare: (cpu.user + cpu.system) / wall,
        loadMs,
      };
    } finally {
      rmSync(data, { recursive: true, force: true });
    }

    const row = (name: string, s: ReturnType<typeof scanTimes>) => [
      name,
      s.skills,
      s.p50Ms,
      s.p90Ms,
      s.worstMs,
      `${s.worstSkill} (${s.worstFiles} files, ${s.worstKiB.toFixed(1)} KiB)`,
      s.cpuShare,
    ];
    const markdown = [
      '## L24 skill scan, per skill (median of 15 scans of each skill; ms)',
      '',
      markdownTable(
        ['skills', 'n', 'p50', 'p90', 'worst', 'worst skill', 'CPU/wall'],
        [row('third-party (mcp-skills)', third), row('self-written (eval/skills)', self)],
      ),
      '',
      `Archive: ${archive.id} (${archive.kib.toFixed(1)} KiB) as .tgz — unpack ${archive.unpackMs.toFixed(2)} ms, unpack + read + scan ${archive.totalMs.toFixed(2)} ms (p50 of ${ROUNDS}).`,
      '',
      '## L25 advisory index lookup (npm name@version, in memory)',
      '',
      markdownTable(
        ['case', 'p50 µs', 'index load ms', 'CPU/wall'],
        [
          ['listed (refused)', osv.hitUs, osv.loadMs, osv.cpuShare],
          ['popular clean (passes)', osv.missUs, osv.loadMs, osv.cpuShare],
        ],
      ),
      '',
      'CPU/wall below 1 means the process waited for a core: the machine is shared, so read the CPU share with the times.',
    ].join('\n');
    return { name: 'skills', markdown, data: { thirdParty: third, selfWritten: self, archive, osv }, checks: [] };
  },
};

export default suite;
