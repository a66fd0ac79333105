/**
 * Runs one command through exec layers 2–6, in order:
 *   2 command policy → 3 env denylist → 4 working directory via safePath → 6 allow-listed env → 5 OS sandbox.
 * (Layer 1, tool policy, sits above in L12.) Output is capped (head and tail kept), the timeout and
 * the caller's abort kill the whole process tree, and every run is audited with its sandbox state.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { err, ok, type Result } from '../core/result.js';
import { bulwarkError, describeCause, type BulwarkError } from '../core/errors.js';
import { childPath, relativeTo, safePath } from '../core/safe-path.js';
import type { EventBus, EventContext, SecurityEvent } from '../core/events.js';
import { evaluateCommand, type CommandVerdict } from './command-policy.js';
import { buildChildEnv, checkModelEnv } from './env-policy.js';
import { buildBwrapArgs, type BrokerAccess, type SystemLayout } from './bwrap-args.js';
import {
  missingCreatable,
  protectedEntries,
  protectedMounts,
  quarantineNew,
  type ProtectedEntry,
} from './protected-paths.js';
import { CgroupPool, SandboxCgroup, type CgroupBase } from './cgroup.js';
import { buildSbplProfile, SANDBOX_EXEC_PATH } from './sandbox-exec.js';
import { HeadTailBuffer } from './output-buffer.js';
import { PARKED_COMMAND_VAR, ParkedBwrapPool, type ParkedBwrap } from './parked-bwrap.js';
import type { ExecConfig } from './config.js';

declare module '../core/events.js' {
  interface EventMap {
    /** One exec run (or refusal): sandbox, network, outcome, exit code. */
    'tool:exec': SecurityEvent;
  }
}

export type SandboxMode = 'bwrap' | 'sandbox-exec' | 'unsandboxed';

/** The broker wiring for one spawn: its own session (token, socket), revoked by `close()` when the spawn ends. */
export interface BrokerSpawn {
  readonly access: BrokerAccess;
  /** argv that starts the in-sandbox forwarder, then execs `argv`. */
  wrapCommand(argv: readonly string[]): string[];
  close(): Promise<void>;
}

/** Opens a broker session for one spawn, for the identity that asked (exec network mode `broker`). */
export type BrokerSpawner = (ctx: EventContext) => Promise<Result<BrokerSpawn, BulwarkError>>;

/** What the service resolved at start: which sandbox, and the host facts it needs. */
export interface SandboxRuntime {
  readonly mode: SandboxMode;
  readonly bwrapPath?: string;
  readonly layout?: SystemLayout;
  readonly etcStubs?: { readonly passwd: string; readonly group: string };
  /** Compiled seccomp filter file, opened fresh for every run. */
  readonly seccompFile?: string;
  readonly cgroupBase?: CgroupBase;
  /** A broker access fixed for the whole runtime (every spawn shares it); `brokerSpawner` is preferred. */
  readonly broker?: BrokerAccess;
  /** Per-spawn broker sessions: each run gets its own token, revoked when the run ends. */
  readonly brokerSpawner?: BrokerSpawner;
  /** Approved runtime directories bound read-only (e.g. a Node install outside /usr). */
  readonly runtimePaths?: readonly string[];
  /** bwrap processes kept parked in their cgroups ahead of runs (default 2; 0 for a one-shot runner such as the CLI). */
  readonly parkedSandboxes?: number;
  /** Where persistence files a command created in the workspace are moved to (outside every workspace). */
  readonly quarantineDir?: string;
}

export interface ExecRequest {
  readonly command: string;
  /** Working directory relative to the workspace. */
  readonly cwd?: string;
  /** Variables the model asks for (checked by layer 3). */
  readonly env?: unknown;
  readonly timeoutMs?: number;
  readonly stdin?: string;
  readonly signal?: AbortSignal;
}

