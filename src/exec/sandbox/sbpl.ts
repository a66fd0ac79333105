/**
 * The profile of the macOS provider (L11.5, sandbox-exec.ts): a deny-default SBPL profile generated per
 * invocation from the workspace and the approved runtime paths, and the start-up smoke test. macOS puts /tmp, /var and /etc
 * behind symlinks into /private; SBPL matches real paths, so every path is resolved first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { childPath, describeCause } from '../../core/index.js';
import type { ProviderProbe } from '../detect.js';

export const SANDBOX_EXEC_PATH = '/usr/bin/sandbox-exec';

export interface SbplOptions {
  /** Real path of the workspace. */
  readonly workspace: string;
  /** Real path of the per-run temporary directory. */
  readonly tmp: string;
  /** Workspace-relative persistence paths that stay read-only; `dir` for directories. */
  readonly protectedPaths: ReadonlyArray<{ readonly rel: string; readonly dir: boolean }>;
  /** Extra approved runtime directories (read and execute). */
  readonly runtimePaths: readonly string[];
  readonly network: 'none' | 'host';
}

/** Where programs live: these may be run. */
const SYSTEM_EXEC = ['/usr', '/bin', '/sbin', '/Library/Developer/CommandLineTools', '/opt/homebrew'];
/** System locations a command needs to read (programs, libraries, frameworks, certificates, time zones). */
const SYSTEM_READ = [
  ...SYSTEM_EXEC,
  '/System',
  '/Library/Apple',
  '/private/etc/ssl',
  '/private/var/db/timezone',
  '/private/var/select',
];
const SYSTEM_READ_FILES = [
  '/private/etc/passwd',
  '/private/etc/group',
  '/private/etc/localtime',
  '/private/etc/shells',
  '/dev/null',
  '/dev/zero',
  '/dev/random',
  '/dev/urandom',
  '/dev/tty',
  '/dev/dtracehelper',
];
const SYSTEM_WRITE_FILES = ['/dev/null', '/dev/tty', '/dev/dtracehelper'];

const MAC_LINKS: ReadonlyArray<[string, string]> = [
  ['/tmp', '/private/tmp'],
  ['/var', '/private/var'],
  ['/etc', '/private/etc'],
];

/** The path as macOS resolves it (`/tmp/x` → `/private/tmp/x`), without touching the disk. */
export function macRealPath(p: string): string {
  for (const [link, real] of MAC_LINKS) {
    if (p === link || p.startsWith(link + '/')) return real + p.slice(link.length);
  }
  return p;
}

function q(s: string): string {
  if (/[\0\n\r]/.test(s)) throw new RangeError('path with a control character cannot go into a sandbox profile');
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

export function buildSbplProfile(o: SbplOptions): string {
  const ws = macRealPath(o.workspace);
  const tmp = macRealPath(o.tmp);
  const runtime = o.runtimePaths.map(macRealPath);
  const lines: string[] = [
    '(version 1)',
    '; Everything not allowed below is denied.',
    '(deny default)',
    '; Start programs and fork; signals only to processes in this sandbox.',
    '(allow process-fork)',
    `(allow process-exec ${[...SYSTEM_EXEC, ...runtime, ws].map((p) => `(subpath ${q(p)})`).join(' ')})`,
    '(allow signal (target same-sandbox))',
    '; System metadata the C library asks for; stat() of any path (existence and size, never contents) so realpath() works.',
    '(allow sysctl-read)',
    '(allow file-read-metadata)',
    '; Read system programs, libraries and certificates.',
    `(allow file-read* ${[...SYSTEM_READ, ...runtime].map((p) => `(subpath ${q(p)})`).join(' ')})`,
    `(allow file-read* ${SYSTEM_READ_FILES.map((p) => `(literal ${q(p)})`).join(' ')})`,
    `(allow file-write-data ${SYSTEM_WRITE_FILES.map((p) => `(literal ${q(p)})`).join(' ')})`,
    '; The workspace and the private temporary directory are readable and writable.',
    `(allow file-read* file-write* (subpath ${q(ws)}) (subpath ${q(tmp)}))`,
  ];
  if (o.protectedPaths.length) {
    lines.push('; Persistence paths inside the workspace stay read-only (later rules win).');
    lines.push(
      `(deny file-write* ${o.protectedPaths.map((p) => (p.dir ? `(subpath ${q(`${ws}/${p.rel}`)})` : `(literal ${q(`${ws}/${p.rel}`)})`)).join(' ')})`,
    );
  }
  lines.push('; Name lookups go through this one service.');
  lines.push('(allow mach-lookup (global-name "com.apple.system.opendirectoryd.libinfo"))');
  if (o.network === 'host') {
    lines.push('; network: host (explicit operator opt-in).');
    lines.push('(allow network*)');
    lines.push(
      '(allow mach-lookup (global-name "com.apple.dnssd.service") (global-name "com.apple.SystemConfiguration.configd"))',
    );
    lines.push(
      '(allow file-read* (literal "/private/etc/hosts") (literal "/private/etc/resolv.conf") (subpath "/private/var/run"))',
    );
  } else {
    lines.push('; network: none (no network rule is allowed).');
  }
  return lines.join('\n') + '\n';
}

/** Startup smoke test: a trivial command under a generated profile must run and print its marker. */
export function smokeTestSandboxExec(): ProviderProbe {
  if (!existsSync(SANDBOX_EXEC_PATH))
    return {
      name: 'sandbox-exec',
      works: false,
      reason: `${SANDBOX_EXEC_PATH} not found`,
      fix: 'sandbox-exec ships with macOS; check that /usr/bin is intact',
    };
  const dir = realpathSync(mkdtempSync(childPath(tmpdir(), 'bulwark-probe-')));
  try {
    const profile = buildSbplProfile({
      workspace: dir,
      tmp: dir,
      protectedPaths: [],
      runtimePaths: [],
      network: 'none',
    });
    const r = spawnSync(SANDBOX_EXEC_PATH, ['-p', profile, '/bin/sh', '-c', 'echo bulwark-sandbox-ok'], {
      env: { PATH: '/usr/bin:/bin' },
      cwd: dir,
      timeout: 10_000,
      encoding: 'utf8',
    });
    if (r.error) return { name: 'sandbox-exec', works: false, path: SANDBOX_EXEC_PATH, reason: describeCause(r.error) };
    if (r.status === 0 && r.stdout.trim() === 'bulwark-sandbox-ok')
      return { name: 'sandbox-exec', works: true, path: SANDBOX_EXEC_PATH, reason: 'smoke test passed' };
    return {
      name: 'sandbox-exec',
      works: false,
      path: SANDBOX_EXEC_PATH,
      reason: `smoke test failed: ${(r.stderr || String(r.status)).trim().slice(0, 300)}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
