/**
 * What the daemon calls at start and stop. `startExec` probes the host, picks the sandbox provider (never
 * pretending: no working sandbox means exec is disabled unless the operator chose `exec.sandbox: off`),
 * prepares the runtime files, sweeps cgroups a crashed daemon left behind, and reports the state of L11 and
 * its gates L11.2–L11.6. `stop()` kills every running command.
 */
import { chmodSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import {
  bulwarkError,
  type BulwarkError,
  type EventBus,
  type LayerReporter,
  type LayerState,
  err,
  ok,
  type Result,
  childPath,
} from '../core/index.js';
import type { BrokerSpawner } from './broker-access.js';
import { CgroupPool, cgroupLimits, sweepStaleCgroups } from './cgroup.js';
import type { ExecConfig } from '../config/index.js';
import { detectSandbox, firstExisting, type SandboxDetection } from './detect.js';
import { execGateReports, type ExecGateReports } from './exec-layers.js';
import { Journal } from './effects/journal.js';
import { PathGlobs } from './effects/path-globs.js';
import { OverlayLowers } from './overlay-lowers.js';
import { probeOverlay, type OverlaySupport } from './overlay-probe.js';
import { ownerTag, sweepOrphans, type TaggedPoints } from './orphans.js';
import { BIND_PARENT, BIND_PREFIX } from './sandbox/bind-holder.js';
import { MOUNT_PARENT } from './overlay-view.js';
import { VIEW_PREFIX } from './sandbox/overlay-holder.js';
import { SERVICE_POINT_PREFIX } from './sandbox/service-holder.js';
import type { ExecPipelineDecl } from './exec-pipeline.js';
import { ExecRunner } from './runner.js';
import { usableSandboxUser } from './sandbox-identity.js';
import { BwrapProvider, type BwrapHost } from './sandbox/bwrap.js';
import { writeEtcStubs } from './sandbox/etc-stubs.js';
import { NoSandboxProvider } from './sandbox/none.js';
import type { SandboxProvider } from './sandbox/provider.js';
import { SandboxExecProvider } from './sandbox/sandbox-exec.js';
import { startServiceSandbox, type ServiceProcess, type ServiceSpec } from './sandbox/service-sandbox.js';
import { buildSeccompFilter } from './sandbox/seccomp.js';

export interface StartExecOptions {
  readonly config: ExecConfig;
  /** A private directory for runtime files (passwd/group stubs, seccomp filter, quarantine), e.g. <data dir>/run/exec. */
  readonly runtimeDir: string;
  /** Every refusal, run and warning is audited here: exec does not start without it. */
  readonly bus: EventBus;
  /** Reuse a detection (e.g. from `bulwark doctor`); probed when absent. */
  readonly detection?: SandboxDetection;
  /**
   * Opens one broker session per run (its own token, revoked when the run ends), for `exec.network: broker`.
   * The daemon builds it with `execBrokerSpawner` from src/broker/exec-spawner.ts.
   */
  readonly brokerSpawner?: BrokerSpawner;
  readonly runtimePaths?: readonly string[];
  /** bwrap processes parked in their cgroups ahead of runs (default 2); 0 for a one-shot run (CLI). */
  readonly parkedSandboxes?: number;
  /**
   * Where the undo journal keeps pre-images (outside every workspace and view), e.g. <data dir>/journal. Without
   * it, runs get no copy-on-write view (L11.7 off).
   */
  readonly journalDir?: string;
  /** The leak index's check of new file content (L11.7 refuses a known secret value written to a file). */
  readonly leakCheck?: (text: string) => string | undefined;
  /** Audits a journal entry dropped to make room. */
  readonly onJournalDrop?: (workspace: string, entryId: string, bytes: number) => void;
  /** The order of the exec gates (src/pipelines.ts `execPipeline`); the required gates alone when absent. */
  readonly pipeline?: ExecPipelineDecl;
  /**
   * The configured workspaces (real paths that exist): each one's filesystem is probed at start as the lower layer
   * of a view, and one overlayfs refuses is reported (L11.7 degraded). Others are probed at their first run.
   */
  readonly workspaces?: readonly string[];
}

export interface ExecService extends LayerReporter {
  readonly detection: SandboxDetection;
  /** Undefined when exec is disabled. */
  readonly runner?: ExecRunner;
  readonly enabled: boolean;
  /** L11's own entry (its gates are in `layers()`). */
  readonly layer: { readonly state: LayerState; readonly reason: string };
  /** Lines for the startup log: level and message (what is wrong and what to do). */
  readonly log: ReadonlyArray<{ readonly level: 'info' | 'warn' | 'error'; readonly message: string }>;
  /** The undo journal (absent without copy-on-write views). */
  readonly journal?: Journal;
  /** Starts a long-lived sandboxed service (an MCP server over stdio); absent unless bwrap runs commands. */
  readonly startService?: (spec: ServiceSpec) => Result<ServiceProcess, BulwarkError>;
  /**
   * The host user services run as under a root daemon (exec.sandboxUser): a service's broker session must be opened
   * for it (BrokerSpawnContext.runAs). Absent: services run as the daemon's own user.
   */
  readonly serviceRunAs?: { readonly uid: number; readonly gid: number };
  stop(): void;
}

type LogLine = ExecService['log'][number];

const PARKED_DEFAULT = 2;
const CGROUP_POOL_SIZE = 2;

function startError(code: string, message: string): Result<never, BulwarkError> {
  return err(bulwarkError(code, message, { layer: 'L11.5' }));
}

/** Which provider the config asks for and the host allows; undefined when none works. */
function chooseProvider(config: ExecConfig, d: SandboxDetection): SandboxDetection['provider'] | 'none' | undefined {
  if (config.sandbox === 'off') return 'none';
  if (config.sandbox === 'bwrap') return d.providers.some((p) => p.name === 'bwrap' && p.works) ? 'bwrap' : undefined;
  return d.provider;
}

function service(
  d: SandboxDetection,
  reports: ExecGateReports,
  log: LogLine[],
  runner?: ExecRunner,
  journal?: Journal,
  host?: BwrapHost,
  serviceRunAs?: { readonly uid: number; readonly gid: number },
): ExecService {
  const [l11] = reports;
  return {
    name: 'exec',
    detection: d,
    ...(runner ? { runner } : {}),
    ...(host
      ? { startService: (spec: ServiceSpec) => startServiceSandbox(host, spec, d.cgroup.base, serviceRunAs) }
      : {}),
    ...(host && serviceRunAs ? { serviceRunAs } : {}),
    ...(journal ? { journal } : {}),
    enabled: runner !== undefined,
    layer: { state: l11.state, reason: l11.reason },
    log,
    layers: () => reports,
    stop: () => runner?.killAll(),
  };
}

/** Under a root daemon: setpriv and unshare, with which every sandbox drops to an unprivileged user. */
function dropTools(): { dropTools: { setpriv: string; unshare: string } } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const find = (name: string) =>
    firstExisting(['/usr/bin', '/bin', '/usr/sbin', '/sbin'].map((d) => childPath(d, name)));
  const setpriv = find('setpriv');
  const unshare = find('unshare');
  return setpriv && unshare ? { dropTools: { setpriv, unshare } } : undefined;
}