export interface ExecOutcome {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly durationMs: number;
  readonly sandbox: SandboxMode;
  readonly network: ExecConfig['network'];
  /** Persistence paths the command created (e.g. .bashrc, .mcp.json), moved out of the workspace. */
  readonly quarantined: readonly string[];
}

export const INSIDE_WORKSPACE = '/workspace';

/**
 * The command's own shell sets the resource limits, then evaluates the command line: no helper
 * process. $1 CPU seconds, $2 address space in KiB, $3 file size in 512-byte blocks (POSIX sh
 * units, used by dash and by bash as sh), $4 the command line. `ulimit` without -S sets the hard
 * limit too, so the command cannot raise it again. Positional parameters are cleared as with `sh -c`.
 */
const ULIMITS = 'ulimit -t "$1" && ulimit -v "$2" && ulimit -f "$3" || exit 125; ';
/** Runs the command line held in bulwark_cmd with the positional parameters cleared, as `sh -c` would. */
const EVAL_COMMAND = 'set --; eval "unset bulwark_cmd; $bulwark_cmd"';
export const LIMITS_SCRIPT = `${ULIMITS}bulwark_cmd=$4; ${EVAL_COMMAND}`;
/** First statement of the command's shell under bwrap: join the run's cgroup, or refuse to run. */
export const CGROUP_PROCS_INSIDE = '/run/bulwark/cgroup.procs';
const JOIN_CGROUP = `echo $$ > ${CGROUP_PROCS_INSIDE} || exit 125; `;
/**
 * Before that: prove the daemon is still alive by writing to a socket only the daemon holds the
 * other end of (EPIPE/SIGPIPE when it died). bwrap's --die-with-parent has a window during
 * set-up in which a dying daemon leaves the sandbox orphaned; past this check, the sandbox's
 * pid 1 is surely armed to die with bwrap, and bwrap with the daemon.
 */
const ALIVE_FD = 5;
const DAEMON_ALIVE = `printf x >&${ALIVE_FD} || exit 125; exec ${ALIVE_FD}>&-; `;
/**
 * The same limits, then exec of the argv that follows them ($4…): used when the broker's wrapper
 * (forwarder first, then the command) must run under the limits and inside the cgroup as well.
 */
export const LIMITS_EXEC_SCRIPT = `${ULIMITS}shift 3; exec "$@"`;
/** A parked bwrap's shell (see parked-bwrap.ts): the same limits; the command line comes in PARKED_COMMAND_VAR. */
export const LIMITS_PARKED_SCRIPT = `${ULIMITS}bulwark_cmd=$${PARKED_COMMAND_VAR}; unset ${PARKED_COMMAND_VAR}; ${EVAL_COMMAND}`;
/** macOS refuses RLIMIT_AS changes (ulimit -v); CPU time and file size still apply. */
export const LIMITS_SCRIPT_MACOS = `ulimit -t "$1" && ulimit -f "$3" || exit 125; bulwark_cmd=$4; ${EVAL_COMMAND}`;
const SANDBOX_UID = 1000;

/** $1 $2 $3 of the limit scripts: CPU seconds, address space in KiB, file size in 512-byte blocks. */
function limitArgs(l: ExecConfig['limits']): string[] {
  return [String(l.cpuSeconds), String(l.memoryMb * 1024), String(l.fileSizeMb * 2048)];
}
const ARGS_FD = 4;
const MIB = 1024 * 1024;

function denied(code: string, message: string, details: Record<string, unknown> = {}): BulwarkError {
  return bulwarkError(code, message, { layer: 'L11', status: 403, details });
}

export class ExecRunner {
  private readonly running = new Set<{ child: ChildProcess; cgroup?: SandboxCgroup }>();
  private readonly removing = new Set<SandboxCgroup>();
  private readonly locks = new Map<string, Promise<void>>();
  private readonly protectedList: ProtectedEntry[];
  private readonly pool?: CgroupPool;
  private readonly parked?: ParkedBwrapPool;

