/**
 * Cost of transactional exec (L11.7/L11.8): `true` and `git status` in a 1,000-file repository, through the exec
 * runner with a copy-on-write view (overlay holder, unprivileged drop, effect set read and judged) against plain
 * sandboxed exec (the same runner without views: parked bwrap on the workspace itself). Both start from what they
 * park between runs (a bwrap, an overlay holder), as the daemon does. Interleaved medians of wall time; CPU time
 * (the daemon's and its reaped children's, parking included) in separate blocks, since the machine is shared.
 * Goals (checked): transactional within 1.5x of plain, and at most 30 ms added for `true`.
 * Also: computing the effect set of 10,000 changed files (scan of the upper layer against the workspace), and the
 * leak check of a run's new content: how long the event loop waits at most while it runs.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { markdownTable, type Suite } from '../../eval/harness.js';
import { summarise, timeAsync } from '../measure.js';
import { LeakIndex } from '../../src/secrets/index.js';
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
const N_FRESH = 10;
const FILES = 1000;
const CHANGED = 10_000;
/** New content a run leaves for the leak scan: hex-dump lines, the leak index's slowest everyday kind. */
const SCANNED_MB = 32;

/** `xxd`-like lines of random bytes. */
function hexDump(bytes: number): string {
  const raw = randomBytes(bytes);
  const lines: string[] = [];
  for (let off = 0; off < raw.length; off += 16) {
    const row = raw.subarray(off, off + 16).toString('hex');
    lines.push(`${off.toString(16).padStart(8, '0')}: ${row.replace(/(.{4})/g, '$1 ').trim()}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * The leak check of a run's new content with 100 vault values registered: its total time and the longest time the
 * event loop waited meanwhile (what every other session, the gateway and streaming answers wait at most).
 */
async function leakScanStall(root: string): Promise<{ totalMs: number; longestStallMs: number; mb: number }> {
  const leak = new LeakIndex();
  for (let i = 0; i < 100; i++) leak.register(`SECRET_${i}`, `tok_${randomBytes(24).toString('base64url')}`);
  const upper = join(root, 'scan-upper');
  const ws = join(root, 'scan-ws');
  mkdirSync(upper);
  mkdirSync(ws);
  const files: Record<string, number> = {};
  for (let i = 0; i < SCANNED_MB / 8; i++) {
    const text = hexDump(Math.floor((8 * 1024 * 1024) / 3.2));
    writeFileSync(join(upper, `dump${i}.txt`), text);
    files[`dump${i}.txt`] = Buffer.byteLength(text);
  }
  const set = {
    effects: Object.entries(files).map(([path, bytes]) => ({ path, change: 'created' as const, bytes, mode: 0o644 })),
    bytesWritten: Object.values(files).reduce((a, b) => a + b, 0),
    root: { path: '', lowerSource: '', redirected: false, opaque: false, mode: 0o755, entries: new Map() },
  };
  const policy = {
    holdOverFiles: 50,
    disposable: new PathGlobs([]),
    leakCheck: (text: string) => (leak.scan(text)[0] ? 'found' : undefined),
  };
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  const start = performance.now();
  last = start;
  await decide(set, upper, { before: fsTreeView(ws), after: fsTreeView(upper) }, policy, new Set());
  const totalMs = performance.now() - start;
  longest = Math.max(longest, performance.now() - last);
  clearInterval(timer);
  return { totalMs, longestStallMs: longest, mb: set.bytesWritten / 1024 / 1024 };
}

/** CPU milliseconds so far: this process, and its children once reaped (clock ticks of /proc/self/stat). */
function cpuMs(): { self: number; children: number } {
  const u = process.cpuUsage();
  const f = (readFileSync('/proc/self/stat', 'utf8').split(') ')[1] ?? '').split(' ');
  const tick = 10;
  return { self: (u.user + u.system) / 1000, children: (Number(f[13]) + Number(f[14])) * tick };
}

function repo(dir: string): void {
  mkdirSync(dir);
  // Files older than the index: a status does not find them racily clean (and rewrite the index) every time.
  const past = new Date(Date.now() - 60_000);
  for (let i = 0; i < FILES; i++) {
    const sub = join(dir, `d${i % 20}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(join(sub, `f${i}.txt`), `file ${i}\n`);
    utimesSync(join(sub, `f${i}.txt`), past, past);
  }
  const git = (...a: string[]) =>
    execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...a], { cwd: dir });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'bench');
}