/** bwrap's runtime files (passwd/group stubs, the compiled seccomp filter) in the private runtime directory. */
function bwrapHost(
  opts: StartExecOptions,
  d: SandboxDetection,
  overlay: OverlaySupport,
): Result<BwrapHost, BulwarkError> {
  const { config } = opts;
  const bw = d.providers.find((p) => p.name === 'bwrap');
  if (!bw?.path || !d.layout) return startError('exec.runtime', 'bwrap was detected without its path or layout');
  mkdirSync(opts.runtimeDir, { recursive: true, mode: 0o700 });
  chmodSync(opts.runtimeDir, 0o700);
  const filter = config.seccomp && d.seccomp.available ? buildSeccompFilter() : undefined;
  const seccompFile = filter ? childPath(opts.runtimeDir, 'seccomp.bpf') : undefined;
  if (filter && seccompFile) writeFileSync(seccompFile, filter, { mode: 0o600 });
  return ok({
    bwrapPath: bw.path,
    layout: d.layout,
    etcStubs: writeEtcStubs(opts.runtimeDir),
    ...(seccompFile ? { seccompFile } : {}),
    runtimePaths: opts.runtimePaths ?? [],
    tmpMb: config.limits.tmpMb,
    ...(overlay.tools ? { overlayTools: overlay.tools } : {}),
    ...(dropTools() ?? {}),
    ownerTag: ownerTag(opts.runtimeDir),
  });
}

/** Where runs leave host-side mount points named after the owner tag (swept at start: see orphans.ts). */
export const TAGGED_POINTS: readonly TaggedPoints[] = [
  { parent: BIND_PARENT, prefix: BIND_PREFIX },
  { parent: BIND_PARENT, prefix: SERVICE_POINT_PREFIX },
  { parent: MOUNT_PARENT, prefix: VIEW_PREFIX },
];