  constructor(
    private readonly config: ExecConfig,
    private readonly runtime: SandboxRuntime,
    private readonly bus?: EventBus,
  ) {
    this.protectedList = protectedEntries(config.protectedPaths);
    if (runtime.cgroupBase) {
      this.pool = new CgroupPool(runtime.cgroupBase, config.limits.processes, 2, (problem) =>
        this.bus?.emit('security:warning', { layer: 'L11', outcome: 'cgroup-pool', reason: problem }),
      );
      // Broker runs need a per-run wrapper on bwrap's command line, so they are spawned the usual way.
      const parkedCount = runtime.parkedSandboxes ?? 2;
      if (runtime.mode === 'bwrap' && runtime.bwrapPath && config.network !== 'broker' && parkedCount > 0) {
        this.parked = new ParkedBwrapPool(
          {
            bwrapPath: runtime.bwrapPath,
            ...(runtime.seccompFile ? { seccompFile: runtime.seccompFile } : {}),
            argsFd: ARGS_FD,
            aliveFd: ALIVE_FD,
            shell: ['/bin/sh', '-c', `${DAEMON_ALIVE}${LIMITS_PARKED_SCRIPT}`, 'sh', ...limitArgs(config.limits)],
          },
          this.pool,
          parkedCount,
          (problem) => this.bus?.emit('security:warning', { layer: 'L11', outcome: 'parked-sandbox', reason: problem }),
        );
      }
    }
  }

  /** Runs that started from a parked bwrap (the rest joined their cgroup during the run). */
  parkedRuns = 0;

  get mode(): SandboxMode {
    return this.runtime.mode;
  }

  /** Layer 2 alone: the verdict on a command line. */
  check(command: string): CommandVerdict {
    return evaluateCommand(command);
  }

  private audit(ctx: EventContext, payload: Record<string, unknown>): void {
    this.bus?.emit('tool:exec', {
      ...ctx,
      layer: 'L11',
      sandbox: this.runtime.mode,
      network: this.config.network,
      ...payload,
    });
  }

  async run(workspace: string, req: ExecRequest, ctx: EventContext = {}): Promise<Result<ExecOutcome, BulwarkError>> {
    const command = typeof req.command === 'string' ? req.command : '';
    const shown = command.slice(0, 1000);
    // Layer 2: command policy.
    const verdict = evaluateCommand(command);
    if (verdict.decision === 'deny') {
      this.bus?.emit('security:blocked', {
        ...ctx,
        layer: 'L11',
        outcome: 'denied',
        reason: verdict.reason ?? 'denied',
        rule: verdict.ruleId,
        segment: verdict.segment,
        command: shown,
      });
      return err(
        denied(
          'exec.command.denied',
          `command refused by rule ${verdict.ruleId}: ${verdict.reason} (matched: ${verdict.segment ?? command.slice(0, 200)})`,
          { rule: verdict.ruleId, segment: verdict.segment },
        ),
      );
    }
    // Layer 3: the variables the model passes.
    const env = checkModelEnv(req.env);
    if (!env.ok) {
      this.bus?.emit('security:blocked', {
        ...ctx,
        layer: 'L11',
        outcome: 'denied',
        reason: env.error.message,
        command: shown,
      });
      return env;
    }
    // Layer 4: the working directory stays inside the workspace, symlinks resolved.
    let wsReal: string;
    try {
      wsReal = realpathSync(workspace);
    } catch (cause) {
      return err(bulwarkError('exec.workspace', `the workspace ${workspace} does not exist: ${describeCause(cause)}`));
    }
    // One run at a time per workspace: the persistence-path mounts are planned from what is on
    // disk, and a concurrent run in the same workspace could swap a path for a symlink between
    // the check and bwrap's bind (which follows it on the host).
    const unlock = await this.lockWorkspace(wsReal);
    try {
      return await this.runLocked(wsReal, command, shown, req, env.value, ctx);
    } finally {
      unlock();
    }
  }

