/**
 * The bwrap provider (Linux): the workspace read-write at /workspace, the system read-only, a private /tmp,
 * no network (or the broker's socket, or the host's on explicit opt-in), seccomp, and the run's cgroup joined
 * by the command's shell before anything else runs. A few bwraps are parked ahead in their cgroups
 * (parked-bwrap.ts) so a run does not wait for the cgroup join.
 */
import { bulwarkError, type BulwarkError, describeCause, err, ok, type Result } from '../../core/index.js';
import { rmdirSync } from 'node:fs';
import type { CgroupPool } from '../cgroup.js';
import type { ExecConfig } from '../../config/index.js';
import { protectedMounts } from '../protected-paths.js';
import { buildBwrapArgs, type SystemLayout } from './bwrap-args.js';
import type { EtcStubs } from './etc-stubs.js';
import { GROUP_FD, holderArgv, MERGED_FD, PASSWD_FD } from './overlay-holder.js';
import { ParkedBwrapPool } from './parked-bwrap.js';
import { ParkedHolderPool } from './parked-holder.js';
import {
  ALIVE_FD,
  ARGS_FD,
  SECCOMP_FD,
  type PrestartedSandbox,
  type RunSpec,
  type SandboxProvider,
  type SpawnPlan,
} from './provider.js';
import { commandShell, PARKED_COMMAND_VAR, parkedShell, parkedViewShell } from './shell.js';
import { bindHolderArgv, makeBindPoint } from './bind-holder.js';
import { EXEC_HOLDER, holderStart } from './holder-start.js';
import { OWNER_VAR } from '../orphans.js';
import { seesSameWorkspace } from './same-lower.js';

export const INSIDE_WORKSPACE = '/workspace';
const INSIDE_TMP = '/tmp';
/**
 * The sandbox user inside. Under a root daemon a holder starts bwrap as an unprivileged host user (with a
 * copy-on-write view or without), so this maps to that user; only when there is no such user (degraded, reported
 * by L11.5) does it map to host uid 0.
 */
const SANDBOX_UID = 1000;
/** The holder's PATH for mount, setpriv, getfattr, cp (bwrap clears the environment for the command). */
const HOLDER_PATH = '/usr/sbin:/usr/bin:/sbin:/bin';
const MIB = 1024 * 1024;

export interface BwrapHost {
  readonly bwrapPath: string;
  readonly layout: SystemLayout;
  readonly etcStubs: EtcStubs;
  /** Compiled seccomp filter, opened fresh for every run; absent when seccomp is off or unavailable. */
  readonly seccompFile?: string;
  /** Approved runtime directories bound read-only (e.g. a Node install outside /usr). */
  readonly runtimePaths: readonly string[];
  readonly tmpMb: number;
  /** Absolute paths of setpriv and unshare (util-linux), when the host can run copy-on-write views. */
  readonly overlayTools?: { readonly setpriv: string; readonly unshare: string };
  /** The owner tag every sandbox process carries in its environment (orphans.ts); bwrap clears it for the command. */
  readonly ownerTag?: string;
  /** setpriv and unshare for the drop to the sandbox user on the direct view (root daemon); absent when missing. */
  readonly dropTools?: { readonly setpriv: string; readonly unshare: string };
}

export interface BwrapProviderOptions {
  readonly host: BwrapHost;
  /** With a cgroup pool and a count above 0, that many bwraps are parked ahead (not for network `broker`). */
  readonly park?: {
    readonly cgroups: CgroupPool;
    readonly count: number;
    readonly limits: ExecConfig['limits'];
    readonly onError: (problem: string) => void;
  };
  /**
   * With a cgroup pool, overlay tools and a count above 0, that many overlay holders are parked ahead for
   * transactional runs (not for network `broker`).
   */
  readonly parkViews?: {
    readonly cgroups: CgroupPool;
    readonly count: number;
    readonly limits: ExecConfig['limits'];
    /** Root-only directory for per-run view directories, and where merged views are mounted (see overlay-view.ts). */
    readonly viewsDir: string;
    readonly mountParent: string;
    readonly onError: (problem: string) => void;
  };
}

function refused(code: string, message: string): BulwarkError {
  return bulwarkError(code, message, { layer: 'L11.5', status: 403 });
}

export class BwrapProvider implements SandboxProvider {
  readonly mode = 'bwrap' as const;
  private readonly host: BwrapHost;
  private readonly parked?: ParkedBwrapPool;
  private readonly parkedViews?: ParkedHolderPool;

