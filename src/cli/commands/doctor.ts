/**
 * `bulwark doctor`: host checks, each with the fix when it fails — bwrap present and working, user
 * namespaces, seccomp, Landlock, cgroup process limit, resource limits, Node version, who owns and may
 * write the data dir, its files and the master key file (daemonFileProblems: exactly what `bulwark start`
 * refuses), where the master key would come from (never the key itself), which daemon holds the data dir, the
 * operator's git safe.bareRepository setting, copy-on-write views for exec effects (L11.7), the unprivileged
 * sandbox user, and vault secrets whose names are reserved for bulwark's own (names only, never a value).
 */
import { existsSync, lstatSync, readFileSync, realpathSync } from 'node:fs';
import type { Command } from 'commander';
import { describeCause, childPath, isInside } from '../../core/index.js';
import { tmpdir } from 'node:os';
import {
  loadConfig,
  EXEC_DEFAULTS,
  lockHolder,
  currentUid,
  isReservedSecretName,
  RESERVED_SECRET_PREFIX,
} from '../../config/index.js';
import {
  detectSandbox,
  type SandboxDetection,
  probeOverlay,
  LOWER_FIX,
  OverlayLowers,
  lookupUser,
  operatorGitGlobal,
  type GitGlobalValue,
} from '../../exec/index.js';
import { CREDENTIAL_NAME, MASTER_KEY_ENV, daemonFileProblems, keyLocationOf, vaultNames } from '../../secrets/index.js';
import { workspacePath } from '../../agent/index.js';
import type { CliContext } from '../context.js';
import { action, formatTable, printJson } from '../output.js';
import { examples } from '../help.js';

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

function masterKeySource(dataDir: string): DoctorCheck {
  const where = keyLocationOf(dataDir);
  if (!where.ok) return { name: 'master key', state: 'fail', detail: where.error.message };
  const loc = where.value;
  if (loc.origin === 'systemd-credential')
    return { name: 'master key', state: 'ok', detail: `systemd credential ${CREDENTIAL_NAME}` };
  if (loc.origin === 'env')
    return {
      name: 'master key',
      state: 'ok',
      detail: `environment variable ${loc.location ?? ''} (scrubbed once read)`,
    };
  if (loc.exists)
    return {
      name: 'master key',
      state: 'ok',
      detail: `key file ${loc.location ?? ''}${loc.perDataDir ? " (this data dir's own)" : ''}`,
    };
  if (loc.legacy)
    return {
      name: 'master key',
      state: 'ok',
      detail: `this data dir's vault will get its own copy of the shared key ${loc.legacy} when it is next opened`,
    };
  return {
    name: 'master key',
    state: 'warn',
    detail: `no master key yet; it will be made at ${loc.location ?? 'a key file named by this data dir in ~/.config/bulwark/keys/'}`,
    fix: `run \`bulwark init\` or \`bulwark secrets set NAME\`, or provide ${MASTER_KEY_ENV} or a systemd credential ${CREDENTIAL_NAME}`,
  };
}

/**
 * Names an older bulwark let an operator store that are now reserved for bulwark's own (`BULWARK_` in any case):
 * no agent can read them. Only names are read, never a value (the vault is read from a copy, without its key).
 */
function reservedNamesCheck(dataDir: string): DoctorCheck {
  const names = vaultNames(dataDir);
  if (!names.ok) return { name: 'vault names', state: 'warn', detail: names.error.message };
  const reserved = names.value.filter(isReservedSecretName);
  if (!reserved.length) return { name: 'vault names', state: 'ok', detail: 'no secret has a reserved name' };
  const shown = reserved.slice(0, 5).map((n) => JSON.stringify(n.slice(0, 64)));
  return {
    name: 'vault names',
    state: 'warn',
    detail: `${reserved.length} secret(s) have a name reserved for bulwark's own (${RESERVED_SECRET_PREFIX} in any case), so no agent can read them: ${shown.join(', ')}${reserved.length > shown.length ? ', …' : ''}`,
    fix: 'rename each: `bulwark secrets set NEW_NAME` with its value, then `bulwark secrets delete OLD_NAME`',
  };
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    // Nothing there at all: the caller reports a data dir that does not exist yet.
    return false;
  }
}