  private async lockWorkspace(ws: string): Promise<() => void> {
    const prev = this.locks.get(ws) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.locks.set(ws, tail);
    await prev;
    return () => {
      release();
      if (this.locks.get(ws) === tail) this.locks.delete(ws);
    };
  }

  private async runLocked(
    wsReal: string,
    command: string,
    shown: string,
    req: ExecRequest,
    modelEnv: Record<string, string>,
    ctx: EventContext,
  ): Promise<Result<ExecOutcome, BulwarkError>> {
    const cwd = safePath(wsReal, req.cwd ?? '.');
    if (!cwd.ok) {
      this.bus?.emit('security:blocked', {
        ...ctx,
        layer: 'L11',
        outcome: 'denied',
        reason: cwd.error.message,
        command: shown,
      });
      return err({ ...cwd.error, code: `exec.cwd.${cwd.error.code}`, layer: 'L11' });
    }
    const timeoutMs = Math.min(Math.max(100, req.timeoutMs ?? this.config.timeoutMs), this.config.timeoutMs);
    const rel = relativeTo(wsReal, cwd.value);
    // A bwrap parked in its cgroup ahead of time, when one is ready; else the cgroup is joined during the run.
    const parked = this.parked?.take();
    if (parked) this.parkedRuns++;
    let cgroup: SandboxCgroup | undefined = parked?.cgroup;
    if (!cgroup && this.pool) {
      try {
        cgroup = this.pool.take();
      } catch (cause) {
        return err(bulwarkError('exec.cgroup', `cannot create the sandbox cgroup: ${describeCause(cause)}`));
      }
    }
    let brokerSpawn: BrokerSpawn | undefined;
    if (this.runtime.mode === 'bwrap' && this.config.network === 'broker' && this.runtime.brokerSpawner) {
      const opened = await this.openBrokerSpawn(ctx);
      if (!opened.ok) {
        if (parked) this.abandon(parked);
        else if (cgroup) this.release(cgroup);
        this.audit(ctx, { outcome: 'error', reason: opened.error.message, command: shown });
        return opened;
      }
      brokerSpawn = opened.value;
    }
    try {
      return await this.planAndSpawn(
        wsReal,
        rel,
        cwd.value,
        command,
        shown,
        req,
        modelEnv,
        ctx,
        timeoutMs,
        cgroup,
        brokerSpawn,
        parked,
      );
    } finally {
      // The session's token dies with the spawn, whether it ran, failed or was refused.
      if (brokerSpawn) await this.closeBrokerSpawn(brokerSpawn, ctx);
    }
  }

  private async openBrokerSpawn(ctx: EventContext): Promise<Result<BrokerSpawn, BulwarkError>> {
    const spawner = this.runtime.brokerSpawner as BrokerSpawner;
    try {
      const r = await spawner(ctx);
      if (!r.ok)
        return err({
          ...r.error,
          message: `exec.network is broker, but no broker session could be opened for this run: ${r.error.message}`,
        });
      return r;
    } catch (cause) {
      return err(
        bulwarkError(
          'exec.network.broker_session',
          `exec.network is broker, but no broker session could be opened for this run: ${describeCause(cause)}`,
          { layer: 'L11' },
        ),
      );
    }
  }

  private async closeBrokerSpawn(spawn: BrokerSpawn, ctx: EventContext): Promise<void> {
    try {
      await spawn.close();
    } catch (cause) {
      this.bus?.emit('security:warning', {
        ...ctx,
        layer: 'L11',
        outcome: 'broker-session-close-failed',
        reason: `the run's broker session did not close cleanly: ${describeCause(cause)}`,
      });
    }
  }

