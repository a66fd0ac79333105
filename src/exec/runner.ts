/**
 * Runs one command through the exec gates in the order src/pipelines.ts declares (`execPipeline`; L12 tool policy
 * sits above, in the tool-call pipeline). The gates are built here (exec-pipeline.ts says their shape):
 *
 *   L11.2 command policy → L11.3 env denylist → L11.4 working directory (safePath, then the workspace lock)
 *   → L11.6 child env allow-list → L11.8 write quota
 *   → L11.5 OS sandbox: hold the run's processes (cgroup, or a sandbox parked ahead) → broker session → workspace
 *     view (a copy-on-write overlay sized by the quota) → the provider's plan with the child env → spawn → wait
 *     (timeout and abort kill) → cgroup empty (overlay unmounted)
 *   → L11.7 effects: judge the effect set, hold it for the operator or refuse it, apply and journal → audit.
 *   Then, whatever happened: broker session closed, sandbox released, workspace unlocked.
 *
 * Without copy-on-write views (not root, no overlayfs) the view is the workspace itself with persistence paths
 * read-only and quarantined (L11.7 reported degraded).
 *
 * Every refusal names its gate and is audited (`security:blocked`); every run is audited (`tool:exec`).
 */
import { realpathSync } from 'node:fs';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  type EventBus,
  type EventContext,
  type SecurityEvent,
  type GateId,
  err,
  ok,
  type Result,
  relativeTo,
  safePath,
} from '../core/index.js';
import type { BrokerSpawn, BrokerSpawnContext, BrokerSpawner, EgressJudge } from './broker-access.js';
import type { CgroupPool, SandboxCgroup } from './cgroup.js';
import { evaluateCommand, type CommandVerdict } from './command-policy.js';
import type { ExecConfig } from '../config/index.js';
import { buildChildEnv, checkModelEnv } from './env-policy.js';
import { protectedEntries, type ProtectedEntry } from './protected-paths.js';
import { RunHandle } from './run-handle.js';
import type { ChildPaths, RunSpec, SandboxMode, SandboxProvider } from './sandbox/provider.js';
import { spawnRun, type Exit } from './spawn.js';
import type { MemoryKilled } from './memory-cgroup.js';
import { judgeEffects, type ApproveEffects, type EffectsDeps, type EffectsReport } from './effects-gate.js';
import { describeHostRunFile } from './effects/host-run.js';
import type { OverlayLowers } from './overlay-lowers.js';
import { openOverlayView, type OverlayView } from './overlay-view.js';
import { sandboxIdentity } from './sandbox-identity.js';
import { handGitLeftovers } from './git-leftovers.js';
import { describeHeld, HeldUppers, quotaLeftKb } from './held-uppers.js';
import { openDirectView, type WorkspaceView } from './workspace-view.js';
import { readOnlyBinds, type ReadOnlyTree } from './read-only-trees.js';
import { WorkspaceLease, WorkspaceLocks } from './workspace-locks.js';
import {
  checkExecPipeline,
  requiredExecPipeline,
  type ExecGate,
  type ExecGateSet,
  type ExecItem,
  type ExecPipeline,
  type ExecPipelineDecl,
} from './exec-pipeline.js';

declare module '../core/events.js' {
  interface EventMap {
    /** One exec run (or a run that failed to start): sandbox, network, outcome, exit code. */
    'tool:exec': SecurityEvent;
  }
}

export interface ExecRequest {
  readonly command: string;
  /** Folders outside the workspace the run sees read-only under /skills (the agent's enabled skills). */
  readonly readOnly?: readonly ReadOnlyTree[];
  /** Working directory relative to the workspace. */
  readonly cwd?: string;
  /** Variables the model asks for (checked by L11.3). */
  readonly env?: unknown;
  readonly timeoutMs?: number;
  readonly stdin?: string;
  readonly signal?: AbortSignal;
  /** Asks the operator about a held effect set (L11.7); without it a held set is discarded. */
  readonly approveEffects?: ApproveEffects;
  /** Judge the effects but apply nothing. */
  readonly dryRun?: boolean;
  /** L08.1: the broker asks it about each request of this run (exec.network: broker). */
  readonly egress?: EgressJudge;
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
  /** The kernel killed processes of the run at its memory cap (exec.limits.memoryMb). */
  readonly memoryKilled?: MemoryKilled;
  readonly sandbox: SandboxMode;
  readonly network: ExecConfig['network'];
  /** Persistence paths the command created (e.g. .bashrc, .mcp.json), moved out of the workspace. */
  readonly quarantined: readonly string[];
  /** What L11.7 did with the run's changes; absent when the run had no copy-on-write view. */
  readonly effects?: EffectsReport;
}

