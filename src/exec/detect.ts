/**
 * Detection: which OS sandbox works on this host, and why the others do not. Every provider is
 * probed with a real smoke test (a command run under the exact hardening flags), never assumed.
 */
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
  openSync,
  closeSync,
} from 'node:fs';
import { tmpdir, platform } from 'node:os';
import { childPath, describeCause } from '../core/index.js';
import {
  buildBwrapArgs,
  ETC_PRIVATE_KEY_DIRS,
  SYSTEM_DIRS,
  type SystemLayout,
  type SystemMount,
} from './sandbox/bwrap-args.js';
import { buildSeccompFilter, seccompSupportedArch } from './sandbox/seccomp.js';
import { findCgroupBase, type CgroupBase } from './cgroup.js';
import { smokeTestSandboxExec } from './sandbox/sbpl.js';
import { writeEtcStubs } from './sandbox/etc-stubs.js';

export type ProviderName = 'bwrap' | 'sandbox-exec';

export interface ProviderProbe {
  readonly name: ProviderName;
  readonly works: boolean;
  readonly path?: string;
  readonly reason: string;
  /** What the operator can do when it does not work. */
  readonly fix?: string;
}

export interface FeatureStatus {
  readonly available: boolean;
  readonly reason: string;
  readonly fix?: string;
}

export interface SandboxDetection {
  readonly platform: string;
  /** The provider that works, if any (bwrap preferred on Linux, sandbox-exec on macOS). */
  readonly provider?: ProviderName;
  readonly providers: readonly ProviderProbe[];
  readonly seccomp: FeatureStatus;
  readonly landlock: FeatureStatus & { readonly applied: false; readonly abi?: number };
  readonly cgroup: FeatureStatus & { readonly base?: CgroupBase };
  readonly rlimits: FeatureStatus;
  readonly layout?: SystemLayout;
}

const BWRAP_CANDIDATES = ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'];

export function firstExisting(candidates: readonly string[]): string | undefined {
  return candidates.find((c) => existsSync(c));
}

/** Merged-/usr hosts have /bin → usr/bin symlinks; others have real directories. */
export function probeSystemLayout(): SystemLayout {
  const mounts: SystemMount[] = [];
  for (const d of SYSTEM_DIRS) {
    let st;
    try {
      st = lstatSync(d);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw cause;
    }
    if (st.isSymbolicLink()) mounts.push({ kind: 'symlink', source: readlinkSync(d), dest: d });
    else if (st.isDirectory()) mounts.push({ kind: 'ro-bind', source: d, dest: d });
  }
  const hiddenEtc = ETC_PRIVATE_KEY_DIRS.filter((d) => {
    try {
      return lstatSync(d).isDirectory();
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT' || (cause as NodeJS.ErrnoException).code === 'ENOTDIR')
        return false;
      throw cause;
    }
  });
  return { mounts, hiddenEtc };
}

const USERNS_FIX =
  'user namespaces are blocked. On Ubuntu 23.10+ AppArmor restricts them: install an AppArmor profile for bwrap ' +
  '(or sysctl kernel.apparmor_restrict_unprivileged_userns=0); in a container, allow them (docker run --security-opt seccomp=unconfined ' +
  '--security-opt apparmor=unconfined, or a runtime with user namespaces); or set sysctl user.max_user_namespaces > 0. ' +
  'If you accept running commands without an OS sandbox, set exec.sandbox: off (every exec is then audited as unsandboxed).';