  private async planAndSpawn(
    wsReal: string,
    rel: string,
    hostCwd: string,
    command: string,
    shown: string,
    req: ExecRequest,
    modelEnv: Record<string, string>,
    ctx: EventContext,
    timeoutMs: number,
    cgroup: SandboxCgroup | undefined,
    brokerSpawn: BrokerSpawn | undefined,
    parked: ParkedBwrap | undefined,
  ): Promise<Result<ExecOutcome, BulwarkError>> {
    const plan = this.plan(wsReal, rel, hostCwd, command, modelEnv, cgroup, brokerSpawn, !!parked);
    if (!plan.ok) {
      if (parked) this.abandon(parked);
      else if (cgroup) this.release(cgroup);
      return plan;
    }
    if (this.runtime.mode === 'unsandboxed')
      this.bus?.emit('security:warning', {
        ...ctx,
        layer: 'L11',
        outcome: 'unsandboxed',
        reason: 'exec.sandbox is off: this command runs without an OS sandbox',
        command: shown,
      });
    if (this.config.network === 'host')
      this.bus?.emit('security:warning', {
        ...ctx,
        layer: 'L11',
        outcome: 'network-host',
        reason: 'exec.network is host: this command can reach the network',
        command: shown,
      });
    const creatable = this.runtime.quarantineDir ? missingCreatable(wsReal, this.protectedList) : [];
    const spawned = await this.spawnPlan(plan.value, timeoutMs, req, cgroup, parked);
    if (!spawned.ok) {
      this.audit(ctx, { outcome: 'error', reason: spawned.error.message, command: shown });
      return spawned;
    }
    let quarantined: string[] = [];
    if (this.runtime.quarantineDir && creatable.length) {
      try {
        quarantined = quarantineNew(wsReal, creatable, this.runtime.quarantineDir);
      } catch (cause) {
        return err(
          bulwarkError(
            'exec.quarantine',
            `the command created a persistence file that could not be moved out of the workspace: ${describeCause(cause)}`,
            { layer: 'L11' },
          ),
        );
      }
      if (quarantined.length) {
        this.bus?.emit('security:blocked', {
          ...ctx,
          layer: 'L11',
          outcome: 'quarantined',
          reason: `the command created persistence files (${quarantined.join(', ')}); moved out of the workspace`,
          paths: quarantined,
          command: shown,
        });
      }
    }
    const outcome = ok({ ...spawned.value, quarantined });
    const o = outcome.value;
    this.audit(ctx, {
      outcome: o.timedOut ? 'timeout' : o.cancelled ? 'cancelled' : 'ran',
      exitCode: o.exitCode,
      durationMs: o.durationMs,
      cwd: rel || '.',
      command: shown,
    });
    return outcome;
  }

  /**
   * argv of the command's shell: limits first, then the command line. With a broker spawn, the
   * shell execs the broker's wrapper (forwarder, then `/bin/sh -c command`) after the limits.
   */
  private shellArgv(command: string, joinCgroup = false, brokerSpawn?: BrokerSpawn): string[] {
    const limits = limitArgs(this.config.limits);
    const prefix = joinCgroup ? `${DAEMON_ALIVE}${JOIN_CGROUP}` : '';
    if (brokerSpawn)
      return [
        '/bin/sh',
        '-c',
        `${prefix}${LIMITS_EXEC_SCRIPT}`,
        'sh',
        ...limits,
        ...brokerSpawn.wrapCommand(['/bin/sh', '-c', command]),
      ];
    const script = process.platform === 'darwin' ? LIMITS_SCRIPT_MACOS : `${prefix}${LIMITS_SCRIPT}`;
    return ['/bin/sh', '-c', script, 'sh', ...limits, command];
  }

