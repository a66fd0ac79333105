/**
 * The seam between the exec runner and an OS sandbox (gate L11.5). A provider turns one run's `RunSpec` into a
 * `SpawnPlan` — argv, environment, working directory and the file descriptors the spawn needs — and nothing
 * else: it does not spawn, wait, kill or clean up (the runner and its RunHandle do, the same way for every
 * provider). Three providers: bwrap (Linux), sandbox-exec (macOS) and none (`exec.sandbox: off`).
 */
import type { ChildProcess } from 'node:child_process';
import type { BulwarkError, Result } from '../../core/index.js';
import type { BrokerSpawn } from '../broker-access.js';
import type { SandboxCgroup } from '../cgroup.js';
import type { ExecConfig, ExecLimits } from '../../config/index.js';
import type { ProtectedEntry } from '../protected-paths.js';
import type { ReadOnlyBind } from '../read-only-trees.js';
import type { OverlaySpec } from './overlay-holder.js';

/** Which provider ran a command (in every outcome and `tool:exec` audit line). */
export type SandboxMode = 'bwrap' | 'sandbox-exec' | 'unsandboxed';

/** Where the child's home and temporary directory are, as the child sees them. */
export interface ChildPaths {
  readonly home: string;
  readonly tmp: string;
}

/** One run, as every provider receives it. Everything in it has passed gates L11.2–L11.4. */
export interface RunSpec {
  /**
   * Real host path of the directory the command sees as its workspace: the workspace view's root (today the
   * workspace itself; a copy-on-write view's merged directory once exec effects are judged).
   */
  readonly workspace: string;
  /** Persistence paths inside the workspace that stay read-only (git hooks, shell rc files, …). */
  readonly protectedPaths: readonly ProtectedEntry[];
  /** Folders outside the workspace bound read-only (bwrap only; the other providers show none of them). */
  readonly readOnly?: readonly ReadOnlyBind[];
  /** Working directory, checked by L11.4: relative to the workspace ('' is its root) and as a host path. */
  readonly cwd: { readonly rel: string; readonly host: string };
  /** The command line, run by `/bin/sh -c` after the limits are set. */
  readonly command: string;
  /** L11.6: the child's whole environment, built from the allow-list for the paths this provider chooses. */
  childEnv(paths: ChildPaths): Record<string, string>;
  readonly limits: ExecLimits;
  readonly network: ExecConfig['network'];
  /** This run's broker session (network `broker` only). */
  readonly broker?: BrokerSpawn;
  /** The run's pids cgroup, when the host has one. */
  readonly cgroup?: SandboxCgroup;
  /**
   * A copy-on-write view of the workspace (L11.7): the provider starts the sandbox through the overlay holder,
   * which mounts the view and runs the sandbox as `uid`/`gid`. Only providers with `overlay` set accept it.
   */
  readonly overlay?: OverlaySpec;
  /** A sandbox process the provider started ahead of time (see `SandboxProvider.takePrestarted`). */
  readonly prestarted?: PrestartedSandbox;
  /**
   * Under a root daemon, the unprivileged host user the sandbox runs as (the workspace's owner or
   * exec.sandboxUser): the provider drops to it before the sandbox starts, on every path.
   */
  readonly runAs?: { readonly uid: number; readonly gid: number };
}

/** A sandbox process started before its run, already bound by its own cgroup (bwrap's parked pool). */
export interface PrestartedSandbox {
  readonly child: ChildProcess;
  readonly cgroup: SandboxCgroup;
  /** The seccomp filter opened for it; closed when the run is released. */
  readonly seccompFd?: number;
  /**
   * A parked overlay holder (parked-holder.ts): its per-run directories, made at park time and removed with the
   * run; the view of the run uses them.
   */
  readonly view?: { readonly runDir: string; readonly mountPoint: string };
}

/** stdio slots beyond 0–2 a plan may ask for; the same numbers inside bwrap's process. */
export const SECCOMP_FD = 3;
export const ARGS_FD = 4;
export const ALIVE_FD = 5;

export interface SpawnPlan {
  /** Program and arguments; empty when the plan adopts a prestarted sandbox. */
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** Opened read-only and passed as fd SECCOMP_FD. */
  readonly seccompFile?: string;
  /** Options written NUL-separated to a pipe at fd ARGS_FD (bwrap `--args`), so no host path shows in argv. */
  readonly argsViaFd?: readonly string[];
  /**
   * The command's shell joins the run's cgroup itself (bwrap binds its cgroup.procs) after proving the daemon
   * alive on a pipe at fd ALIVE_FD. Otherwise the child is born inside the cgroup.
   */
  readonly joinsCgroupInside?: boolean;
  /** A per-run directory the provider created; removed when the run is released. */
  readonly cleanupDir?: string;
  /** Adopt this prestarted sandbox instead of spawning: its options go through ARGS_FD. */
  readonly prestarted?: PrestartedSandbox;
  /** With a parked overlay holder: the view it mounts, given to it through its parameter pipe. */
  readonly view?: OverlaySpec;
}

export interface SandboxProvider {
  readonly mode: SandboxMode;
  /** The network modes this provider can confine. */
  supports(network: ExecConfig['network']): boolean;
  /** True when runs can be given a copy-on-write view (`RunSpec.overlay`). */
  readonly overlay?: boolean;
  /** A sandbox started ahead of time, already inside its cgroup; undefined when none is ready. */
  takePrestarted?(): PrestartedSandbox | undefined;
  /**
   * The same for a transactional run: a holder parked with its namespace and upper layer ready — one that sees
   * `workspace` (a real path) as the daemon does, when given.
   */
  takePrestartedView?(workspace?: string): PrestartedSandbox | undefined;
  /** L11.5: the plan for one run, or a refusal naming the problem. */
  prepare(spec: RunSpec): Result<SpawnPlan, BulwarkError>;
  /** A run has ended: time to prepare ahead again (never while a run is starting). */
  idle?(): void;
  /** True while the provider prepares something in the background (tests and stop wait for it). */
  readonly busy?: boolean;
  /** Daemon stop: everything prepared ahead is killed. */
  close(): void;
}
