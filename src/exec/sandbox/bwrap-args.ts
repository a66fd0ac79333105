/**
 * Builds the bubblewrap command line for one sandboxed command (gate L11.5 on Linux).
 * Pure: no filesystem access except through the `SystemLayout` probed once at start, so the
 * argument list can be unit-tested and read top to bottom as the sandbox's whole definition.
 */
import type { BrokerAccess } from '../broker-access.js';

export interface SystemMount {
  readonly kind: 'ro-bind' | 'symlink';
  /** Host path (ro-bind) or link target (symlink). */
  readonly source: string;
  readonly dest: string;
}

/** How this host lays out its system directories (merged /usr or not), probed once. */
export interface SystemLayout {
  readonly mounts: readonly SystemMount[];
  /** Private-key directories inside the bound /etc subset that exist on this host: covered by an empty tmpfs. */
  readonly hiddenEtc?: readonly string[];
}

/** Where hosts keep TLS private keys under the /etc subset a command sees (found by the attack drill). */
export const ETC_PRIVATE_KEY_DIRS = ['/etc/ssl/private', '/etc/pki/tls/private'];

export interface BwrapPlan {
  readonly bwrapPath: string;
  readonly layout: SystemLayout;
  /** Real host path of the workspace (bound by path unless `workspaceFd` is given). */
  readonly workspace: string;
  /**
   * Descriptors opened by the process that starts bwrap (the overlay holder): the workspace view (bound with
   * --bind-fd, so the sandbox user needs no access to the path) and the passwd/group stubs (copied in with
   * --ro-bind-data).
   */
  readonly fds?: { readonly workspace: number; readonly passwd: number; readonly group: number };
  /** Where the workspace appears inside. */
  readonly insideWorkspace: string;
  /** Working directory inside the sandbox. */
  readonly cwdInside: string;
  readonly env: Readonly<Record<string, string>>;
  readonly network: 'none' | 'broker' | 'host';
  readonly broker?: BrokerAccess;
  readonly tmpBytes: number;
  /** Persistence paths inside the workspace mounted read-only (host path → inside path, and whether it exists). */
  readonly protected: ReadonlyArray<{
    readonly host: string;
    readonly inside: string;
    readonly kind: 'file' | 'dir' | 'missing-file' | 'missing-dir';
  }>;
  /** Stub passwd and group files (host paths). */
  readonly etcStubs: { readonly passwd: string; readonly group: string };
  /** Extra approved runtime directories, read-only at the same path. */
  readonly runtimePaths: readonly string[];
  /** Folders outside the workspace (installed skills), read-only at their inside path. */
  readonly readOnly?: ReadonlyArray<{ readonly host: string; readonly inside: string }>;
  /** File descriptor (in bwrap's process) holding the compiled seccomp filter. */
  readonly seccompFd?: number;
  /** Host path of the run's cgroup.procs, bound writable at /run/bulwark/cgroup.procs for the command's shell to join. */
  readonly cgroupProcs?: string;
  /** The same for the run's v1 memory cgroup, bound at /run/bulwark/memory.procs. */
  readonly memoryProcs?: string;
  readonly uid: number;
  readonly gid: number;
  /** The workspace bound read-only (a long-lived service sandbox: no transactional view to judge its writes). */
  readonly workspaceReadOnly?: boolean;
  /** Further host directories bound in (a service's private state directory, its install). */
  readonly extraBinds?: ReadonlyArray<{ readonly host: string; readonly inside: string; readonly writable: boolean }>;
  /** argv run inside the sandbox. */
  readonly command: readonly string[];
}

/** Pieces of /etc a command needs to work (TLS roots, dynamic loader cache, time zone, alternatives links). */
export const ETC_SUBSET = [
  // The certificates only: /etc/ssl/private holds private keys.
  '/etc/ssl/certs',
  '/etc/ssl/openssl.cnf',
  '/etc/ca-certificates',
  '/etc/pki',
  '/etc/crypto-policies',
  '/etc/alternatives',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/localtime',
  '/etc/nsswitch.conf',
  '/etc/protocols',
  '/etc/services',
  '/etc/mime.types',
  '/etc/os-release',
  '/etc/debian_version',
  '/etc/inputrc',
];
export const ETC_NETWORK = ['/etc/resolv.conf', '/etc/hosts', '/etc/gai.conf', '/etc/host.conf'];
export const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

