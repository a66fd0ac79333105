/**
 * No OS sandbox (`exec.sandbox: off`, the operator's explicit choice): the command runs in the workspace as the
 * daemon's user — under a root daemon as the workspace's owner or exec.sandboxUser, never as root when it can help. Gates L11.2, L11.3, L11.4 and L11.6 still apply, the resource limits and the cgroup too; every
 * run is audited as unsandboxed. Never used for network `broker`: without a sandbox nothing forces traffic
 * through the broker.
 */
import { tmpdir } from 'node:os';
import { bulwarkError, type BulwarkError, describeCause, err, ok, type Result } from '../../core/index.js';
import { bindHolderArgv, makeBindPoint } from './bind-holder.js';
import type { ExecConfig } from '../../config/index.js';
import type { RunSpec, SandboxProvider, SpawnPlan } from './provider.js';
import { commandShell } from './shell.js';

export interface NoSandboxOptions {
  readonly macos?: boolean;
  /** Under a root daemon: the tools of the drop to the sandbox user, and the passwd/group stubs the holder opens. */
  readonly drop?: {
    readonly tools: { readonly setpriv: string; readonly unshare: string };
    readonly stubs: { readonly passwd: string; readonly group: string };
    /** Names the bind points (orphans.ts). */
    readonly ownerTag?: string;
  };
}

export class NoSandboxProvider implements SandboxProvider {
  readonly mode = 'unsandboxed' as const;
  private readonly macos: boolean;
  private readonly drop: NoSandboxOptions['drop'];

  constructor(o: NoSandboxOptions = {}) {
    this.macos = o.macos ?? process.platform === 'darwin';
    this.drop = o.drop;
  }

  supports(network: ExecConfig['network']): boolean {
    return network !== 'broker';
  }

  prepare(spec: RunSpec): Result<SpawnPlan, BulwarkError> {
    if (!this.supports(spec.network))
      return err(
        bulwarkError(
          'exec.network.broker_unsandboxed',
          'exec.network is broker, but exec.sandbox is off: without a sandbox a command could bypass the broker',
          { layer: 'L11.5', status: 403 },
        ),
      );
    const shell = commandShell({ command: spec.command, limits: spec.limits, macos: this.macos });
    const runAs = spec.runAs && spec.runAs.uid !== 0 ? spec.runAs : undefined;
    if (!runAs)
      return ok({ argv: shell, cwd: spec.cwd.host, env: spec.childEnv({ home: spec.workspace, tmp: tmpdir() }) });
    // Under a root daemon the command still runs as the sandbox user, through the bind holder (the data dir above
    // the workspace is root's): it sees its workspace at the bind point.
    if (!this.drop)
      return err(
        bulwarkError(
          'exec.sandbox_user.no_drop',
          'the daemon runs as root and cannot drop the command to an unprivileged user: setpriv or unshare is missing (apt-get install util-linux)',
          { layer: 'L11.5', status: 403 },
        ),
      );
    let bindPoint: string;
    try {
      bindPoint = makeBindPoint(this.drop.ownerTag);
    } catch (cause) {
      return err(
        bulwarkError('exec.sandbox_user.no_drop', `cannot make the workspace's bind point: ${describeCause(cause)}`, {
          layer: 'L11.5',
          status: 403,
        }),
      );
    }
    return ok({
      argv: bindHolderArgv(
        this.drop.tools,
        { workspace: spec.workspace, mountPoint: bindPoint, uid: runAs.uid, gid: runAs.gid, cwd: spec.cwd.rel },
        this.drop.stubs,
        shell,
      ),
      cwd: '/',
      env: spec.childEnv({ home: bindPoint, tmp: tmpdir() }),
      cleanupDir: bindPoint,
    });
  }

  close(): void {
    // Nothing is prepared ahead.
  }
}
