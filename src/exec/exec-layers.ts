/**
 * The honest state of L11 and its gates L11.2–L11.6 on this host with this config, as the exec service
 * reports them. L11 itself takes the state of its weakest gate: the OS sandbox (L11.5).
 */
import type { GateReport, LayerState } from '../core/index.js';
import type { ExecConfig } from '../config/index.js';
import type { SandboxDetection } from './detect.js';
import type { SandboxMode } from './sandbox/provider.js';

export interface ExecLayerInput {
  readonly config: ExecConfig;
  readonly detection: SandboxDetection;
  /** The provider exec runs with; absent when exec is disabled. */
  readonly mode?: SandboxMode;
  /** Whether runs get a copy-on-write view (L11.7, L11.8). */
  readonly overlay?: { readonly available: boolean; readonly reason: string; readonly fix?: string };
  /** Why overlayfs refused configured workspaces as lower layers (their runs are refused). */
  readonly refusedLowers?: readonly string[];
  /** Whether exec.sandboxUser exists (and is not root). */
  readonly sandboxUser?: boolean;
}

/** The gates that hold whatever the host offers, while exec runs at all. */
const GATE_REASONS = {
  'L11.2':
    'every command line is parsed and refused when it must never run (rm -rf /, mkfs, dd to devices, fork bombs, dynamic scripts)',
  'L11.3':
    'variables the model passes are refused when they steer loaders, interpreters or where data goes (LD_PRELOAD, NODE_OPTIONS, HTTPS_PROXY, …)',
  'L11.4': 'the working directory is resolved through safePath (symlinks followed) and must stay inside the workspace',
  'L11.6':
    "the child's environment is built from an allow-list: nothing of the daemon's environment (no API key) reaches it",
} as const;

/** What bounds a sandboxed command on this host, and what does not. */
function bounds(d: SandboxDetection, config: ExecConfig, mode: SandboxMode): { weak: boolean; parts: string[] } {
  const seccompWanted = mode === 'bwrap' && config.seccomp;
  const parts = [
    d.cgroup.available ? `process limit ${config.limits.processes} (cgroup)` : 'NO process limit (no usable cgroup)',
    memoryBound(d, config),
    d.rlimits.available ? 'CPU/memory/file-size limits' : `NO CPU/memory/file-size limits (${d.rlimits.reason})`,
    d.seccomp.available && config.seccomp
      ? 'seccomp filter'
      : `no seccomp (${config.seccomp ? d.seccomp.reason : 'disabled in config'})`,
    `Landlock: ${d.landlock.reason}`,
  ];
  const weak =
    !d.cgroup.available || !d.cgroup.base?.memory || !d.rlimits.available || (seccompWanted && !d.seccomp.available);
  return { weak, parts };
}

/** A run's total memory: capped by its memory cgroup, or — without one — only each process's address space. */
export function memoryBound(d: SandboxDetection, config: ExecConfig): string {
  const mb = config.limits.memoryMb;
  if (d.cgroup.base?.memory) return `memory limit ${mb} MiB per run (cgroup ${d.cgroup.base.memory.kind})`;
  const why = d.cgroup.base ? d.cgroup.base.memoryReason : 'no usable cgroup';
  return `NO memory limit per run (${why}): only ${mb} MiB of address space per process, however many it forks`;
}

/** L11 first, then its gates in order. */
export type ExecGateReports = readonly [GateReport, ...GateReport[]];

export function execGateReports({
  config,
  detection: d,
  mode,
  overlay,
  refusedLowers = [],
  sandboxUser,
}: ExecLayerInput): ExecGateReports {
  let sandbox: { state: LayerState; reason: string };
  let others: LayerState = 'on';
  let othersWhy: string | undefined;
  if (!mode) {
    const why = d.providers.map((p) => `${p.name}: ${p.reason}${p.fix ? ` — fix: ${p.fix}` : ''}`).join('; ');
    sandbox = {
      state: 'degraded',
      reason: `no working OS sandbox (${why}); exec is DISABLED. Fix the sandbox, or set exec.sandbox: off to run commands unsandboxed (audited).`,
    };
    others = 'off';
    othersWhy = 'exec is disabled on this host (no working OS sandbox, see L11.5): no command runs';
  } else if (mode === 'unsandboxed') {
    const { parts } = bounds(d, config, mode);
    sandbox = {
      state: 'off',
      reason: `exec.sandbox: off — commands run WITHOUT an OS sandbox (operator's explicit choice); every run is audited as unsandboxed; ${parts[0]}`,
    };
  } else {
    const { weak, parts } = bounds(d, config, mode);
    sandbox = { state: weak ? 'degraded' : 'on', reason: `${mode}, network ${config.network}; ${parts.join('; ')}` };
  }
  const gate = (id: keyof typeof GATE_REASONS): GateReport => ({
    id,
    state: others,
    reason: othersWhy ?? GATE_REASONS[id],
  });
  // Under a root daemon the sandbox runs as an unprivileged host user (workspace owner or exec.sandboxUser), with a
  // copy-on-write view or without: without that user, root-owned workspaces run as host root on either path.
  if (mode === 'bwrap' && !sandboxUser && sandbox.state === 'on' && process.getuid?.() === 0)
    sandbox = {
      state: 'degraded',
      reason: `${sandbox.reason}; exec.sandboxUser "${config.sandboxUser}" does not exist, so root-owned workspaces and MCP stdio servers run as host root (create it: bulwark init)`,
    };
  const effects: { state: LayerState; reason: string } = !mode
    ? { state: 'off', reason: othersWhy ?? 'exec is disabled' }
    : overlay?.available && refusedLowers.length
      ? {
          state: 'degraded',
          reason: `copy-on-write views work on this host, but not in ${refusedLowers.length} configured workspace${refusedLowers.length === 1 ? '' : 's'}, where exec refuses to run: ${refusedLowers.join('; ')}`,
        }
      : overlay?.available
        ? {
            state: 'on',
            reason: `each command runs on a copy-on-write view (${overlay.reason}); its effects are judged after it ends: host-executed files refused, deletions, truncations and more than ${config.holdOver.files} changed files held for the operator, the rest applied and journaled (bulwark workspace undo)`,
          }
        : {
            state: 'degraded',
            reason: `no copy-on-write view: ${overlay?.reason ?? 'not probed'}${overlay?.fix ? ` — fix: ${overlay.fix}` : ''}; commands change the workspace directly (persistence paths read-only and quarantined)`,
          };
  const quota: { state: LayerState; reason: string } = overlay?.available
    ? {
        state: 'on',
        reason: `one exec may add at most ${config.limits.workspaceWriteMb} MiB (a size-capped upper layer: ENOSPC inside the sandbox, then its changes are discarded)`,
      }
    : {
        state: effects.state === 'off' ? 'off' : 'degraded',
        reason: `no copy-on-write view: only the per-file limit (${config.limits.fileSizeMb} MiB) applies`,
      };
  return [
    { id: 'L11', ...sandbox },
    gate('L11.2'),
    gate('L11.3'),
    gate('L11.4'),
    { id: 'L11.5', ...sandbox },
    gate('L11.6'),
    { id: 'L11.7', ...effects },
    { id: 'L11.8', ...quota },
  ];
}