export interface ExecRunnerDeps {
  readonly config: ExecConfig;
  readonly provider: SandboxProvider;
  /** Every refusal and run is audited: a runner that cannot audit does not run. */
  readonly bus: EventBus;
  /** Ready pids cgroups (absent when the host has none: the process count is then unbounded). */
  readonly cgroups?: CgroupPool;
  /** One broker session per run, for `exec.network: broker`. */
  readonly brokerSpawner?: BrokerSpawner;
  /** Where persistence files a command created in the workspace are moved to (outside every workspace). */
  readonly quarantineDir?: string;
  /** Copy-on-write views and their judge (L11.7/L11.8); absent when the host cannot mount them. */
  readonly effects?: EffectsDeps & {
    readonly viewsDir: string;
    readonly ownerTag?: string;
    /** Whether overlayfs takes a workspace's filesystem as a lower layer (probed once per filesystem). */
    readonly lowers?: OverlayLowers;
  };
  /**
   * The order of the exec gates, as declared in src/pipelines.ts (`execPipeline`); without it the required gates
   * alone, in their required order (a one-shot CLI run). A list that lacks one or misorders them runs nothing.
   */
  readonly pipeline?: ExecPipelineDecl;
}

/** Turns whose created files are remembered (a file the agent made in this turn may go without asking). */
const TURNS_REMEMBERED = 256;

const SHOWN_COMMAND_CHARS = 1000;

/** Where read-only copies for copy-on-write runs go: a parent every sandbox user can traverse. */
const READ_ONLY_COPY_PARENT = '/tmp';

/** Who an audit line is about: the caller's context and the command as shown (capped). */
interface AuditAt {
  readonly ctx: EventContext;
  readonly shown: string;
}

/** A run that passed L11.2–L11.4 and L11.6: what the sandbox and effects steps work from. */
interface CheckedRun extends ExecItem {
  /** Real path of the workspace. */
  readonly real: string;
  readonly cwd: RunSpec['cwd'];
  readonly childEnv: (paths: ChildPaths) => Record<string, string>;
}

export class ExecRunner {
  private readonly config: ExecConfig;
  private readonly provider: SandboxProvider;
  private readonly bus: EventBus;
  private readonly protectedList: ProtectedEntry[];
  private readonly locks = new WorkspaceLocks();
  private readonly live = new Set<RunHandle>();
  private readonly releasing = new Set<RunHandle>();
  /** Upper layers of held runs, per workspace: they count toward the next runs' quota (L11.8). */
  private readonly heldUppers = new HeldUppers();
  /** workspace + turn → paths created in that turn (exec effects and the write tools). */
  private readonly createdInTurn = new Map<string, Set<string>>();

  /** Runs that started from a sandbox prepared ahead (the rest joined their cgroup during the run). */
  parkedRuns = 0;

  /** The exec gates in the declared order: what every run passes, and nothing else. */
  readonly pipeline: ExecPipeline;
  /** The declared list, checked: a list that lacks a required gate or misorders them runs nothing. */
  readonly checked: Result<ExecPipeline, BulwarkError>;

  constructor(private readonly deps: ExecRunnerDeps) {
    this.config = deps.config;
    this.provider = deps.provider;
    this.bus = deps.bus;
    this.protectedList = protectedEntries(deps.config.protectedPaths);
    this.pipeline = (deps.pipeline ?? requiredExecPipeline)(this.gates());
    this.checked = checkExecPipeline(this.pipeline);
  }

  get mode(): SandboxMode {
    return this.provider.mode;
  }

  /** True when runs get a copy-on-write view and their effects are judged (L11.7). */
  get transactional(): boolean {
    return this.deps.effects !== undefined && this.provider.overlay === true;
  }

