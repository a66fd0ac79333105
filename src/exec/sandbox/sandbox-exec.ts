/**
 * The sandbox-exec provider (macOS): a deny-default SBPL profile generated for each run (sbpl.ts) from the
 * workspace, a private temporary directory and the approved runtime paths. No broker network yet.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result, childPath } from '../../core/index.js';
import type { ExecConfig } from '../../config/index.js';
import type { RunSpec, SandboxProvider, SpawnPlan } from './provider.js';
import { buildSbplProfile, SANDBOX_EXEC_PATH } from './sbpl.js';
import { commandShell } from './shell.js';

export interface SandboxExecOptions {
  readonly runtimePaths: readonly string[];
  /** Where per-run temporary directories are created (default: the OS temp dir). */
  readonly tmpRoot?: string;
}

export class SandboxExecProvider implements SandboxProvider {
  readonly mode = 'sandbox-exec' as const;

  constructor(private readonly o: SandboxExecOptions) {}

  supports(network: ExecConfig['network']): boolean {
    return network !== 'broker';
  }

  prepare(spec: RunSpec): Result<SpawnPlan, BulwarkError> {
    if (!this.supports(spec.network))
      return err(
        bulwarkError('exec.network.broker_unavailable', 'network mode broker is not available with sandbox-exec yet', {
          layer: 'L11.5',
          status: 403,
        }),
      );
    let tmp: string;
    try {
      tmp = realpathSync(mkdtempSync(childPath(this.o.tmpRoot ?? tmpdir(), 'bulwark-run-')));
    } catch (cause) {
      return err(
        bulwarkError('exec.tmp', `cannot create the run's temporary directory: ${describeCause(cause)}`, {
          layer: 'L11.5',
        }),
      );
    }
    let profile: string;
    try {
      profile = buildSbplProfile({
        workspace: spec.workspace,
        tmp,
        protectedPaths: spec.protectedPaths,
        runtimePaths: this.o.runtimePaths,
        network: spec.network === 'host' ? 'host' : 'none',
      });
    } catch (cause) {
      rmSync(tmp, { recursive: true, force: true });
      return err(
        bulwarkError('exec.sandbox_profile', `cannot write a sandbox profile for this run: ${describeCause(cause)}`, {
          layer: 'L11.5',
          status: 403,
        }),
      );
    }
    return ok({
      argv: [
        SANDBOX_EXEC_PATH,
        '-p',
        profile,
        ...commandShell({ command: spec.command, limits: spec.limits, macos: true }),
      ],
      cwd: spec.cwd.host,
      env: spec.childEnv({ home: spec.workspace, tmp }),
      cleanupDir: tmp,
    });
  }

  close(): void {
    // Nothing is prepared ahead.
  }
}
