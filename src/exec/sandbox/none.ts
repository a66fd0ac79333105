/**
 * No OS sandbox (`exec.sandbox: off`, the operator's explicit choice): the command runs as the daemon's user in
 * the workspace. Gates L11.2, L11.3, L11.4 and L11.6 still apply, the resource limits and the cgroup too; every
 * run is audited as unsandboxed. Never used for network `broker`: without a sandbox nothing forces traffic
 * through the broker.
 */
import { tmpdir } from 'node:os';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import type { ExecConfig } from '../../config/index.js';
import type { RunSpec, SandboxProvider, SpawnPlan } from './provider.js';
import { commandShell } from './shell.js';

export class NoSandboxProvider implements SandboxProvider {
  readonly mode = 'unsandboxed' as const;

  constructor(private readonly macos = process.platform === 'darwin') {}

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
    return ok({
      argv: commandShell({ command: spec.command, limits: spec.limits, macos: this.macos }),
      cwd: spec.cwd.host,
      env: spec.childEnv({ home: spec.workspace, tmp: tmpdir() }),
    });
  }

  close(): void {
    // Nothing is prepared ahead.
  }
}