  /** Paths created in a turn: a later deletion of them in the same turn needs no operator. */
  createdThisTurn(workspace: string, turn: string | undefined): ReadonlySet<string> {
    return this.createdInTurn.get(`${workspace}\0${turn ?? ''}`) ?? new Set();
  }

  noteCreated(workspace: string, turn: string | undefined, paths: readonly string[]): void {
    if (!paths.length) return;
    const key = `${workspace}\0${turn ?? ''}`;
    const set = this.createdInTurn.get(key) ?? new Set<string>();
    for (const p of paths) set.add(p);
    this.createdInTurn.delete(key);
    this.createdInTurn.set(key, set);
    if (this.createdInTurn.size > TURNS_REMEMBERED) {
      const oldest = this.createdInTurn.keys().next().value;
      if (oldest !== undefined) this.createdInTurn.delete(oldest);
    }
  }

  /** L11.2 alone: the verdict on a command line. */
  check(command: string): CommandVerdict {
    return evaluateCommand(command);
  }

  async run(workspace: string, req: ExecRequest, ctx: EventContext = {}): Promise<Result<ExecOutcome, BulwarkError>> {
    const command = typeof req.command === 'string' ? req.command : '';
    const shown = command.slice(0, SHOWN_COMMAND_CHARS);
    if (!this.checked.ok) return this.failed('L11', this.checked.error, { ctx, shown });
    let item: ExecItem = { workspace, req, command, ctx, shown, cleanups: [] };
    const { cleanups } = item;
    try {
      for (const gate of this.pipeline) {
        let r: Result<ExecItem, BulwarkError>;
        try {
          r = await gate.run(item);
        } catch (cause) {
          const why = `${gate.layer} (${gate.name}) failed, so the command was refused: ${describeCause(cause)}`;
          return this.failed(gate.layer, bulwarkError('exec.gate_failed', why, { status: 500 }), item);
        }
        if (!r.ok) return r;
        item = r.value;
      }
    } finally {
      for (const release of cleanups.splice(0).reverse()) await release();
    }
    if (!item.outcome)
      return this.failed(
        'L11',
        bulwarkError('exec.no_outcome', 'the exec pipeline ended without settling the run (see src/pipelines.ts)'),
        item,
      );
    return ok(item.outcome);
  }

