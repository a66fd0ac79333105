/**
 * Cost of marking what an exec run of a tainted session wrote (L08.1, workspace-secrets.ts `markWritten`): the stat
 * walk of the whole workspace a run without a copy-on-write view needs, against the paths a copy-on-write run's
 * effects name (10 changed files), in workspaces of 10,000 and 100,000 files; the marks kept in a SQLite store (WAL)
 * as the daemon keeps them. Medians of wall time over interleaved samples; the machine is shared.
 */
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, type Suite } from '../../eval/harness.js';
import { summarise } from '../measure.js';
import { LeakIndex } from '../../src/secrets/index.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { WorkspaceSecrets } from '../../src/agent/workspace-secrets.js';
import { SqliteWrittenFileStore } from '../../src/agent/sqlite-written-file-store.js';

const SIZES = [10_000, 100_000] as const;
const CHANGED = 10;
const SAMPLES = 7;
const PER_DIR = 100;

/** `files` small files, 100 per directory; all but the last CHANGED are backdated (older than any run). */
function tree(root: string, files: number): string[] {
  const changed: string[] = [];
  const old = new Date(Date.now() - 3_600_000);
  for (let i = 0; i < files; i++) {
    const dir = `d${Math.floor(i / PER_DIR)}`;
    if (i % PER_DIR === 0) mkdirSync(join(root, dir));
    const rel = `${dir}/f${i}.txt`;
    writeFileSync(join(root, rel), `file ${i}\n`);
    if (i >= files - CHANGED) changed.push(rel);
    else utimesSync(join(root, rel), old, old);
  }
  return changed;
}

const suite: Suite = {
  name: 'written-marks',
  async run() {
    const base = mkdtempSync(join(tmpdir(), 'bulwark-bench-marks-'));
    const rows: Array<Array<string | number>> = [];
    const data: Record<string, unknown> = {};
    try {
      const dbFile = join(base, 'bulwark.db');
      const db = openDatabase(dbFile);
      const leaks = new LeakIndex();
      leaks.register('BENCH_KEY', 'bench-key-4fQ9zX2mB7kL1pR8wT3vYb6N');
      const secrets = new WorkspaceSecrets(leaks, {
        maxFiles: 200_000,
        writtenStore: new SqliteWrittenFileStore(db, dbFile),
      });
      for (const files of SIZES) {
        const ws = join(base, `ws-${files}`);
        mkdirSync(ws);
        const changed = tree(ws, files);
        // ctime cannot be backdated: every file is newer than "since" for the ctime test, so "since" is set just
        // before the changed files were written again (their ctime is then the newest).
        await new Promise((r) => setTimeout(r, 50));
        const since = Date.now();
        await new Promise((r) => setTimeout(r, 20));
        for (const rel of changed) writeFileSync(join(ws, rel), 'rewritten\n');
        const walk: number[] = [];
        const list: number[] = [];
        for (let s = 0; s < SAMPLES; s++) {
          let t = performance.now();
          await secrets.markWritten(ws, since, 'a bench run');
          walk.push(performance.now() - t);
          t = performance.now();
          await secrets.markWritten(ws, since, 'a bench run', changed);
          list.push(performance.now() - t);
        }
        const w = summarise(walk);
        const l = summarise(list);
        rows.push([files, w.p50, l.p50, Number((w.p50 / l.p50).toFixed(1))]);
        data[`files_${files}`] = { walkMs: w, listMs: l };
        rmSync(ws, { recursive: true, force: true });
      }
      db.close();
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
    return {
      name: 'written-marks',
      markdown: [
        '## Marking a tainted run’s written files (L08.1)',
        '',
        markdownTable(
          ['workspace files', 'stat walk p50 (ms)', `effects list of ${CHANGED} paths p50 (ms)`, 'walk / list'],
          rows,
        ),
        '',
        `${CHANGED} files changed by the run, marked in a SQLite store (WAL) each time; ${SAMPLES} interleaved samples.`,
      ].join('\n'),
      data,
      checks: [],
    };
  },
};

export default suite;
