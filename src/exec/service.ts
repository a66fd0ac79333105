/**
 * What the daemon calls at start and stop. `startExec` probes the host, decides the sandbox mode
 * (never pretending: no working sandbox means exec is disabled unless the operator chose
 * `exec.sandbox: off`), prepares the runtime files, sweeps cgroups a crashed daemon left behind,
 * and says what to log and what L11's state is. `stop()` kills every running command.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { err, ok, type Result } from '../core/result.js';
import { bulwarkError, type BulwarkError } from '../core/errors.js';
import { childPath } from '../core/safe-path.js';
import type { EventBus } from '../core/events.js';
import type { LayerState } from '../core/layers.js';
import { detectSandbox, type SandboxDetection } from './detect.js';
import { buildSeccompFilter } from './seccomp.js';
import { writeEtcStubs } from './etc-stubs.js';
import { sweepStaleCgroups } from './cgroup.js';
import { ExecRunner, type BrokerSpawner, type SandboxRuntime } from './runner.js';
import type { BrokerAccess } from './bwrap-args.js';
import type { ExecConfig } from './config.js';

export interface StartExecOptions {
  readonly config: ExecConfig;
  /** A private directory for runtime files (passwd/group stubs, seccomp filter), e.g. <data dir>/run/exec. */
  readonly runtimeDir: string;
  readonly bus?: EventBus;
  /** Reuse a detection (e.g. from `bulwark doctor`); probed when absent. */
  readonly detection?: SandboxDetection;
  /** A broker access shared by every run (kept for callers that have one); prefer `brokerSpawner`. */
  readonly broker?: BrokerAccess;
  /**
   * Opens one broker session per run (its own token, revoked when the run ends), for `exec.network: broker`.
   * The daemon builds it with `execBrokerSpawner` from src/broker/exec-spawner.ts.
   */
  readonly brokerSpawner?: BrokerSpawner;
  readonly runtimePaths?: readonly string[];
  /** bwrap processes parked in their cgroups ahead of runs (default 2); 0 for a one-shot run (CLI). */
  readonly parkedSandboxes?: number;
}

export interface ExecService {
  readonly detection: SandboxDetection;
  /** Undefined when exec is disabled. */
  readonly runner?: ExecRunner;
  readonly enabled: boolean;
  /** L11's entry for the layer catalogue. */
  readonly layer: { readonly state: LayerState; readonly reason: string };
  /** Lines for the startup log: level and message (what is wrong and what to do). */
  readonly log: ReadonlyArray<{ readonly level: 'info' | 'warn' | 'error'; readonly message: string }>;
  stop(): void;
}

function extras(d: SandboxDetection, config: ExecConfig): string[] {
  return [
    d.cgroup.available ? `process limit ${config.limits.processes} (cgroup)` : 'NO process limit (no usable cgroup)',
    d.rlimits.available ? 'CPU/memory/file-size limits' : `NO CPU/memory/file-size limits (${d.rlimits.reason})`,
    d.seccomp.available && config.seccomp
      ? 'seccomp filter'
      : `no seccomp (${config.seccomp ? d.seccomp.reason : 'disabled in config'})`,
    `Landlock: ${d.landlock.reason}`,
  ];
}