  /** The exec gates; the declaration (src/pipelines.ts) picks their order. */
  private gates(): ExecGateSet {
    const gate = (layer: GateId, name: string, run: ExecGate['run']): ExecGate => ({ layer, name, run });
    return {
      command: gate('L11.2', 'command policy', async (item) => {
        const { command } = item;
        // With copy-on-write views a delete inside the workspace is judged on its effects (held, journaled).
        const verdict = evaluateCommand(command, { effectsJudged: this.transactional && !!this.deps.effects });
        if (verdict.decision === 'deny')
          return this.refuse(
            'L11.2',
            bulwarkError(
              'exec.command.denied',
              `command refused by rule ${verdict.ruleId}: ${verdict.reason} (matched: ${verdict.segment ?? command.slice(0, 200)})`,
              { details: { rule: verdict.ruleId, segment: verdict.segment } },
            ),
            item,
            { rule: verdict.ruleId, segment: verdict.segment },
          );
        return ok(item);
      }),
      env: gate('L11.3', 'environment denylist', async (item) => {
        const modelEnv = checkModelEnv(item.req.env);
        if (!modelEnv.ok) return this.refuse('L11.3', modelEnv.error, item);
        return ok({ ...item, modelEnv: modelEnv.value });
      }),
      workdir: gate('L11.4', 'working directory (safePath)', async (item) => {
        let ws: string;
        try {
          ws = realpathSync(item.workspace);
        } catch (cause) {
          const missing = `the workspace ${item.workspace} does not exist: ${describeCause(cause)}`;
          return this.failed('L11.4', bulwarkError('exec.workspace', missing), item);
        }
        // One run at a time per workspace: the persistence-path mounts are planned from what is on disk, and a
        // concurrent run in the same workspace could swap a path for a symlink between the check and bwrap's bind.
        const lease = await WorkspaceLease.take(this.locks, ws);
        item.cleanups.push(() => lease.release());
        const cwd = safePath(ws, item.req.cwd ?? '.');
        if (!cwd.ok) return this.refuse('L11.4', { ...cwd.error, code: `exec.cwd.${cwd.error.code}` }, item);
        return ok({ ...item, real: ws, cwd: { rel: relativeTo(ws, cwd.value), host: cwd.value }, lease });
      }),
      childEnv: gate('L11.6', 'child environment allow-list', async (item) => {
        const extra = item.modelEnv;
        if (!extra) return this.misdeclared('L11.6', 'the checked variables (L11.3)', item);
        // Nothing of the daemon's environment: the allow-list, the model's checked variables, the paths.
        return ok({ ...item, childEnv: (paths: ChildPaths) => buildChildEnv({ ...paths, extra }) });
      }),
      quota: gate('L11.8', 'workspace write quota', async (item) => {
        const limit = this.config.limits.workspaceWriteMb;
        // Held runs keep their upper layers while the operator decides: they count toward the quota.
        const held = item.real !== undefined ? this.heldUppers.of(item.real) : [];
        if (!held.length) return ok({ ...item, quotaMb: limit });
        const leftKb = quotaLeftKb(limit, this.heldUppers.bytes(item.real as string));
        if (leftKb === undefined)
          return this.refuse(
            'L11.8',
            bulwarkError(
              'exec.quota.held',
              `nothing ran: the write quota (L11.8) of this workspace (exec.limits.workspaceWriteMb ${limit} MiB) is taken by ${held.length} held run${held.length === 1 ? '' : 's'} waiting for the operator: ${describeHeld(held)}. Wait until the operator approves or denies ${held.length === 1 ? 'it' : 'them'} (bulwark approvals), then try again`,
              { details: { held: held.length, heldBytes: this.heldUppers.bytes(item.real as string) } },
            ),
            item,
          );
        return ok({ ...item, quotaMb: leftKb / 1024 });
      }),
      sandbox: gate('L11.5', 'OS sandbox', (item) => this.sandboxed(item)),
      effects: gate('L11.7', 'exec effects', async (item) => {
        const ran = item.ran;
        if (!ran) return this.misdeclared('L11.7', 'a finished run (L11.5)', item);
        const run = item as CheckedRun;
        const outcome = ran.overlay
          ? await this.judge(run, ran.overlay, ran.exit)
          : this.settle(run, ran.view as WorkspaceView, ran.exit);
        if (!outcome.ok) return outcome;
        return ok({ ...item, outcome: outcome.value });
      }),
    };
  }

  /** A gate did not find what an earlier gate establishes: the declared list dropped or reordered one. */
  private misdeclared(gate: GateId, what: string, at: AuditAt): Result<never, BulwarkError> {
    const why = `${gate} needs ${what}, which no earlier gate of the exec pipeline established; nothing ran (see src/pipelines.ts)`;
    return this.failed(gate, bulwarkError('exec.gate_order', why), at);
  }

