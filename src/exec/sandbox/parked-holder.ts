/**
 * Overlay holders (overlay-holder.ts) parked ahead of transactional runs (see parked-pool.ts): each has its run
 * directories, its private mount namespace and its size-capped upper tmpfs ready, and sits in its run's cgroup,
 * blocked on its parameter pipe. A run then only makes upper/ and work/, sends the identity and the workspace,
 * and writes bwrap's options; the holder mounts the overlay (never ahead: the workspace may change between runs)
 * and starts bwrap. The holder joins its cgroup itself (holder-start.ts), dies with the daemon (its PID namespace
 * with it) and on EOF.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { childPath, randomHex } from '../../core/index.js';
import type { CgroupPool } from '../cgroup.js';
import { BWRAP_HARDENING } from './bwrap-args.js';
import { PARAMS_FD, parkedHolderArgv, viewPointName } from './overlay-holder.js';
import { ParkedPool, readyByte } from './parked-pool.js';
import { holderCgroupEnv } from './holder-start.js';
import { ARGS_FD } from './provider.js';

export interface HolderParkSpec {
  readonly setpriv: string;
  readonly unshare: string;
  readonly bwrapPath: string;
  readonly seccompFile?: string;
  /** Root-only directory for per-run directories (as openOverlayView uses). */
  readonly viewsDir: string;
  /** Where merged views are mounted inside each namespace (a directory every user can traverse). */
  readonly mountParent: string;
  /** The daemon's owner tag: mount points are named after it (orphans.ts). */
  readonly ownerTag?: string;
  readonly quotaKb: number;
  /** Most entries the upper layer may hold (exec.limits.workspaceFiles). */
  readonly maxFiles: number;
  readonly etcStubs: { readonly passwd: string; readonly group: string };
  /** Fixed argv of the command's shell inside bwrap; the command arrives later (see shell.ts). */
  readonly shell: readonly string[];
  /** The holder's environment: PATH for its tools (mount, setpriv, getfattr, cp) and the owner tag (orphans.ts). */
  readonly env: Readonly<Record<string, string>>;
}

export class ParkedHolderPool extends ParkedPool {
  constructor(spec: HolderParkSpec, cgroups: CgroupPool, size: number, onError: (problem: string) => void) {
    super(
      (seccompFd, cgroup) => {
        const id = `${Date.now()}-${randomHex(6)}`;
        const runDir = childPath(spec.viewsDir, id);
        const mountPoint = childPath(spec.mountParent, viewPointName(spec.ownerTag, id));
        try {
          mkdirSync(spec.viewsDir, { recursive: true, mode: 0o700 });
          mkdirSync(runDir, { mode: 0o700 });
          mkdirSync(childPath(runDir, 't'), { mode: 0o700 });
          mkdirSync(mountPoint, { mode: 0o700 });
        } catch (cause) {
          for (const d of [runDir, mountPoint]) rmSync(d, { recursive: true, force: true });
          throw cause;
        }
        let child: ChildProcess;
        const gone = () => {
          for (const d of [runDir, mountPoint]) rmSync(d, { recursive: true, force: true });
        };
        const bwrap = [spec.bwrapPath, ...BWRAP_HARDENING, '--args', String(ARGS_FD), '--', ...spec.shell];
        try {
          const argv = parkedHolderArgv(
            spec,
            { runDir, mountPoint, quotaKb: spec.quotaKb, maxFiles: spec.maxFiles },
            spec.etcStubs,
            bwrap,
          );
          // argv[0] is setpriv (holderStart).
          child = spawn(spec.setpriv, argv.slice(1), {
            cwd: '/',
            env: { ...spec.env, ...holderCgroupEnv(cgroup) },
            stdio: ['pipe', 'pipe', 'pipe', seccompFd ?? 'ignore', 'pipe', 'pipe'],
            detached: true,
            windowsHide: true,
          });
        } catch (cause) {
          gone();
          throw cause;
        }
        return { child, view: { runDir, mountPoint }, ready: readyByte(child, PARAMS_FD), joinsCgroup: true };
      },
      spec.seccompFile,
      cgroups,
      size,
      onError,
    );
  }
}
