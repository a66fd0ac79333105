/**
 * `bulwark doctor`: host checks, each with the fix when it fails — bwrap present and working, user
 * namespaces, seccomp, Landlock, cgroup process limit, resource limits, Node version, data dir
 * permissions and where the master key would come from (never the key itself); copy-on-write views for exec
 * effects (L11.7) and the unprivileged sandbox user.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { envVar } from '../../config/env.js';
import { childPath } from '../../core/safe-path.js';
import { describeCause } from '../../core/errors.js';
import { tmpdir } from 'node:os';
import { loadConfig } from '../../config/load.js';
import { EXEC_DEFAULTS } from '../../config/sections/exec.js';
import { detectSandbox, type SandboxDetection } from '../../exec/detect.js';
import { probeOverlay } from '../../exec/overlay-probe.js';
import { lookupUser } from '../../exec/sandbox-identity.js';
import { CREDENTIAL_NAME, MASTER_KEY_ENV, defaultKeyFilePath } from '../../secrets/master-key.js';
import type { CliContext } from '../context.js';
import { action, formatTable, printJson } from '../output.js';

export type CheckState = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  readonly name: string;
  readonly state: CheckState;
  readonly detail: string;
  readonly fix?: string;
}

function readText(p: string): string | undefined {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    return `unreadable: ${describeCause(cause)}`;
  }
}

function userNamespaces(): DoctorCheck {
  const max = readText('/proc/sys/user/max_user_namespaces');
  const apparmor = readText('/proc/sys/kernel/apparmor_restrict_unprivileged_userns');
  const debian = readText('/proc/sys/kernel/unprivileged_userns_clone');
  if (max === '0')
    return {
      name: 'user namespaces',
      state: 'fail',
      detail: 'user.max_user_namespaces is 0',
      fix: 'sysctl -w user.max_user_namespaces=15000',
    };
  if (apparmor === '1') {
    return {
      name: 'user namespaces',
      state: 'warn',
      detail: 'AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1)',
      fix: 'install an AppArmor profile that allows userns for /usr/bin/bwrap, or run the daemon as root',
    };
  }
  if (debian === '0')
    return {
      name: 'user namespaces',
      state: 'warn',
      detail: 'kernel.unprivileged_userns_clone=0',
      fix: 'sysctl -w kernel.unprivileged_userns_clone=1, or run the daemon as root',
    };
  return { name: 'user namespaces', state: 'ok', detail: `max_user_namespaces=${max ?? 'unknown'}` };
}

function masterKeySource(): DoctorCheck {
  const credDir = envVar('CREDENTIALS_DIRECTORY');
  if (credDir && existsSync(childPath(credDir, CREDENTIAL_NAME)))
    return { name: 'master key', state: 'ok', detail: `systemd credential ${CREDENTIAL_NAME}` };
  if (envVar(MASTER_KEY_ENV))
    return { name: 'master key', state: 'ok', detail: `environment variable ${MASTER_KEY_ENV} (scrubbed once read)` };
  const file = defaultKeyFilePath();
  try {
    const st = statSync(file);
    if ((st.mode & 0o077) !== 0)
      return {
        name: 'master key',
        state: 'fail',
        detail: `${file} is readable by group or others`,
        fix: `chmod 600 ${file}`,
      };
    return { name: 'master key', state: 'ok', detail: `key file ${file} (mode 0600)` };
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT')
      return { name: 'master key', state: 'fail', detail: `${file}: ${describeCause(cause)}` };
    return {
      name: 'master key',
      state: 'warn',
      detail: 'no master key yet',
      fix: `run \`bulwark init\`, or provide ${MASTER_KEY_ENV} or a systemd credential ${CREDENTIAL_NAME}`,
    };
  }
}

function dataDirCheck(dir: string): DoctorCheck {
  try {
    const st = statSync(dir);
    if (!st.isDirectory())
      return {
        name: 'data dir',
        state: 'fail',
        detail: `${dir} is not a directory`,
        fix: `move it away and run \`bulwark init\``,
      };
    if ((st.mode & 0o077) !== 0)
      return {
        name: 'data dir',
        state: 'fail',
        detail: `${dir} has mode ${(st.mode & 0o777).toString(8)}`,
        fix: `chmod 700 ${dir}`,
      };
    if (typeof process.getuid === 'function' && st.uid !== process.getuid())
      return {
        name: 'data dir',
        state: 'fail',
        detail: `${dir} belongs to uid ${st.uid}, not to this user`,
        fix: `chown -R $(id -u) ${dir}`,
      };
    return { name: 'data dir', state: 'ok', detail: `${dir} (mode 700)` };
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT')
      return { name: 'data dir', state: 'warn', detail: `${dir} does not exist yet`, fix: 'run `bulwark init`' };
    return { name: 'data dir', state: 'fail', detail: describeCause(cause) };
  }
}

export function doctorChecks(dataDir: string, d: SandboxDetection = detectSandbox()): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const major = Number(process.versions.node.split('.')[0]);
  checks.push(
    major >= 20
      ? { name: 'node', state: 'ok', detail: `Node ${process.versions.node}` }
      : { name: 'node', state: 'fail', detail: `Node ${process.versions.node}`, fix: 'install Node 20 or later' },
  );
  const bwrap = d.providers.find((p) => p.name === 'bwrap');
  if (d.platform === 'linux') {
    checks.push(
      bwrap?.path
        ? { name: 'bwrap present', state: 'ok', detail: bwrap.path }
        : {
            name: 'bwrap present',
            state: 'fail',
            detail: 'bwrap not found',
            fix: bwrap?.fix ?? 'apt-get install bubblewrap',
          },
    );
    if (bwrap?.path)
      checks.push(
        bwrap.works
          ? { name: 'bwrap works', state: 'ok', detail: bwrap.reason }
          : { name: 'bwrap works', state: 'fail', detail: bwrap.reason, ...(bwrap.fix ? { fix: bwrap.fix } : {}) },
      );
    checks.push(userNamespaces());
  } else {
    for (const p of d.providers)
      checks.push(
        p.works
          ? { name: `${p.name} works`, state: 'ok', detail: p.reason }
          : { name: `${p.name} works`, state: 'fail', detail: p.reason, ...(p.fix ? { fix: p.fix } : {}) },
      );
  }
  checks.push(
    d.seccomp.available
      ? { name: 'seccomp', state: 'ok', detail: d.seccomp.reason }
      : { name: 'seccomp', state: 'warn', detail: d.seccomp.reason, ...(d.seccomp.fix ? { fix: d.seccomp.fix } : {}) },
  );
  checks.push({ name: 'landlock', state: 'warn', detail: d.landlock.reason });
  checks.push(
    d.cgroup.available
      ? { name: 'process limit', state: 'ok', detail: d.cgroup.reason }
      : {
          name: 'process limit',
          state: 'warn',
          detail: d.cgroup.reason,
          ...(d.cgroup.fix ? { fix: d.cgroup.fix } : {}),
        },
  );
  checks.push(
    d.rlimits.available
      ? { name: 'resource limits', state: 'ok', detail: d.rlimits.reason }
      : {
          name: 'resource limits',
          state: 'warn',
          detail: d.rlimits.reason,
          ...(d.rlimits.fix ? { fix: d.rlimits.fix } : {}),
        },
  );
  if (d.platform === 'linux') {
    const overlay = probeOverlay(childPath(tmpdir(), `bulwark-doctor-${process.pid}`));
    checks.push(
      overlay.available
        ? { name: 'exec effects', state: 'ok', detail: overlay.reason }
        : {
            name: 'exec effects',
            state: 'warn',
            detail: `no copy-on-write view (L11.7/L11.8 degraded): ${overlay.reason}`,
            ...(overlay.fix ? { fix: overlay.fix } : {}),
          },
    );
    checks.push(sandboxUserCheck(dataDir));
  }
  checks.push(dataDirCheck(dataDir));
  checks.push(masterKeySource());
  return checks;
}

/** Under a root daemon the sandbox drops to exec.sandboxUser; without it root-owned workspaces run as root. */
function sandboxUserCheck(dataDir: string): DoctorCheck {
  const config = loadConfig(dataDir);
  const name = config.ok ? config.value.exec.sandboxUser : EXEC_DEFAULTS.sandboxUser;
  if (process.getuid?.() !== 0)
    return { name: 'sandbox user', state: 'ok', detail: 'the daemon is not root: sandboxes run as its own user' };
  const u = lookupUser(name);
  if (u && u.uid !== 0) return { name: 'sandbox user', state: 'ok', detail: `${name} (uid ${u.uid})` };
  return {
    name: 'sandbox user',
    state: 'warn',
    detail: u
      ? `exec.sandboxUser ${name} is root`
      : `exec.sandboxUser ${name} does not exist: commands in root-owned workspaces run as host root`,
    fix: 'run `bulwark init` as root (it creates the user), or set exec.sandboxUser to an unprivileged user',
  };
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description(
      'check this host: sandbox (bwrap, user namespaces, seccomp, Landlock, cgroups, limits), Node, data dir, master key',
    )
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExit code: 0 when nothing fails (warnings allowed), 1 otherwise.')
    .action(
      action(ctx, (opts: { json?: boolean }) => {
        const checks = doctorChecks(ctx.dataDir);
        if (opts.json) printJson(ctx, checks);
        else {
          ctx.stdout(
            formatTable(
              ['CHECK', 'STATE', 'DETAIL'],
              checks.map((c) => [c.name, c.state.toUpperCase(), c.detail]),
            ),
          );
          const fixes = checks.filter((c) => c.state !== 'ok' && c.fix);
          if (fixes.length) ctx.stdout(`\nFixes:\n${fixes.map((c) => `  ${c.name}: ${c.fix}`).join('\n')}\n`);
        }
        if (checks.some((c) => c.state === 'fail')) ctx.setExitCode(1);
      }),
    );
}