  /**
   * L11.5, with L11.6's environment in the provider's plan and L11.8's quota on the view: the command in the OS
   * sandbox, from hold to an empty cgroup. What holds the run is released when it leaves the pipeline.
   */
  private async sandboxed(item: ExecItem): Promise<Result<ExecItem, BulwarkError>> {
    const { real, cwd, childEnv, quotaMb } = item;
    if (real === undefined || !cwd) return this.misdeclared('L11.5', 'a checked working directory (L11.4)', item);
    if (!childEnv) return this.misdeclared('L11.5', "the child's environment (L11.6)", item);
    const transactional = this.transactional;
    if (transactional && quotaMb === undefined) return this.misdeclared('L11.5', 'the write quota (L11.8)', item);
    const run: CheckedRun = { ...item, real, cwd, childEnv };
    // A workspace whose filesystem overlayfs refuses as a lower layer gets no view: nothing starts, with the reason.
    const lower = transactional ? this.deps.effects?.lowers?.check(real) : undefined;
    if (lower && !lower.ok) return this.failed('L11.7', lower.error, run);
    // Under a root daemon every path drops to an unprivileged host user before the sandbox starts (issue 13 item 5).
    const identity = process.getuid?.() === 0 ? sandboxIdentity(run.real, this.config.sandboxUser) : undefined;
    const runAs = identity && identity.uid !== 0 ? { uid: identity.uid, gid: identity.gid } : undefined;
    if (runAs) {
      const handed = handGitLeftovers(run.real, runAs.uid, runAs.gid);
      if (!handed.ok) return this.failed('L11.5', handed.error, run);
      if (handed.value)
        this.warn(
          run.ctx,
          'git-leftovers',
          `${handed.value} root-owned entr${handed.value === 1 ? 'y' : 'ies'} in .git (left by git run as root on the host) handed to uid ${runAs.uid} so the sandbox's git can write them`,
        );
    }
    // A parked bwrap was started as the daemon's user: a run that drops never takes one.
    const held = this.hold(transactional ? 'view' : runAs ? 'dropped' : 'plain', run.real);
    if (!held.ok) return this.failed('L11.5', held.error, run);
    const handle = held.value;
    item.cleanups.push(() => this.release(handle));
    if (this.config.network === 'broker' && this.provider.supports('broker')) {
      const opened = await this.openBroker({
        ...run.ctx,
        ...(run.req.egress ? { egress: run.req.egress } : {}),
        ...(runAs ? { runAs } : {}),
      });
      if (!opened.ok) return this.failed('L11.5', opened.error, run);
      const broker = opened.value;
      // The session's token dies with the run, whether it ran, failed or was refused.
      item.cleanups.push(() => this.closeBroker(broker, run.ctx));
      return this.inSandbox(item, run, handle, runAs, broker);
    }
    return this.inSandbox(item, run, handle, runAs);
  }

  private async inSandbox(
    item: ExecItem,
    run: CheckedRun,
    handle: RunHandle,
    runAs: { uid: number; gid: number } | undefined,
    broker?: BrokerSpawn,
  ): Promise<Result<ExecItem, BulwarkError>> {
    // The workspace as this run sees it: a copy-on-write view (L11.7, quota L11.8), else the workspace itself.
    let overlay: OverlayView | undefined;
    if (this.transactional && this.deps.effects) {
      const opened = openOverlayView({
        workspace: run.real,
        viewsDir: this.deps.effects.viewsDir,
        ...(this.deps.effects.ownerTag ? { ownerTag: this.deps.effects.ownerTag } : {}),
        ...(handle.prestarted?.view && handle.prestarted.child.pid !== undefined
          ? { parked: { ...handle.prestarted.view, holderPid: handle.prestarted.child.pid } }
          : {}),
        quotaMb: item.quotaMb ?? 0,
        maxFiles: this.config.limits.workspaceFiles,
        identity: sandboxIdentity(run.real, this.config.sandboxUser),
      });
      if (!opened.ok) return this.failed('L11.7', opened.error, run);
      overlay = opened.value;
      if (overlay.upperFd !== undefined) handle.holdFd(overlay.upperFd);
      if (!handle.prestarted?.view) {
        handle.holdDir(overlay.runDir);
        handle.holdDir(overlay.mountPoint);
      }
    }
    const view = overlay
      ? undefined
      : openDirectView({
          workspace: run.real,
          protectedPaths: this.protectedList,
          ...(this.deps.quarantineDir ? { quarantineDir: this.deps.quarantineDir } : {}),
        });
    // A sandbox user (copy-on-write or dropped) cannot reach the data dir: it gets a root-owned copy under /tmp.
    const trees = readOnlyBinds(run.req.readOnly ?? [], overlay || runAs ? READ_ONLY_COPY_PARENT : undefined);
    if (!trees.ok) return this.failed('L11.5', trees.error, run);
    if (trees.value.copied) handle.holdDir(trees.value.copied);
    const plan = this.provider.prepare({
      workspace: view?.root ?? run.real,
      ...(trees.value.binds.length ? { readOnly: trees.value.binds } : {}),
      protectedPaths: view?.protectedPaths ?? [],
      ...(overlay ? { overlay: overlay.spec } : {}),
      cwd: run.cwd,
      command: run.command,
      childEnv: run.childEnv,
      limits: this.config.limits,
      network: this.config.network,
      ...(broker ? { broker } : {}),
      ...(handle.cgroup ? { cgroup: handle.cgroup } : {}),
      ...(handle.prestarted ? { prestarted: handle.prestarted } : {}),
      ...(runAs ? { runAs } : {}),
    });
    if (!plan.ok)
      return plan.error.status === 403 ? this.refuse('L11.5', plan.error, run) : this.failed('L11.5', plan.error, run);
    if (plan.value.cleanupDir) handle.holdDir(plan.value.cleanupDir);
    this.warnings(run);

    const exit = await spawnRun(plan.value, handle, {
      ...(run.req.stdin !== undefined ? { stdin: run.req.stdin } : {}),
      ...(run.req.signal ? { signal: run.req.signal } : {}),
      timeoutMs: Math.min(Math.max(100, run.req.timeoutMs ?? this.config.timeoutMs), this.config.timeoutMs),
      maxOutputBytes: this.config.maxOutputBytes,
      warn: (outcome, reason) => this.warn(run.ctx, outcome, reason),
      ...(overlay ? { answerHolder: (pid: number, q: string) => (overlay as OverlayView).answerHolder(pid, q) } : {}),
    });
    if (!exit.ok) return this.failed('L11.5', exit.error, run);

    // What the run changed is read once nothing of it is left running.
    await handle.emptied();
    const killed = handle.oomKilled();
    const ended: Exit = killed
      ? { ...exit.value, memoryKilled: { processes: killed, limitMb: this.config.limits.memoryMb } }
      : exit.value;
    return ok({ ...item, ran: { exit: ended, ...(overlay ? { overlay } : {}), ...(view ? { view } : {}) } });
  }