/** Namespaces, no new user namespaces inside, death with the daemon, own session, empty environment, no capabilities. */
export const BWRAP_HARDENING = [
  '--unshare-all',
  '--unshare-user',
  '--disable-userns',
  '--die-with-parent',
  '--new-session',
  '--clearenv',
  '--cap-drop',
  'ALL',
] as const;

export function buildBwrapArgs(p: BwrapPlan): string[] {
  const a: string[] = [...BWRAP_HARDENING, '--uid', String(p.uid), '--gid', String(p.gid), '--hostname', 'sandbox'];
  if (p.network === 'host') a.push('--share-net');
  for (const m of p.layout.mounts) {
    if (m.kind === 'symlink') a.push('--symlink', m.source, m.dest);
    else a.push('--ro-bind', m.source, m.dest);
  }
  a.push('--dir', '/etc');
  for (const e of ETC_SUBSET) a.push('--ro-bind-try', e, e);
  for (const d of p.layout.hiddenEtc ?? []) a.push('--tmpfs', d);
  if (p.network === 'host') for (const e of ETC_NETWORK) a.push('--ro-bind-try', e, e);
  if (p.fds)
    a.push('--ro-bind-data', String(p.fds.passwd), '/etc/passwd', '--ro-bind-data', String(p.fds.group), '/etc/group');
  else a.push('--ro-bind', p.etcStubs.passwd, '/etc/passwd', '--ro-bind', p.etcStubs.group, '/etc/group');
  for (const r of p.runtimePaths) a.push('--ro-bind', r, r);
  a.push('--proc', '/proc', '--dev', '/dev');
  a.push('--size', String(p.tmpBytes), '--tmpfs', '/tmp', '--dir', '/var', '--symlink', '../tmp', '/var/tmp');
  if (p.fds) a.push('--bind-fd', String(p.fds.workspace), p.insideWorkspace);
  else a.push(p.workspaceReadOnly ? '--ro-bind' : '--bind', p.workspace, p.insideWorkspace);
  for (const b of p.extraBinds ?? []) a.push(b.writable ? '--bind' : '--ro-bind', b.host, b.inside);
  for (const prot of p.protected) {
    if (prot.kind === 'file' || prot.kind === 'dir') a.push('--ro-bind', prot.host, prot.inside);
    else if (prot.kind === 'missing-file') a.push('--ro-bind', '/dev/null', prot.inside);
    else a.push('--tmpfs', prot.inside, '--remount-ro', prot.inside);
  }
  for (const r of p.readOnly ?? []) a.push('--ro-bind', r.host, r.inside);
  if (p.network === 'broker' || p.cgroupProcs) a.push('--dir', '/run', '--dir', '/run/bulwark');
  if (p.cgroupProcs) a.push('--bind', p.cgroupProcs, '/run/bulwark/cgroup.procs');
  if (p.cgroupProcs && p.memoryProcs) a.push('--bind', p.memoryProcs, '/run/bulwark/memory.procs');
  if (p.network === 'broker') {
    if (!p.broker) throw new RangeError('network mode broker needs the broker access plan');
    for (const s of p.broker.sockets) a.push('--bind', s.host, s.inside);
    for (const f of p.broker.files) a.push('--ro-bind', f.host, f.inside);
  }
  a.push('--remount-ro', '/');
  if (p.seccompFd !== undefined) a.push('--seccomp', String(p.seccompFd));
  const env = { ...p.env, ...(p.network === 'broker' && p.broker ? p.broker.env : {}) };
  for (const [k, v] of Object.entries(env)) a.push('--setenv', k, v);
  a.push('--chdir', p.cwdInside, '--', ...p.command);
  return a;
}