/** The data dir and key file findings `bulwark start` refuses on (the same function), one line each. */
function fileChecks(dataDir: string): DoctorCheck[] {
  // A link to nothing is not a data dir yet to be made: `start` refuses it, and the findings below say why.
  if (!existsSync(dataDir) && !isLink(dataDir))
    return [{ name: 'data dir', state: 'warn', detail: `${dataDir} does not exist yet`, fix: 'run `bulwark init`' }];
  const problems = daemonFileProblems(dataDir);
  const checks: DoctorCheck[] = problems.map((p) => ({
    name: p.subject,
    state: p.severity === 'refuse' ? 'fail' : 'warn',
    detail: p.message,
    fix: p.fix,
  }));
  if (!problems.some((p) => p.subject === 'data dir')) {
    const entries = problems.filter((p) => p.path !== undefined && isInside(dataDir, p.path)).length;
    checks.unshift({
      name: 'data dir',
      state: 'ok',
      detail: entries
        ? `${dataDir} belongs to this user (uid ${currentUid() ?? '?'}) and nobody else can write it; ${entries} finding(s) about its files below`
        : `${dataDir} and its files belong to this user (uid ${currentUid() ?? '?'}); nobody else can write them`,
    });
  }
  if (!problems.some((p) => p.severity === 'refuse'))
    checks.push(masterKeySource(dataDir), reservedNamesCheck(dataDir));
  const holder = lockHolder(dataDir);
  checks.push(
    holder?.alive
      ? {
          name: 'daemon',
          state: 'ok',
          detail: `a daemon holds this data dir: pid ${holder.pid}, started ${holder.startedAt}`,
        }
      : { name: 'daemon', state: 'ok', detail: 'no daemon holds this data dir' },
  );
  return checks;
}

const BARE_FIX = 'git config --global safe.bareRepository explicit';

/**
 * git opens a bare repository it merely finds in the directory it runs in — config, hooks and all — unless
 * safe.bareRepository=explicit. bulwark judges every git directory an agent writes (L11.7); this closes the door
 * for anything that slips past, and for repositories from anywhere else.
 */
export function bareRepositoryCheck(
  read: () => GitGlobalValue = () => operatorGitGlobal('safe.bareRepository'),
): DoctorCheck {
  const name = 'git bare repositories';
  const r = read();
  if (!r.ok) {
    if (r.error.missing)
      return { name, state: 'ok', detail: 'git is not installed here: nothing opens a planted repository' };
    return { name, state: 'warn', detail: `cannot read the global git config: ${r.error.message}`, fix: BARE_FIX };
  }
  if (r.value?.toLowerCase() === 'explicit')
    return { name, state: 'ok', detail: 'safe.bareRepository=explicit: git opens no bare repository it only finds' };
  return {
    name,
    state: 'warn',
    detail: `safe.bareRepository is ${r.value === undefined ? 'not set' : `"${r.value}"`}: git run in a workspace opens a bare repository planted there and runs what its config names`,
    fix: `${BARE_FIX}  (for every user who runs git in agent workspaces)`,
  };
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
    d.cgroup.base?.memory
      ? { name: 'memory limit', state: 'ok', detail: d.cgroup.base.memoryReason }
      : {
          name: 'memory limit',
          state: 'warn',
          detail: d.cgroup.base?.memoryReason ?? 'no usable cgroup: a run is not bounded in total memory',
          fix: 'run the daemon as root, or give it a cgroup with the memory controller delegated (systemd Delegate=yes)',
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
    if (overlay.available && overlay.tools) checks.push(...workspaceFsChecks(dataDir, overlay.tools.unshare));
    checks.push(sandboxUserCheck(dataDir));
  }
  checks.push(...fileChecks(dataDir));
  checks.push(bareRepositoryCheck());
  return checks;
}

/**
 * Each configured workspace that exists, on the filesystem it really sits on: overlayfs may refuse it as the lower
 * layer of a view although the host probe passed (NFS, FUSE, an overlay stacked on an overlay); exec then refuses
 * to run there.
 */
export function workspaceFsChecks(dataDir: string, unshare: string): DoctorCheck[] {
  const config = loadConfig(dataDir);
  if (!config.ok) return [];
  const lowers = new OverlayLowers({
    unshare,
    scratchParent: childPath(tmpdir(), `bulwark-doctor-lowers-${process.pid}`),
  });
  const checks: DoctorCheck[] = [];
  for (const agent of config.value.agents) {
    const dir = workspacePath(agent, dataDir, process.cwd());
    if (!existsSync(dir)) continue;
    const name = `workspace of ${agent.id}`;
    const checked = lowers.check(realpathSync(dir));
    checks.push(
      checked.ok
        ? { name, state: 'ok', detail: `${dir}: copy-on-write views work on its filesystem (${checked.value.type})` }
        : { name, state: 'warn', detail: checked.error.message, fix: LOWER_FIX },
    );
  }
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
      : `exec.sandboxUser ${name} does not exist: commands in root-owned workspaces and MCP stdio servers run as host root`,
    fix: 'run `bulwark init` as root (it creates the user), or set exec.sandboxUser to an unprivileged user',
  };
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description(
      'check this host: sandbox (bwrap, user namespaces, seccomp, Landlock, cgroups, limits), Node, data dir, master key, git safe.bareRepository',
    )
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Exit code: 0 when nothing fails (warnings allowed), 1 otherwise. What doctor fails on about the data dir and the
master key file (owner, write access, the directories above them) is exactly what \`bulwark start\` refuses.
${examples('bulwark doctor', 'BULWARK_HOME=/srv/bulwark bulwark doctor --json')}`,
    )
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