  /** The run is over and its cgroup empty: the view applies what it changed, and the run is audited. */
  private settle(run: CheckedRun, view: WorkspaceView, exit: Exit): Result<ExecOutcome, BulwarkError> {
    const settled = view.settle();
    if (!settled.ok) return this.failed('L11.5', settled.error, run);
    const { quarantined } = settled.value;
    if (quarantined.length)
      this.bus.emit('security:blocked', {
        ...run.ctx,
        layer: 'L11.5',
        outcome: 'quarantined',
        reason: `the command created persistence files (${quarantined.join(', ')}); moved out of the workspace`,
        paths: quarantined,
        command: run.shown,
      });
    const o: ExecOutcome = { ...exit, sandbox: this.provider.mode, network: this.config.network, quarantined };
    this.audit(run.ctx, {
      outcome: o.timedOut ? 'timeout' : o.cancelled ? 'cancelled' : 'ran',
      ...(o.memoryKilled ? { memoryKilled: o.memoryKilled.processes } : {}),
      exitCode: o.exitCode,
      durationMs: o.durationMs,
      cwd: run.cwd.rel || '.',
      command: run.shown,
    });
    return ok(o);
  }

  /**
   * L11.7 after a transactional run: the effect set is judged, held or applied; the model gets an honest result
   * either way, and the run is audited with what happened to its changes.
   */
  private async judge(run: CheckedRun, overlay: OverlayView, exit: Exit): Promise<Result<ExecOutcome, BulwarkError>> {
    const settled = overlay.settle(exit);
    if (!settled.ok) {
      const lowers = this.deps.effects?.lowers;
      const refusedLower =
        settled.error.code === 'exec.effects.mount_refused' && settled.error.details?.['status'] === 'mount-overlay';
      return this.failed(
        'L11.7',
        refusedLower && lowers
          ? lowers.refusedAtRun(run.real, String(settled.error.details?.['reason'] ?? ''))
          : settled.error,
        run,
      );
    }
    const effects = this.deps.effects as EffectsDeps;
    const turn = run.ctx.traceId;
    let releaseHeld = () => undefined as void;
    const held = { set: (release: () => void) => (releaseHeld = release) };
    let judged: Awaited<ReturnType<typeof judgeEffects>>;
    try {
      judged = await judgeEffects(effects, {
        outcome: settled.value,
        workspace: run.real,
        command: run.command,
        cwd: run.cwd.rel,
        createdThisTurn: this.createdThisTurn(run.real, turn),
        ...(run.req.approveEffects
          ? { approve: this.countedWhileHeld(run, held, this.awayFromLock(run.req.approveEffects, run.lease)) }
          : {}),
        ...(run.req.dryRun ? { dryRun: true } : {}),
        meta: {
          ...(turn ? { turn } : {}),
          ...(run.ctx.sessionId ? { sessionId: run.ctx.sessionId } : {}),
          ...(run.ctx.agentId ? { agentId: run.ctx.agentId } : {}),
        },
      });
    } finally {
      // Applied, denied, expired or stale: the held upper layer no longer counts.
      releaseHeld();
    }
    const { report, created } = judged;
    this.noteCreated(run.real, turn, created);
    if (
      report.status === 'refused' ||
      report.status === 'held-denied' ||
      (report.status === 'discarded' && (report.gate === 'L11.8' || report.gate === 'L11.5'))
    )
      this.bus.emit('security:blocked', {
        ...run.ctx,
        layer: report.gate ?? 'L11.7',
        outcome: report.status,
        reason: report.reason ?? report.status,
        paths: report.changes.slice(0, 50).map((c) => c.path),
        command: run.shown,
      });
    const o: ExecOutcome = {
      ...exit,
      sandbox: this.provider.mode,
      network: this.config.network,
      quarantined: [],
      effects: report,
    };
    this.audit(run.ctx, {
      outcome: o.timedOut ? 'timeout' : o.cancelled ? 'cancelled' : 'ran',
      ...(o.memoryKilled ? { memoryKilled: o.memoryKilled.processes } : {}),
      exitCode: o.exitCode,
      durationMs: o.durationMs,
      cwd: run.cwd.rel || '.',
      command: run.shown,
      effects: report.status,
      files: report.changes.length,
      bytesWritten: report.bytesWritten,
      ...(report.held ? { held: true } : {}),
      ...(report.journalId ? { journal: report.journalId } : {}),
      // Not in the undo journal: the audit line is where the owner finds what the host will run.
      ...(report.hostRun?.length
        ? { hostRun: report.hostRun.slice(0, 50).map(describeHostRunFile), hostRunCount: report.hostRun.length }
        : {}),
    });
    return ok(o);
  }