  constructor(o: BwrapProviderOptions) {
    this.host = o.host;
    if (o.park && o.park.count > 0)
      this.parked = new ParkedBwrapPool(
        {
          bwrapPath: o.host.bwrapPath,
          ...(o.host.seccompFile ? { seccompFile: o.host.seccompFile } : {}),
          argsFd: ARGS_FD,
          aliveFd: ALIVE_FD,
          shell: parkedShell(o.park.limits),
          env: this.tagEnv(),
          ...(o.host.dropTools ? { holder: o.host.dropTools } : {}),
        },
        o.park.cgroups,
        o.park.count,
        o.park.onError,
      );
    const v = o.parkViews;
    if (v && v.count > 0 && o.host.overlayTools)
      this.parkedViews = new ParkedHolderPool(
        {
          ...o.host.overlayTools,
          bwrapPath: o.host.bwrapPath,
          ...(o.host.seccompFile ? { seccompFile: o.host.seccompFile } : {}),
          viewsDir: v.viewsDir,
          mountParent: v.mountParent,
          ...(o.host.ownerTag ? { ownerTag: o.host.ownerTag } : {}),
          quotaKb: v.limits.workspaceWriteMb * 1024,
          maxFiles: v.limits.workspaceFiles,
          etcStubs: o.host.etcStubs,
          shell: parkedViewShell(v.limits),
          env: this.tagEnv({ PATH: HOLDER_PATH }),
        },
        v.cgroups,
        v.count,
        v.onError,
      );
  }

  private tagEnv(env: Record<string, string> = {}): Record<string, string> {
    return this.host.ownerTag ? { ...env, [OWNER_VAR]: this.host.ownerTag } : env;
  }

  supports(): boolean {
    return true;
  }

  get overlay(): boolean {
    return this.host.overlayTools !== undefined;
  }

  takePrestarted(): PrestartedSandbox | undefined {
    return this.parked?.take();
  }

  takePrestartedView(workspace?: string): PrestartedSandbox | undefined {
    if (workspace === undefined) return this.parkedViews?.take();
    return this.parkedViews?.take((p) => p.child.pid !== undefined && seesSameWorkspace(p.child.pid, workspace));
  }