export function startExec(opts: StartExecOptions): Result<ExecService, BulwarkError> {
  const { config } = opts;
  const d = opts.detection ?? detectSandbox();
  const log: Array<{ level: 'info' | 'warn' | 'error'; message: string }> = [];
  if (config.network === 'broker' && !opts.broker && !opts.brokerSpawner) {
    return err(
      bulwarkError(
        'exec.network.broker_unavailable',
        'exec.network is "broker" but the credential broker is not running (enable it with broker.enabled: true and check its start-up log); or set exec.network to "none" (default) or "host" (explicit opt-in)',
        { layer: 'L11' },
      ),
    );
  }
  if (config.network === 'broker' && config.sandbox === 'off') {
    return err(
      bulwarkError(
        'exec.network.broker_unsandboxed',
        'exec.network is "broker" but exec.sandbox is off: without a sandbox a command has the host network and could bypass the broker; use exec.sandbox: auto or bwrap',
        { layer: 'L11' },
      ),
    );
  }
  let provider: SandboxDetection['provider'];
  if (config.sandbox === 'off') provider = undefined;
  else if (config.sandbox === 'bwrap')
    provider = d.providers.find((p) => p.name === 'bwrap' && p.works) ? 'bwrap' : undefined;
  else provider = d.provider;

  const cleanup: string[] = d.cgroup.base ? sweepStaleCgroups(d.cgroup.base) : [];
  for (const c of cleanup) log.push({ level: 'warn', message: `exec: stale sandbox cgroup: ${c}` });

  if (!provider && config.sandbox !== 'off') {
    const why = d.providers.map((p) => `${p.name}: ${p.reason}${p.fix ? ` — fix: ${p.fix}` : ''}`).join('; ');
    const reason = `no working OS sandbox (${why}); exec is DISABLED. Fix the sandbox, or set exec.sandbox: off to run commands unsandboxed (audited).`;
    log.push({ level: 'error', message: `L11 degraded: ${reason}` });
    return ok({ detection: d, enabled: false, layer: { state: 'degraded', reason }, log, stop: () => undefined });
  }

  let runtime: SandboxRuntime;
  const common = {
    ...(d.cgroup.base ? { cgroupBase: d.cgroup.base } : {}),
    ...(opts.broker ? { broker: opts.broker } : {}),
    ...(opts.brokerSpawner ? { brokerSpawner: opts.brokerSpawner } : {}),
    runtimePaths: opts.runtimePaths ?? [],
    ...(opts.parkedSandboxes !== undefined ? { parkedSandboxes: opts.parkedSandboxes } : {}),
    quarantineDir: childPath(opts.runtimeDir, 'quarantine'),
  };
  if (provider === 'bwrap') {
    const bw = d.providers.find((p) => p.name === 'bwrap');
    mkdirSync(opts.runtimeDir, { recursive: true, mode: 0o700 });
    chmodSync(opts.runtimeDir, 0o700);
    const etcStubs = writeEtcStubs(opts.runtimeDir);
    let seccompFile: string | undefined;
    const filter = config.seccomp && d.seccomp.available ? buildSeccompFilter() : undefined;
    if (filter) {
      seccompFile = childPath(opts.runtimeDir, 'seccomp.bpf');
      writeFileSync(seccompFile, filter, { mode: 0o600 });
    }
    runtime = {
      mode: 'bwrap',
      bwrapPath: bw?.path as string,
      ...(d.layout ? { layout: d.layout } : {}),
      etcStubs,
      ...(seccompFile ? { seccompFile } : {}),
      ...common,
    };
  } else if (provider === 'sandbox-exec') {
    runtime = { mode: 'sandbox-exec', ...common };
  } else {
    runtime = { mode: 'unsandboxed', ...common };
  }
  const runner = new ExecRunner(config, runtime, opts.bus);
  const parts = extras(d, config);
  let layer: ExecService['layer'];
  if (runtime.mode === 'unsandboxed') {
    const reason = `exec.sandbox: off — commands run WITHOUT an OS sandbox (operator's explicit choice); every run is audited as unsandboxed`;
    layer = { state: 'off', reason };
    log.push({ level: 'warn', message: `L11 off: ${reason}` });
  } else {
    const weak = !d.cgroup.available || !d.rlimits.available;
    const reason = `${runtime.mode}, network ${config.network}; ${parts.join('; ')}`;
    layer = { state: weak ? 'degraded' : 'on', reason };
    log.push({ level: weak ? 'warn' : 'info', message: `L11 ${layer.state}: ${reason}` });
  }
  if (config.network === 'host')
    log.push({
      level: 'warn',
      message: 'exec.network is host: sandboxed commands can reach the host network and the internet (explicit opt-in)',
    });
  return ok({
    detection: d,
    runner,
    enabled: true,
    layer,
    log,
    stop: () => runner.killAll(),
  });
}