  private plan(
    wsReal: string,
    rel: string,
    hostCwd: string,
    command: string,
    modelEnv: Record<string, string>,
    cgroup: SandboxCgroup | undefined,
    brokerSpawn?: BrokerSpawn,
    parked = false,
  ): Result<SpawnPlan, BulwarkError> {
    const mode = this.runtime.mode;
    if (mode === 'bwrap') {
      const r = this.runtime;
      if (!r.bwrapPath || !r.layout || !r.etcStubs)
        return err(bulwarkError('exec.runtime', 'the bwrap runtime is incomplete; restart the daemon'));
      const broker = brokerSpawn?.access ?? r.broker;
      if (this.config.network === 'broker' && !broker) {
        return err(
          denied(
            'exec.network.broker_unavailable',
            'exec.network is broker, but the credential broker is not available (the daemon started exec without it); enable the broker (broker.enabled), or use exec.network: none, or host to opt in to the host network',
          ),
        );
      }
      const insideCwd = rel ? `${INSIDE_WORKSPACE}/${rel}` : INSIDE_WORKSPACE;
      const env = buildChildEnv({ home: INSIDE_WORKSPACE, tmp: '/tmp', extra: modelEnv });
      const args = buildBwrapArgs({
        bwrapPath: r.bwrapPath,
        layout: r.layout,
        workspace: wsReal,
        insideWorkspace: INSIDE_WORKSPACE,
        cwdInside: insideCwd,
        env,
        network: this.config.network,
        ...(broker ? { broker } : {}),
        tmpBytes: this.config.limits.tmpMb * MIB,
        protected: protectedMounts(wsReal, INSIDE_WORKSPACE, this.protectedList),
        etcStubs: r.etcStubs,
        runtimePaths: r.runtimePaths ?? [],
        ...(r.seccompFile ? { seccompFd: 3 } : {}),
        ...(cgroup && !parked ? { cgroupProcs: cgroup.procsFile } : {}),
        uid: SANDBOX_UID,
        gid: SANDBOX_UID,
        command: this.shellArgv(command, !!cgroup, this.config.network === 'broker' ? brokerSpawn : undefined),
      });
      // The arguments go through a pipe (--args), so the sandbox's /proc/1/cmdline does not show
      // host paths (workspace, data dir) or the environment.
      // (bwrap reads options from the fd; the command after `--` must stay on the command line.)
      const dashdash = args.indexOf('--');
      // NUL separates the options in the pipe: a NUL inside a value would smuggle in an option of its own.
      if (command.includes('\0') || args.some((a) => a.includes('\0')))
        return err(denied('exec.nul_byte', 'the command line, a path or a variable holds a NUL byte; remove it'));
      if (parked) {
        // The parked bwrap already has its command line; the options and the command come through the pipe.
        return ok({
          argv: [],
          argsViaFd: [...args.slice(0, dashdash), '--setenv', PARKED_COMMAND_VAR, command],
          cwd: '/',
          env: {},
          joinsInside: true,
        });
      }
      return ok({
        argv: [r.bwrapPath, '--args', String(ARGS_FD), ...args.slice(dashdash)],
        argsViaFd: args.slice(0, dashdash),
        cwd: '/',
        env: {},
        ...(r.seccompFile ? { seccompFile: r.seccompFile } : {}),
        joinsInside: true,
      });
    }
    if (mode === 'sandbox-exec') {
      if (this.config.network === 'broker')
        return err(
          denied('exec.network.broker_unavailable', 'network mode broker is not available with sandbox-exec yet'),
        );
      const tmp = realpathSync(mkdtempSync(childPath(tmpdir(), 'bulwark-run-')));
      const profile = buildSbplProfile({
        workspace: wsReal,
        tmp,
        protectedPaths: this.protectedList,
        runtimePaths: this.runtime.runtimePaths ?? [],
        network: this.config.network === 'host' ? 'host' : 'none',
      });
      const env = buildChildEnv({ home: wsReal, tmp, extra: modelEnv });
      return ok({
        argv: [SANDBOX_EXEC_PATH, '-p', profile, ...this.shellArgv(command)],
        cwd: hostCwd,
        env,
        cleanupDir: tmp,
      });
    }
    // Unsandboxed (exec.sandbox: off, chosen explicitly by the operator): layers 2, 3, 4 and 6 still apply.
    const env = buildChildEnv({ home: wsReal, tmp: tmpdir(), extra: modelEnv });
    return ok({ argv: this.shellArgv(command), cwd: hostCwd, env });
  }

