/**
 * Host-executed files (L11.7): the git config parser on an everyday config and on 1 MB of hostile repetitions (it
 * must stay linear), the judge of one write as the write tool runs it, and the judge over 10,000 changed files and
 * over a whole tree of 10,000 files with a real repository in it (what exec's effect check will ask for).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { timeSync, type Timing } from '../measure.js';
import { planHostFiles } from '../../src/agent/tools/fs/host-files.js';
import {
  fsTreeView,
  judgeChanges,
  judgeGitConfig,
  judgeTree,
  parseGitConfig,
  type HostFileChange,
} from '../../src/exec/host-executed/index.js';

const MB = 1024 * 1024;
const EVERYDAY = `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n[remote "origin"]\n\turl = git@github.com:example/project.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch "main"]\n\tremote = origin\n\tmerge = refs/heads/main\n[user]\n\tname = Jane Developer\n\temail = jane@example.com\n`;

const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  ['1 MB of [', '['.repeat(MB)],
  ['1 MB unclosed subsection', `[a "${'x'.repeat(MB)}`],
  ['1 MB of continuations', `[s]\nk = ${'\\\n'.repeat(MB / 2)}`],
  ['1 MB of quotes', `[s]\nk = ${'"'.repeat(MB)}`],
  ['1 MB of a=b lines', `[s]\n${'a=b\n'.repeat(MB / 4)}`],
  ['1 MB of blanks in a value', `[s]\nk = ${' '.repeat(MB)}x`],
];

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd, env: { PATH: '/usr/bin:/bin', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' } });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr.toString()}`);
}

const suite: Suite = {
  name: 'host-executed',
  async run() {
    const rows: (string | number)[][] = [];
    const data: Record<string, Timing & { bytes?: number; files?: number }> = {};
    const checks: Check[] = [];
    const add = (name: string, t: Timing, extra: { bytes?: number; files?: number } = {}): void => {
      data[name] = { ...t, ...extra };
      rows.push([name, extra.bytes ?? extra.files ?? '', t.n, t.p50 / 1000, t.p99 / 1000]);
    };

    const everyday = Buffer.from(EVERYDAY);
    add(
      'parse + allow-list, everyday config',
      timeSync(() => judgeGitConfig(everyday), 2000),
      { bytes: everyday.length },
    );
    for (const [name, text] of HOSTILE) {
      const bytes = Buffer.from(text);
      const t = timeSync(() => parseGitConfig(bytes), 10, 2);
      add(`parse ${name}`, t, { bytes: bytes.length });
      // Generous (a busy machine), but far below what a quadratic reading of 1 MB would take.
      checks.push({ name: `parse ${name}: p50 ms`, value: t.p50 / 1000, max: 500 });
    }

    const root = mkdtempSync(path.join(tmpdir(), 'bulwark-bench-hostfiles-'));
    try {
      git(root, 'init', '-q');
      const changes: HostFileChange[] = [];
      for (let d = 0; d < 100; d++) {
        mkdirSync(path.join(root, 'src', `m${d}`), { recursive: true });
        for (let f = 0; f < 100; f++) {
          const rel = `src/m${d}/f${f}.ts`;
          writeFileSync(path.join(root, rel), `export const v${f} = ${d};\n`);
          changes.push({ path: rel, kind: 'file' });
        }
      }
      add(
        'write tool: judge one write (src/x.ts)',
        timeSync(() => planHostFiles(root, 'src/m1/new.ts', 'x', 5 * MB), 500),
        { files: 1 },
      );
      add(
        'write tool: judge one write (.git/config)',
        timeSync(() => planHostFiles(root, '.git/config', EVERYDAY, 5 * MB), 500),
        { files: 1 },
      );
      const batch = timeSync(() => judgeChanges(changes, fsTreeView(root)), 10, 2);
      add('judge 10,000 changed files', batch, { files: changes.length });
      checks.push({ name: 'judge 10,000 changed files: p50 ms', value: batch.p50 / 1000, max: 5000 });
      add(
        'judge a whole tree of 10,000 files + a repository',
        timeSync(() => judgeTree(fsTreeView(root)), 10, 2),
        {
          files: changes.length,
        },
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }

    const markdown = `## Host-executed files (L11.7)\n\n${markdownTable(['case', 'bytes / files', 'n', 'p50 ms', 'p99 ms'], rows)}\n`;
    return { name: 'host-executed', markdown, data, checks };
  },
};

export default suite;