function smokeBwrap(bwrapPath: string, layout: SystemLayout, withSeccomp: boolean): { ok: boolean; detail: string } {
  const dir = mkdtempSync(childPath(tmpdir(), 'bulwark-probe-'));
  try {
    const etcStubs = writeEtcStubs(dir);
    const ws = childPath(dir, 'ws');
    mkdirSync(ws);
    let fd: number | undefined;
    if (withSeccomp) {
      const filter = buildSeccompFilter();
      if (!filter) return { ok: false, detail: 'no seccomp filter for this architecture' };
      const f = childPath(dir, 'seccomp.bpf');
      writeFileSync(f, filter);
      fd = openSync(f, 'r');
    }
    try {
      const args = buildBwrapArgs({
        bwrapPath,
        layout,
        workspace: ws,
        insideWorkspace: '/workspace',
        cwdInside: '/workspace',
        env: { PATH: '/usr/bin:/bin' },
        network: 'none',
        tmpBytes: 1024 * 1024,
        protected: [],
        etcStubs,
        runtimePaths: [],
        ...(fd !== undefined ? { seccompFd: 3 } : {}),
        uid: 1000,
        gid: 1000,
        command: ['/bin/sh', '-c', 'echo bulwark-sandbox-ok'],
      });
      const r = spawnSync(bwrapPath, args, {
        env: {},
        timeout: 10_000,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe', ...(fd !== undefined ? [fd] : [])],
      });
      if (r.error) return { ok: false, detail: describeCause(r.error) };
      if (r.status === 0 && r.stdout.trim() === 'bulwark-sandbox-ok') return { ok: true, detail: 'smoke test passed' };
      return { ok: false, detail: (r.stderr || `exit ${r.status ?? r.signal}`).trim().slice(0, 300) };
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function probeBwrap(layout: SystemLayout): ProviderProbe {
  const path = firstExisting(BWRAP_CANDIDATES);
  if (!path) {
    return {
      name: 'bwrap',
      works: false,
      reason: 'bwrap is not installed',
      fix: 'install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap; Fedora: dnf install bubblewrap)',
    };
  }
  const r = smokeBwrap(path, layout, false);
  if (r.ok) return { name: 'bwrap', works: true, path, reason: `bwrap at ${path}: ${r.detail}` };
  const userns = /namespace|permission|Operation not permitted|setting up uid map/i.test(r.detail);
  return {
    name: 'bwrap',
    works: false,
    path,
    reason: `bwrap at ${path} fails its smoke test: ${r.detail}`,
    fix: userns ? USERNS_FIX : 'run `bulwark doctor` for the host checks',
  };
}

function probeSeccomp(bwrap: ProviderProbe, layout: SystemLayout | undefined): FeatureStatus {
  if (!seccompSupportedArch())
    return { available: false, reason: `no seccomp filter for architecture ${process.arch}` };
  let status: string;
  try {
    status = readFileSync('/proc/self/status', 'utf8');
  } catch (cause) {
    return { available: false, reason: `cannot read /proc/self/status: ${describeCause(cause)}` };
  }
  if (!/^Seccomp:/m.test(status))
    return {
      available: false,
      reason: 'the kernel has no seccomp support',
      fix: 'use a kernel built with CONFIG_SECCOMP_FILTER',
    };
  if (!bwrap.works || !bwrap.path || !layout) return { available: false, reason: 'needs a working bwrap' };
  const r = smokeBwrap(bwrap.path, layout, true);
  return r.ok
    ? { available: true, reason: 'seccomp filter loads under bwrap' }
    : { available: false, reason: `seccomp filter rejected: ${r.detail}` };
}

const LANDLOCK_NOT_APPLIED =
  'not applied yet (Node cannot call landlock_restrict_self); the bwrap mount namespace is the filesystem boundary';

/**
 * Landlock ABI via landlock_create_ruleset(NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) — syscall 444
 * on x86-64 and arm64. Node has no syscall access, so the probe asks perl (perl-base is essential
 * on Debian); without perl the kernel's LSM list is consulted.
 */
function probeLandlock(): FeatureStatus & { applied: false; abi?: number } {
  const perl = firstExisting(['/usr/bin/perl', '/bin/perl']);
  if (perl && (process.arch === 'x64' || process.arch === 'arm64')) {
    const r = spawnSync(perl, ['-e', 'my $r = syscall(444, 0, 0, 1); print $r < 0 ? "err $!" : "abi $r"'], {
      env: {},
      encoding: 'utf8',
      timeout: 5000,
    });
    const out = (r.stdout ?? '').trim();
    const m = /^abi (\d+)$/.exec(out);
    if (m)
      return {
        available: true,
        applied: false,
        abi: Number(m[1]),
        reason: `Landlock ABI ${m[1]} in the kernel; ${LANDLOCK_NOT_APPLIED}`,
      };
    if (out.startsWith('err'))
      return {
        available: false,
        applied: false,
        reason: `Landlock unavailable (${out.slice(4)}); enable it with the lsm= boot parameter`,
      };
  }
  let lsm: string;
  try {
    lsm = readFileSync('/sys/kernel/security/lsm', 'utf8');
  } catch (cause) {
    return {
      available: false,
      applied: false,
      reason: `Landlock support unknown (${describeCause(cause)}); ${LANDLOCK_NOT_APPLIED}`,
    };
  }
  return lsm.split(',').includes('landlock')
    ? { available: true, applied: false, reason: `the kernel has Landlock; ${LANDLOCK_NOT_APPLIED}` }
    : { available: false, applied: false, reason: 'Landlock is not enabled in this kernel (lsm= boot parameter)' };
}

export interface DetectOptions {
  /** Skip probing (tests of the downgrade path): pretend no provider exists, with this reason. */
  readonly forceUnavailable?: string;
}

/** Probes every provider and extra layer. Takes ~50 ms (two bwrap smoke runs). */
export function detectSandbox(opts: DetectOptions = {}): SandboxDetection {
  const plat = platform();
  const rlimits = existsSync('/bin/sh')
    ? {
        available: true,
        reason: `/bin/sh's ulimit sets CPU time, ${plat === 'darwin' ? '' : 'address space, '}and file size limits before the sandbox starts`,
      }
    : {
        available: false,
        reason: '/bin/sh not found: CPU, memory and file-size limits cannot be applied',
        fix: 'install a POSIX shell at /bin/sh',
      };
  const cg = plat === 'linux' ? findCgroupBase() : { reason: 'cgroups are Linux only' };
  const cgroup = cg.base
    ? { available: true, base: cg.base, reason: cg.reason }
    : {
        available: false,
        reason: `${cg.reason}; the process count is not bounded (RLIMIT_NPROC does not bind root)`,
        fix: 'run the daemon as root or with a delegated cgroup',
      };
  if (opts.forceUnavailable) {
    return {
      platform: plat,
      providers: [{ name: 'bwrap', works: false, reason: opts.forceUnavailable }],
      seccomp: { available: false, reason: 'needs a working bwrap' },
      landlock: probeLandlock(),
      cgroup,
      rlimits,
    };
  }
  if (plat === 'darwin') {
    const p = smokeTestSandboxExec();
    return {
      platform: plat,
      providers: [p],
      ...(p.works ? { provider: 'sandbox-exec' as const } : {}),
      seccomp: { available: false, reason: 'seccomp is Linux only' },
      landlock: { available: false, applied: false, reason: 'Landlock is Linux only' },
      cgroup,
      rlimits,
    };
  }
  if (plat !== 'linux') {
    return {
      platform: plat,
      providers: [{ name: 'bwrap', works: false, reason: `no sandbox provider for ${plat}` }],
      seccomp: { available: false, reason: 'Linux only' },
      landlock: { available: false, applied: false, reason: 'Linux only' },
      cgroup,
      rlimits,
    };
  }
  const layout = probeSystemLayout();
  const bwrap = probeBwrap(layout);
  return {
    platform: plat,
    ...(bwrap.works ? { provider: 'bwrap' as const } : {}),
    providers: [bwrap],
    seccomp: probeSeccomp(bwrap, layout),
    landlock: probeLandlock(),
    cgroup,
    rlimits,
    layout,
  };
}