/**
 * `dir` (kept, so what is parked for it stays valid) emptied and filled by a fresh clone of `from`: files written
 * just before the index, nothing backdated, so the first `git status` finds entries racily clean and rewrites the
 * index, as after a real clone.
 */
function freshClone(from: string, dir: string): void {
  for (const name of readdirSync(dir)) rmSync(join(dir, name), { recursive: true, force: true });
  execFileSync('git', ['clone', '-q', '--no-local', from, dir]);
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
        const us = Number(process.hrtime.bigint() - t) / 1000;
        // What is parked for the next run is prepared between runs, as between a daemon's tool calls.
        await r.settled();
        return us;
      };
      /** CPU per run of one variant alone (daemon + children, parking included), ms. */
      const cpuPerRun = async (r: typeof runners.tx, command: string, n: number) => {
        const a = cpuMs();
        for (let i = 0; i < n; i++) await once(r, command);
        const b = cpuMs();
        return { self: (b.self - a.self) / n, children: (b.children - a.children) / n };
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
      const cpu = {
        truePlain: await cpuPerRun(runners.plain, 'true', N_TRUE),
        trueTx: await cpuPerRun(runners.tx, 'true', N_TRUE),
        gitPlain: await cpuPerRun(runners.plain, status, N_GIT),
        gitTx: await cpuPerRun(runners.tx, status, N_GIT),
      };
      // The honest row: each sample a fresh clone (for each variant its own), its first status paying the index
      // rewrite; the transactional run pays it in the view, and an identical rewrite is never applied.
      const freshDirs = { plain: join(root, 'fresh-plain'), tx: join(root, 'fresh-tx') };
      mkdirSync(freshDirs.plain);
      mkdirSync(freshDirs.tx);
      const fresh = { plain: [] as number[], tx: [] as number[] };
      const freshCpu = { plain: { self: 0, children: 0 }, tx: { self: 0, children: 0 } };
      const onceIn = async (r: typeof runners.tx, dir: string, command: string) => {
        const c0 = cpuMs();
        const t0 = process.hrtime.bigint();
        const out = await r.run(dir, { command });
        if (!out.ok || out.value.exitCode !== 0) throw new Error(`${command} failed in ${dir}`);
        const us = Number(process.hrtime.bigint() - t0) / 1000;
        await r.settled();
        const c1 = cpuMs();
        return { us, self: c1.self - c0.self, children: c1.children - c0.children };
      };
      for (let i = 0; i < N_FRESH + 1; i++) {
        for (const k of ['plain', 'tx'] as const) {
          freshClone(ws, freshDirs[k]);
          const m = await onceIn(runners[k], freshDirs[k], status);
          if (i === 0) continue;
          fresh[k].push(m.us);
          freshCpu[k].self += m.self / N_FRESH;
          freshCpu[k].children += m.children / N_FRESH;
        }
      }
      const parked = { plain: runners.plain.parkedRuns, tx: runners.tx.parkedRuns };
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
      const scan = await timeAsync(
        async () => {
          const set = scanUpper({ upper, workspace: lower, xattrs: new Map() });
          const before = fsTreeView(lower);
          await decide(set, upper, { before, after: mergedView(set.root, upper, before, lower) }, policy, new Set());
        },
        5,
        1,
      );
      const stall = await leakScanStall(root);

      const t = { truePlain: summarise(samples.truePlain), trueTx: summarise(samples.trueTx) };
      const g = { gitPlain: summarise(samples.gitPlain), gitTx: summarise(samples.gitTx) };
      const ms = (us: number) => us / 1000;
      const trueRatio = t.trueTx.p50 / t.truePlain.p50;
      const trueAdded = ms(t.trueTx.p50 - t.truePlain.p50);
      const gitRatio = g.gitTx.p50 / g.gitPlain.p50;
      const f = { plain: summarise(fresh.plain), tx: summarise(fresh.tx) };
      const freshRatio = f.tx.p50 / f.plain.p50;
      const markdown = [
        markdownTable(
          ['variant', 'p50 ms', 'p99 ms', 'mean ms', 'CPU ms/run daemon', 'CPU ms/run children'],
          [
            [
              'plain sandboxed exec `true`',
              ms(t.truePlain.p50),
              ms(t.truePlain.p99),
              ms(t.truePlain.mean),
              cpu.truePlain.self,
              cpu.truePlain.children,
            ],
            [
              'transactional exec `true`',
              ms(t.trueTx.p50),
              ms(t.trueTx.p99),
              ms(t.trueTx.mean),
              cpu.trueTx.self,
              cpu.trueTx.children,
            ],
            [
              `plain sandboxed \`git status\` (${FILES} files)`,
              ms(g.gitPlain.p50),
              ms(g.gitPlain.p99),
              ms(g.gitPlain.mean),
              cpu.gitPlain.self,
              cpu.gitPlain.children,
            ],
            [
              `transactional \`git status\` (${FILES} files)`,
              ms(g.gitTx.p50),
              ms(g.gitTx.p99),
              ms(g.gitTx.mean),
              cpu.gitTx.self,
              cpu.gitTx.children,
            ],
            [
              `plain sandboxed \`git status\`, fresh clone, not backdated (${FILES} files)`,
              ms(f.plain.p50),
              ms(f.plain.p99),
              ms(f.plain.mean),
              freshCpu.plain.self,
              freshCpu.plain.children,
            ],
            [
              `transactional \`git status\`, fresh clone, not backdated (${FILES} files)`,
              ms(f.tx.p50),
              ms(f.tx.p99),
              ms(f.tx.mean),
              freshCpu.tx.self,
              freshCpu.tx.children,
            ],
          ],
        ),
        '',
        markdownTable(
          ['figure', 'value', 'goal'],
          [
            ['transactional / plain, `true` (p50)', trueRatio, '<= 1.5'],
            ['added for `true` (p50, ms)', trueAdded, '<= 30'],
            ['transactional / plain, `git status` (p50; files backdated, index never rewritten)', gitRatio, '<= 1.5'],
            [
              'transactional / plain, `git status` on a fresh clone (p50; index rewritten in the view)',
              freshRatio,
              '—',
            ],
            [`effect set + decision, ${CHANGED} changed files (p50, ms)`, ms(scan.p50), '—'],
            [
              `leak check of ${stall.mb.toFixed(0)} MiB of new hex-dump content, 100 vault values: total / longest event-loop wait (ms)`,
              `${stall.totalMs.toFixed(0)} / ${stall.longestStallMs.toFixed(0)}`,
              '—',
            ],
            ['runs started parked (plain / transactional)', `${parked.plain} / ${parked.tx}`, '—'],
          ],
        ),
        '',
        'Plain runs start from a bwrap parked in its cgroup; transactional runs from an overlay holder parked in its',
        'cgroup with its mount namespace and upper tmpfs ready, so a run pays the overlay mount, the drop to the sandbox',
        'user and bwrap; when the command left only directories (git status: index.lock made and removed), a walk with',
        'shell builtins and the daemon’s comparison of the still-mounted merged view with the workspace (no process; the',
        'xattr dump only when that cannot tell), the directories then read on the holder’s tmpfs through a descriptor;',
        'when it wrote files, the unmount, the quota check, the xattr dump and the copy of the upper layer.',
        'In the first two `git status` rows the repository’s files are older than its index (a status that finds them',
        'racily clean rewrites the index on every run in a view, since an identical rewrite is never applied). The',
        '"fresh clone" rows do not backdate: each sample is a new clone (its own per variant) and its first status,',
        'which rewrites the index — in the view, for the transactional run — as an operator’s first status would.',
        'CPU columns: process.cpuUsage of the daemon and the reaped children (10 ms ticks), per run, parking included;',
        'the machine is shared, so wall times are noisy.',
      ].join('\n');
      return {
        name: 'exec-effects',
        markdown,
        data: { ...t, ...g, fresh: f, freshCpu, freshRatio, scan, stall, trueRatio, trueAdded, gitRatio, cpu, parked },
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