  /** While the operator decides, the held run's upper layer counts toward the workspace's quota (L11.8). */
  private countedWhileHeld(
    run: CheckedRun,
    held: { set(release: () => void): void },
    approve: ApproveEffects,
  ): ApproveEffects {
    return (h) => {
      held.set(
        this.heldUppers.hold(run.real, {
          command: run.shown,
          bytes: h.bytesWritten,
          effectHash: h.effectHash,
          ...(run.ctx.sessionId ? { sessionId: run.ctx.sessionId } : {}),
        }),
      );
      return approve(h);
    };
  }

  /**
   * The operator is asked without the workspace lock: other runs in the workspace go on while the turn waits, and the
   * held effects are re-read against the workspace once the lock is back (judgeEffects refuses them if they differ
   * from what was shown).
   */
  private awayFromLock(approve: ApproveEffects, lease: WorkspaceLease | undefined): ApproveEffects {
    if (!lease) return approve;
    return async (held) => {
      lease.release();
      try {
        return await approve(held);
      } finally {
        await lease.retake();
      }
    };
  }

  /**
   * The run's process bound: a sandbox started ahead in its own cgroup (a parked bwrap, or a parked holder of a
   * copy-on-write view), else a cgroup from the pool.
   */
  private hold(kind: 'plain' | 'view' | 'dropped', workspace: string): Result<RunHandle, BulwarkError> {
    const problem = (outcome: string, reason: string) => this.warn({}, outcome, reason);
    const prestarted =
      kind === 'view'
        ? this.provider.takePrestartedView?.(workspace)
        : kind === 'plain'
          ? this.provider.takePrestarted?.()
          : undefined;
    if (prestarted) {
      this.parkedRuns++;
      const h = new RunHandle(prestarted.cgroup, this.deps.cgroups, problem, prestarted);
      this.live.add(h);
      return ok(h);
    }
    let cgroup: SandboxCgroup | undefined;
    try {
      cgroup = this.deps.cgroups?.take();
    } catch (cause) {
      return err(
        bulwarkError('exec.cgroup', `cannot create the sandbox cgroup: ${describeCause(cause)}`, { layer: 'L11.5' }),
      );
    }
    const h = new RunHandle(cgroup, this.deps.cgroups, problem);
    this.live.add(h);
    return ok(h);
  }