  private spawnPlan(
    plan: SpawnPlan,
    timeoutMs: number,
    req: ExecRequest,
    cgroup: SandboxCgroup | undefined,
    parked?: ParkedBwrap,
  ): Promise<Result<ExecOutcome, BulwarkError>> {
    const started = Date.now();
    const argv = plan.argv;
    let seccompFd: number | undefined = parked?.seccompFd;
    try {
      if (plan.seccompFile && !parked) seccompFd = openSync(plan.seccompFile, 'r');
    } catch (cause) {
      cgroup?.destroy();
      return Promise.resolve(
        err(bulwarkError('exec.seccomp', `cannot open the seccomp filter: ${describeCause(cause)}`)),
      );
    }
    const stdio: StdioOptions = [
      req.stdin !== undefined ? 'pipe' : 'ignore',
      'pipe',
      'pipe',
      seccompFd ?? 'ignore',
      ...(plan.argsViaFd ? (['pipe'] as const) : []),
      ...(plan.joinsInside && cgroup ? (['pipe'] as const) : []),
    ];
    const stdout = new HeadTailBuffer(this.config.maxOutputBytes);
    const stderr = new HeadTailBuffer(this.config.maxOutputBytes);
    return new Promise((resolve) => {
      let child: ChildProcess;
      try {
        const start = () =>
          spawn(argv[0] as string, argv.slice(1), {
            cwd: plan.cwd,
            env: plan.env,
            stdio,
            detached: true,
            windowsHide: true,
          });
        // The child is born inside the cgroup. (Joining later, once bwrap has built its namespaces,
        // would be ~10 ms faster on cgroup v1, but a daemon killed in between would release the
        // sandbox unbounded: bwrap's --block-fd proceeds on EOF.)
        child = parked ? parked.child : cgroup && !plan.joinsInside ? cgroup.spawnInside(start) : start();
      } catch (cause) {
        if (seccompFd !== undefined) closeSync(seccompFd);
        cgroup?.destroy();
        resolve(err(bulwarkError('exec.spawn', `cannot start the command: ${describeCause(cause)}`)));
        return;
      }
      const entry = { child, ...(cgroup ? { cgroup } : {}) };
      this.running.add(entry);
      let timedOut = false;
      let cancelled = false;
      let settled = false;
      const killTree = () => {
        if (child.pid !== undefined) {
          try {
            process.kill(-child.pid, 'SIGKILL');
          } catch (cause) {
            if ((cause as NodeJS.ErrnoException).code !== 'ESRCH')
              this.bus?.emit('security:warning', {
                layer: 'L11',
                outcome: 'kill-failed',
                reason: describeCause(cause),
              });
          }
        }
        // With --new-session the sandbox is in its own session; bwrap's --die-with-parent and the cgroup take it down.
        if (cgroup) this.release(cgroup);
      };
      const timer = setTimeout(() => {
        timedOut = true;
        killTree();
      }, timeoutMs);
      const onAbort = () => {
        cancelled = true;
        killTree();
      };
      if (req.signal?.aborted) onAbort();
      else req.signal?.addEventListener('abort', onAbort, { once: true });
      if (plan.argsViaFd) {
        const argsPipe = child.stdio[ARGS_FD] as NodeJS.WritableStream | null | undefined;
        if (!argsPipe) killTree();
        else {
          argsPipe.on('error', (e: Error) =>
            this.bus?.emit('security:warning', { layer: 'L11', outcome: 'args-pipe', reason: e.message }),
          );
          argsPipe.end(plan.argsViaFd.map((a) => `${a}\0`).join(''));
        }
      }
      const alive =
        (plan.joinsInside && cgroup) || parked
          ? (child.stdio as unknown as ReadonlyArray<NodeJS.ReadableStream | null | undefined>)[ALIVE_FD]
          : undefined;
      alive?.resume();
      child.stdout?.on('data', (c: Buffer) => stdout.push(c));
      child.stderr?.on('data', (c: Buffer) => stderr.push(c));
      if (child.stdin) {
        // EPIPE when the command exits without reading its input: not an error of the run.
        child.stdin.on('error', () => undefined as void);
        // A parked bwrap's stdin is always a pipe: end it at once when there is no input.
        child.stdin.end(req.stdin ?? '');
      }
      const finish = (result: Result<ExecOutcome, BulwarkError>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        if (seccompFd !== undefined) closeSync(seccompFd);
        if (cgroup) this.release(cgroup);
        if (plan.cleanupDir) rmSync(plan.cleanupDir, { recursive: true, force: true });
        this.running.delete(entry);
        resolve(result);
        // The next parked sandbox is prepared once this run is over, not while it runs.
        if (parked) setImmediate(() => this.parked?.refill());
      };
      child.on('error', (e) => finish(err(bulwarkError('exec.spawn', `cannot start the command: ${e.message}`))));
      child.on('close', (code, sig) => {
        finish(
          ok({
            exitCode: code,
            signal: sig,
            timedOut,
            cancelled,
            stdout: stdout.text(),
            stderr: stderr.text(),
            stdoutTruncated: stdout.truncated,
            stderrTruncated: stderr.truncated,
            durationMs: Date.now() - started,
            sandbox: this.runtime.mode,
            network: this.config.network,
            quarantined: [],
          }),
        );
      });
    });
  }