  prepare(spec: RunSpec): Result<SpawnPlan, BulwarkError> {
    const h = this.host;
    if (spec.network === 'broker' && !spec.broker)
      return err(
        refused(
          'exec.network.broker_unavailable',
          'exec.network is broker, but this run has no broker session; enable the broker (broker.enabled), or use exec.network: none, or host to opt in to the host network',
        ),
      );
    const overlay = spec.overlay;
    // On the direct view a drop goes through the bind holder: a parked bwrap (started as root) never serves it.
    const drop = !overlay && spec.runAs && spec.runAs.uid !== 0 ? spec.runAs : undefined;
    if (drop && !h.dropTools)
      return err(
        refused(
          'exec.sandbox_user.no_drop',
          'the daemon runs as root and cannot drop the sandbox to an unprivileged user: setpriv or unshare is missing (apt-get install util-linux)',
        ),
      );
    let bindPoint: string | undefined;
    if (drop) {
      try {
        bindPoint = makeBindPoint(h.ownerTag);
      } catch (cause) {
        return err(
          refused('exec.sandbox_user.no_drop', `cannot make the workspace's bind point: ${describeCause(cause)}`),
        );
      }
    }
    if (overlay && !h.overlayTools)
      return err(
        refused('exec.effects.unavailable', 'this host cannot run copy-on-write views (setpriv/unshare missing)'),
      );
    // A transactional run is never given a parked bwrap (its sandbox must start inside the view's namespace), only
    // a parked holder of a view; a plain run never a holder.
    const prestarted =
      !!overlay === !!spec.prestarted?.view && spec.network !== 'broker' && !drop ? spec.prestarted : undefined;
    const protectedList = overlay ? [] : protectedMounts(spec.workspace, INSIDE_WORKSPACE, spec.protectedPaths);
    const args = buildBwrapArgs({
      bwrapPath: h.bwrapPath,
      layout: h.layout,
      workspace: spec.workspace,
      insideWorkspace: INSIDE_WORKSPACE,
      cwdInside: spec.cwd.rel ? `${INSIDE_WORKSPACE}/${spec.cwd.rel}` : INSIDE_WORKSPACE,
      env: spec.childEnv({ home: INSIDE_WORKSPACE, tmp: INSIDE_TMP }),
      network: spec.network,
      ...(spec.broker ? { broker: spec.broker.access } : {}),
      tmpBytes: h.tmpMb * MIB,
      // On a copy-on-write view nothing is mounted read-only: the effects are judged instead (L11.7).
      // Dropped, the sandbox user reaches the workspace only through the holder's bind point.
      protected: bindPoint
        ? protectedList.map((m) => ({ ...m, host: bindPoint + m.host.slice(spec.workspace.length) }))
        : protectedList,
      ...(overlay || drop ? { fds: { workspace: MERGED_FD, passwd: PASSWD_FD, group: GROUP_FD } } : {}),
      etcStubs: h.etcStubs,
      runtimePaths: h.runtimePaths,
      ...(spec.readOnly ? { readOnly: spec.readOnly } : {}),
      ...(h.seccompFile ? { seccompFd: SECCOMP_FD } : {}),
      // A prestarted bwrap is inside its cgroup already; otherwise the command's shell joins it first thing.
      // Dropped, the shell could not write to the root-owned cgroup.procs: the holder is born in the cgroup instead.
      ...(spec.cgroup && !prestarted && !overlay && !drop
        ? {
            cgroupProcs: spec.cgroup.procsFile,
            ...(spec.cgroup.memoryProcsFile ? { memoryProcs: spec.cgroup.memoryProcsFile } : {}),
          }
        : {}),
      uid: SANDBOX_UID,
      gid: SANDBOX_UID,
      command: commandShell({
        command: spec.command,
        limits: spec.limits,
        // The holder is born inside the cgroup: the command's shell has nothing to join.
        joinCgroup: !!spec.cgroup && !overlay && !drop,
        joinMemory: !!spec.cgroup?.memoryProcsFile,
        ...(spec.network === 'broker' && spec.broker ? { broker: spec.broker } : {}),
      }),
    });
    // NUL separates the options in the pipe: a NUL inside a value would smuggle in an option of its own.
    if (spec.command.includes('\0') || args.some((a) => a.includes('\0'))) {
      if (bindPoint) rmdirSync(bindPoint);
      return err(refused('exec.nul_byte', 'the command line, a path or a variable holds a NUL byte; remove it'));
    }
    // The options go through a pipe (--args), so the sandbox's /proc/1/cmdline shows no host path (workspace,
    // data dir) and no environment. The command after `--` must stay on the command line.
    const dashdash = args.indexOf('--');
    if (overlay && prestarted)
      // A parked holder has its bwrap command line already: the options and the command come through the pipe,
      // the view's identity and workspace through the holder's parameter pipe.
      return ok({
        argv: [],
        argsViaFd: [...args.slice(0, dashdash), '--setenv', PARKED_COMMAND_VAR, spec.command],
        cwd: '/',
        env: {},
        joinsCgroupInside: false,
        prestarted,
        view: overlay,
      });
    if (overlay && h.overlayTools)
      return ok({
        // The holder dies with the daemon (parent-death signal kept across exec), bwrap with the holder.
        argv: holderArgv(h.overlayTools, overlay, h.etcStubs, [
          h.bwrapPath,
          '--args',
          String(ARGS_FD),
          ...args.slice(dashdash),
        ]),
        argsViaFd: args.slice(0, dashdash),
        cwd: '/',
        env: this.tagEnv({ PATH: HOLDER_PATH }),
        ...(h.seccompFile ? { seccompFile: h.seccompFile } : {}),
        joinsCgroupInside: false,
      });
    if (drop && bindPoint && h.dropTools)
      return ok({
        argv: bindHolderArgv(
          h.dropTools,
          { workspace: spec.workspace, mountPoint: bindPoint, uid: drop.uid, gid: drop.gid },
          h.etcStubs,
          [h.bwrapPath, '--args', String(ARGS_FD), ...args.slice(dashdash)],
        ),
        argsViaFd: args.slice(0, dashdash),
        cwd: '/',
        env: this.tagEnv({ PATH: HOLDER_PATH }),
        ...(h.seccompFile ? { seccompFile: h.seccompFile } : {}),
        joinsCgroupInside: false,
        cleanupDir: bindPoint,
      });
    if (prestarted)
      // A parked bwrap has its command line already: the options and the command come through the pipe.
      return ok({
        argv: [],
        argsViaFd: [...args.slice(0, dashdash), '--setenv', PARKED_COMMAND_VAR, spec.command],
        cwd: '/',
        env: {},
        joinsCgroupInside: true,
        prestarted,
      });
    const bwrap = [h.bwrapPath, '--args', String(ARGS_FD), ...args.slice(dashdash)];
    return ok({
      // Under a root daemon a holder starts bwrap, as the first process of a PID namespace that dies with the daemon.
      argv: h.dropTools ? [...holderStart(h.dropTools, EXEC_HOLDER, 'bulwark-bwrap'), ...bwrap] : bwrap,
      argsViaFd: args.slice(0, dashdash),
      cwd: '/',
      env: this.tagEnv(),
      ...(h.seccompFile ? { seccompFile: h.seccompFile } : {}),
      joinsCgroupInside: !!spec.cgroup,
    });
  }

  idle(): void {
    this.parked?.refill();
    this.parkedViews?.refill();
  }

  get busy(): boolean {
    return (this.parked?.busy ?? false) || (this.parkedViews?.busy ?? false);
  }

  close(): void {
    this.parked?.close();
    this.parkedViews?.close();
  }
}