  private release(h: RunHandle): void {
    this.live.delete(h);
    this.releasing.add(h);
    void h.release().then(() => this.releasing.delete(h));
    // The next sandbox is prepared once this run is over, not while it runs.
    setImmediate(() => this.provider.idle?.());
  }

  private async openBroker(ctx: BrokerSpawnContext): Promise<Result<BrokerSpawn, BulwarkError>> {
    const spawner = this.deps.brokerSpawner;
    const why = 'exec.network is broker, but no broker session could be opened for this run';
    if (!spawner)
      return err(
        bulwarkError(
          'exec.network.broker_unavailable',
          `${why}: the daemon started exec without the broker; enable it (broker.enabled), or use exec.network: none, or host to opt in to the host network`,
          { layer: 'L11.5', status: 403 },
        ),
      );
    try {
      const r = await spawner(ctx);
      return r.ok ? r : err({ ...r.error, message: `${why}: ${r.error.message}` });
    } catch (cause) {
      return err(bulwarkError('exec.network.broker_session', `${why}: ${describeCause(cause)}`, { layer: 'L11.5' }));
    }
  }

  private async closeBroker(spawn: BrokerSpawn, ctx: EventContext): Promise<void> {
    try {
      await spawn.close();
    } catch (cause) {
      this.warn(
        ctx,
        'broker-session-close-failed',
        `the run's broker session did not close cleanly: ${describeCause(cause)}`,
      );
    }
  }

  private warnings({ ctx, shown }: AuditAt): void {
    if (this.provider.mode === 'unsandboxed')
      this.bus.emit('security:warning', {
        ...ctx,
        layer: 'L11.5',
        outcome: 'unsandboxed',
        reason: 'exec.sandbox is off: this command runs without an OS sandbox',
        command: shown,
      });
    if (this.config.network === 'host')
      this.bus.emit('security:warning', {
        ...ctx,
        layer: 'L11.5',
        outcome: 'network-host',
        reason: 'exec.network is host: this command can reach the network',
        command: shown,
      });
  }

  /** A gate refused the command: audited as `security:blocked` with the gate's id. */
  private refuse(
    gate: GateId,
    error: BulwarkError,
    { ctx, shown }: AuditAt,
    extra: Record<string, unknown> = {},
  ): Result<never, BulwarkError> {
    this.bus.emit('security:blocked', {
      ...ctx,
      layer: gate,
      outcome: 'denied',
      reason: error.message,
      ...extra,
      command: shown,
    });
    return err({ ...error, layer: gate, status: error.status ?? 403 });
  }

  /** The run could not be carried out (no workspace, no cgroup, spawn failed): audited as a `tool:exec` error. */
  private failed(gate: GateId, error: BulwarkError, { ctx, shown }: AuditAt): Result<never, BulwarkError> {
    const layer = error.layer ?? gate;
    this.audit(ctx, { layer, outcome: 'error', reason: error.message, command: shown });
    return err({ ...error, layer });
  }

  private audit(ctx: EventContext, payload: Record<string, unknown>): void {
    this.bus.emit('tool:exec', {
      ...ctx,
      layer: 'L11.5',
      sandbox: this.provider.mode,
      network: this.config.network,
      ...payload,
    });
  }

  private warn(ctx: EventContext, outcome: string, reason: string): void {
    this.bus.emit('security:warning', { ...ctx, layer: 'L11.5', outcome, reason });
  }

  /** Resolves when every finished run's cgroup is back and nothing is being prepared (tests, daemon stop). */
  async settled(): Promise<void> {
    while (this.releasing.size || this.provider.busy || this.deps.cgroups?.busy)
      await new Promise((res) => setTimeout(res, 5));
  }

  /** Daemon stop: kills every running command and removes its cgroup, then what was prepared ahead. */
  killAll(): void {
    for (const h of [...this.live, ...this.releasing]) h.destroyNow();
    this.provider.close();
    this.deps.cgroups?.close();
  }
}