  /** A parked bwrap taken for a run that will not start: killed, its pipes and seccomp fd closed, its cgroup emptied. */
  private abandon(p: ParkedBwrap): void {
    if (p.child.pid !== undefined) {
      try {
        process.kill(-p.child.pid, 'SIGKILL');
      } catch (cause) {
        if ((cause as NodeJS.ErrnoException).code !== 'ESRCH')
          this.bus?.emit('security:warning', { layer: 'L11', outcome: 'kill-failed', reason: describeCause(cause) });
      }
    }
    for (const s of p.child.stdio) s?.destroy();
    if (p.seccompFd !== undefined) closeSync(p.seccompFd);
    this.release(p.cgroup);
  }

  /** Kills what is left in a run's cgroup and gives it back to the pool once it is empty. */
  private release(cgroup: SandboxCgroup): void {
    if (this.removing.has(cgroup)) return;
    this.removing.add(cgroup);
    const done = this.pool ? this.pool.put(cgroup) : cgroup.destroyAsync();
    void done.then((problem) => {
      this.removing.delete(cgroup);
      if (problem)
        this.bus?.emit('security:warning', { layer: 'L11', outcome: 'cgroup-cleanup-failed', reason: problem });
    });
  }

  /** Resolves when every finished run's cgroup is gone (tests, daemon stop). */
  async settled(): Promise<void> {
    while (this.removing.size || this.parked?.busy || this.pool?.busy) await new Promise((res) => setTimeout(res, 5));
  }

  /** Daemon stop: kills every running command and removes its cgroup. */
  killAll(): void {
    for (const { child, cgroup } of this.running) {
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch (cause) {
          if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') throw cause;
        }
      }
      cgroup?.destroy();
    }
    for (const c of this.removing) c.destroy();
    this.parked?.close();
    this.pool?.close();
  }
}

interface SpawnPlan {
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly seccompFile?: string;
  readonly cleanupDir?: string;
  /**
   * bwrap: the command's shell joins the cgroup itself (its cgroup.procs is bound into the sandbox)
   * before anything else runs, so bwrap builds its namespaces outside the cgroup — doing that
   * inside a pids cgroup costs ~10 ms more on cgroup v1.
   */
  readonly joinsInside?: boolean;
  /** bwrap arguments written NUL-separated to fd ARGS_FD. */
  readonly argsViaFd?: readonly string[];
}