function sweepLeftovers(opts: StartExecOptions, log: LogLine[]): void {
  const swept = sweepOrphans(opts.runtimeDir, childPath(opts.runtimeDir, 'views'), TAGGED_POINTS);
  for (const k of swept.killed) {
    const reason = `killed sandbox process ${k.pid} (${k.command}) left by the dead daemon ${k.owner} of this data dir`;
    log.push({ level: 'warn', message: `exec: ${reason}` });
    opts.bus.emit('security:warning', { layer: 'L11.5', outcome: 'orphan-swept', reason });
  }
  for (const d of swept.removed) {
    const reason = `removed the empty mount point ${d} a dead daemon of this data dir left`;
    log.push({ level: 'warn', message: `exec: ${reason}` });
    opts.bus.emit('security:warning', { layer: 'L11.5', outcome: 'orphan-swept', reason });
  }
  for (const m of swept.unmounted) {
    const reason = `detached the mount ${m} a dead daemon of this data dir left`;
    log.push({ level: 'warn', message: `exec: ${reason}` });
    opts.bus.emit('security:warning', { layer: 'L11.5', outcome: 'orphan-swept', reason });
  }
  for (const p of swept.problems) log.push({ level: 'error', message: `exec: ${p}` });
}

export function startExec(opts: StartExecOptions): Result<ExecService, BulwarkError> {
  const { config, bus } = opts;
  const d = opts.detection ?? detectSandbox();
  const log: LogLine[] = [];
  if (config.network === 'broker' && !opts.brokerSpawner)
    return startError(
      'exec.network.broker_unavailable',
      'exec.network is "broker" but the credential broker is not running (enable it with broker.enabled: true and check its start-up log); or set exec.network to "none" (default) or "host" (explicit opt-in)',
    );
  if (config.network === 'broker' && config.sandbox === 'off')
    return startError(
      'exec.network.broker_unsandboxed',
      'exec.network is "broker" but exec.sandbox is off: without a sandbox a command has the host network and could bypass the broker; use exec.sandbox: auto or bwrap',
    );
  const chosen = chooseProvider(config, d);

  for (const c of d.cgroup.base ? sweepStaleCgroups(d.cgroup.base) : [])
    log.push({ level: 'warn', message: `exec: stale sandbox cgroup: ${c}` });
  // Sandbox processes and mounts a dead daemon of this data dir left outside any cgroup (see orphans.ts).
  if (process.platform === 'linux') sweepLeftovers(opts, log);

  if (!chosen) {
    const reports = execGateReports({ config, detection: d });
    log.push({ level: 'error', message: `L11 ${reports[0].state}: ${reports[0].reason}` });
    return ok(service(d, reports, log));
  }
  // Copy-on-write views need bwrap (the holder starts it) and a journal to keep pre-images in.
  const overlay: OverlaySupport =
    chosen !== 'bwrap'
      ? {
          available: false,
          reason: `the ${chosen === 'none' ? 'unsandboxed' : chosen} provider runs on the workspace itself`,
        }
      : !opts.journalDir
        ? { available: false, reason: 'no journal directory was given (a one-off probe)' }
        : probeOverlay(childPath(opts.runtimeDir, 'views'));
  const host = chosen === 'bwrap' ? bwrapHost(opts, d, overlay) : undefined;
  // Views a crashed daemon left behind (its runs are gone: nothing of them can be applied any more).
  if (overlay.available) rmSync(childPath(opts.runtimeDir, 'views'), { recursive: true, force: true });
  if (host && !host.ok) return host;

  const warn = (outcome: string) => (reason: string) =>
    bus.emit('security:warning', { layer: 'L11.5', outcome, reason });
  const cgroups = d.cgroup.base
    ? new CgroupPool(d.cgroup.base, cgroupLimits(config.limits), CGROUP_POOL_SIZE, warn('cgroup-pool'))
    : undefined;
  const usable = usableSandboxUser(config.sandboxUser);
  const dropsAll = process.getuid?.() === 0 && usable !== undefined && usable.uid !== 0;
  let provider: SandboxProvider;
  if (host)
    provider = new BwrapProvider({
      host: host.value,
      // Broker runs need a per-run wrapper on bwrap's command line, so they are never parked.
      ...(cgroups && config.network !== 'broker'
        ? {
            park: {
              cgroups,
              // Transactional runs start inside their view's namespace, and under a root daemon with a sandbox user
              // every run drops to it first: a parked bwrap (started as root) would only sit idle.
              count: overlay.available || dropsAll ? 0 : (opts.parkedSandboxes ?? PARKED_DEFAULT),
              limits: config.limits,
              onError: warn('parked-sandbox'),
            },
            ...(overlay.available
              ? {
                  parkViews: {
                    cgroups,
                    count: opts.parkedSandboxes ?? PARKED_DEFAULT,
                    limits: config.limits,
                    viewsDir: childPath(opts.runtimeDir, 'views'),
                    mountParent: MOUNT_PARENT,
                    onError: warn('parked-view'),
                  },
                }
              : {}),
          }
        : {}),
    });
  else if (chosen === 'sandbox-exec') provider = new SandboxExecProvider({ runtimePaths: opts.runtimePaths ?? [] });
  else {
    // Unsandboxed by the operator's choice, yet under a root daemon still not as root (the bind holder's drop).
    const tools = dropTools()?.dropTools;
    provider = new NoSandboxProvider(
      tools
        ? {
            drop: { tools, stubs: { passwd: '/etc/passwd', group: '/etc/group' }, ownerTag: ownerTag(opts.runtimeDir) },
          }
        : {},
    );
  }

  const journal =
    overlay.available && opts.journalDir
      ? new Journal({
          root: opts.journalDir,
          maxBytes: config.journal.maxMb * 1024 * 1024,
          onDrop: (ws, e) => opts.onJournalDrop?.(ws, e.id, e.bytes),
        })
      : undefined;
  const lowers =
    journal && overlay.tools
      ? new OverlayLowers({ unshare: overlay.tools.unshare, scratchParent: childPath(opts.runtimeDir, 'views') })
      : undefined;
  const refusedLowers: string[] = [];
  for (const ws of lowers ? (opts.workspaces ?? []) : []) {
    const checked = lowers?.check(ws);
    if (checked && !checked.ok) refusedLowers.push(checked.error.message);
  }
  const runner = new ExecRunner({
    config,
    provider,
    bus,
    ...(cgroups ? { cgroups } : {}),
    ...(opts.brokerSpawner ? { brokerSpawner: opts.brokerSpawner } : {}),
    quarantineDir: childPath(opts.runtimeDir, 'quarantine'),
    ...(opts.pipeline ? { pipeline: opts.pipeline } : {}),
    ...(journal
      ? {
          effects: {
            journal,
            viewsDir: childPath(opts.runtimeDir, 'views'),
            ownerTag: ownerTag(opts.runtimeDir),
            ...(lowers ? { lowers } : {}),
            policy: {
              holdOverFiles: config.holdOver.files,
              disposable: new PathGlobs(config.disposable),
              disposableHostRun: config.disposableHostRun,
              ...(opts.leakCheck ? { leakCheck: opts.leakCheck } : {}),
            },
          },
        }
      : {}),
  });
  if (!runner.checked.ok) {
    runner.killAll();
    return err(runner.checked.error);
  }
  const sandboxUser = usable;
  const reports = execGateReports({
    config,
    detection: d,
    mode: provider.mode,
    overlay,
    refusedLowers,
    sandboxUser: sandboxUser !== undefined && sandboxUser.uid !== 0,
  });
  const [l11] = reports;
  log.push({ level: l11.state === 'on' ? 'info' : 'warn', message: `L11 ${l11.state}: ${l11.reason}` });
  if (config.network === 'host')
    log.push({
      level: 'warn',
      message: 'exec.network is host: sandboxed commands can reach the host network and the internet (explicit opt-in)',
    });
  for (const why of refusedLowers) log.push({ level: 'error', message: `L11.7: ${why}` });
  if (!overlay.available)
    log.push({
      level: 'warn',
      message: `L11.7 degraded: ${overlay.reason}${overlay.fix ? ` — fix: ${overlay.fix}` : ''}`,
    });
  // Services (MCP stdio servers) run as the sandbox user under a root daemon; without it, as host root (reported).
  const serviceRunAs = dropsAll && usable ? { uid: usable.uid, gid: usable.gid } : undefined;
  if (host && process.getuid?.() === 0 && !serviceRunAs)
    log.push({
      level: 'warn',
      message: `exec: exec.sandboxUser "${config.sandboxUser}" does not exist: MCP stdio servers run as host root inside their sandbox (create it: bulwark init)`,
    });
  return ok(service(d, reports, log, runner, journal, host?.value, serviceRunAs));
}
