/**
 * Cost of transactional exec (L11.7/L11.8): `true` and `git status` in a 1,000-file repository, through the exec
 * runner with a copy-on-write view (overlay holder, unprivileged drop, effect set read and judged) against plain
 * sandboxed exec (the same runner without views: parked bwrap on the workspace itself). Interleaved medians.
 * Goals (checked): transactional within 1.5x of plain, and at most 30 ms added for `true`.
 * Also: computing the effect set of 10,000 changed files (scan of the upper layer against the workspace).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, type Suite } from '../../eval/harness.js';
import { summarise, timeSync } from '../measure.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { EventBus } from '../../src/core/events.js';
import { startExec } from '../../src/exec/service.js';
import { decide } from '../../src/exec/effects/decide.js';
import { fsTreeView } from '../../src/exec/host-executed/index.js';
import { mergedView } from '../../src/exec/effects/merged-view.js';
import { PathGlobs } from '../../src/exec/effects/path-globs.js';
import { scanUpper } from '../../src/exec/effects/upper-scan.js';

const N_TRUE = 60;
const N_GIT = 20;
const FILES = 1000;
const CHANGED = 10_000;

function repo(dir: string): void {
  mkdirSync(dir);
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `d${i % 20}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.txt`), `file ${i}\n`);
  }
  const git = (...a: string[]) =>
    execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...a], { cwd: dir });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'bench');
}

const suite: Suite = {
  name: 'exec-effects',
  async run() {
    const root = mkdtempSync(join(tmpdir(), 'bulwark-bench-effects-'));
    try {
      const ws = join(root, 'ws');
      repo(ws);
      const config = ExecConfigSchema.parse({ sandboxUser: 'root' });
      const plain = startExec({ config, runtimeDir: join(root, 'rt-plain'), bus: new EventBus() });
      const tx = startExec({
        config,
        runtimeDir: join(root, 'rt-tx'),
        journalDir: join(root, 'journal'),
        parkedSandboxes: 0,
        bus: new EventBus(),
      });
      if (!plain.ok || !plain.value.runner || !tx.ok || !tx.value.runner || !tx.value.runner.transactional)
        throw new Error('transactional exec is not available on this host (see bulwark doctor)');
      const runners = { plain: plain.value.runner, tx: tx.value.runner };
      const status = 'git -c safe.directory=* status --short >/dev/null';
      const samples = {
        truePlain: [] as number[],
        trueTx: [] as number[],
        gitPlain: [] as number[],
        gitTx: [] as number[],
      };
      const once = async (r: typeof runners.tx, command: string) => {
        const t = process.hrtime.bigint();
        const out = await r.run(ws, { command });
        if (!out.ok || out.value.exitCode !== 0) throw new Error(`${command} failed`);
        return Number(process.hrtime.bigint() - t) / 1000;
      };
      for (let i = 0; i < N_TRUE + 5; i++) {
        const a = await once(runners.plain, 'true');
        const b = await once(runners.tx, 'true');
        if (i >= 5) {
          samples.truePlain.push(a);
          samples.trueTx.push(b);
        }
      }
      for (let i = 0; i < N_GIT + 3; i++) {
        const a = await once(runners.plain, status);
        const b = await once(runners.tx, status);
        if (i >= 3) {
          samples.gitPlain.push(a);
          samples.gitTx.push(b);
        }
      }
      await runners.plain.settled();
      plain.value.stop();
      tx.value.stop();

      // Effect set of 10,000 changed files: an upper layer with every file rewritten, read against the workspace.
      const lower = join(root, 'lower');
      const upper = join(root, 'upper');
      for (const [dir, text] of [
        [lower, 'before'],
        [upper, 'after!'],
      ] as const) {
        for (let i = 0; i < CHANGED; i++) {
          const sub = join(dir, `d${i % 100}`);
          mkdirSync(sub, { recursive: true });
          writeFileSync(join(sub, `f${i}.txt`), `${text} ${i}\n`);
        }
      }
      const policy = { holdOverFiles: 50, disposable: new PathGlobs(config.disposable) };
      const scan = timeSync(
        () => {
          const set = scanUpper({ upper, workspace: lower, xattrs: new Map() });
          const before = fsTreeView(lower);
          decide(set, upper, { before, after: mergedView(set.root, upper, before, lower) }, policy, new Set());
        },
        5,
        1,
      );

      const t = { truePlain: summarise(samples.truePlain), trueTx: summarise(samples.trueTx) };
      const g = { gitPlain: summarise(samples.gitPlain), gitTx: summarise(samples.gitTx) };
      const ms = (us: number) => us / 1000;
      const trueRatio = t.trueTx.p50 / t.truePlain.p50;
      const trueAdded = ms(t.trueTx.p50 - t.truePlain.p50);
      const gitRatio = g.gitTx.p50 / g.gitPlain.p50;
      const markdown = [
        markdownTable(
          ['variant', 'p50 ms', 'p99 ms', 'mean ms'],
          [
            ['plain sandboxed exec `true`', ms(t.truePlain.p50), ms(t.truePlain.p99), ms(t.truePlain.mean)],
            ['transactional exec `true`', ms(t.trueTx.p50), ms(t.trueTx.p99), ms(t.trueTx.mean)],
            [
              `plain sandboxed \`git status\` (${FILES} files)`,
              ms(g.gitPlain.p50),
              ms(g.gitPlain.p99),
              ms(g.gitPlain.mean),
            ],
            [`transactional \`git status\` (${FILES} files)`, ms(g.gitTx.p50), ms(g.gitTx.p99), ms(g.gitTx.mean)],
          ],
        ),
        '',
        markdownTable(
          ['figure', 'value', 'goal'],
          [
            ['transactional / plain, `true` (p50)', trueRatio, '<= 1.5'],
            ['added for `true` (p50, ms)', trueAdded, '<= 30'],
            ['transactional / plain, `git status` (p50)', gitRatio, '<= 1.5'],
            [`effect set + decision, ${CHANGED} changed files (p50, ms)`, ms(scan.p50), '—'],
          ],
        ),
        '',
        'Plain runs start from a bwrap parked in its cgroup; a transactional run cannot (its sandbox must start inside',
        'the view’s mount namespace), so it pays the cgroup join (cgroup v1: an RCU grace period) besides unshare, two',
        'mounts, the drop to the sandbox user and, when the command wrote something, the unmount, getfattr and the copy',
        'of the upper layer.',
      ].join('\n');
      return {
        name: 'exec-effects',
        markdown,
        data: { ...t, ...g, scan, trueRatio, trueAdded, gitRatio },
        checks: [
          { name: 'transactional_true_ratio', value: trueRatio, max: 1.5 },
          { name: 'transactional_true_added_ms', value: trueAdded, max: 30 },
          { name: 'transactional_git_status_ratio', value: gitRatio, max: 1.5 },
        ],
      };
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  },
};

export default suite;
