/**
 * The drill's outer jail: the process that plays a whole bulwark daemon against a hostile model runs here, so that
 * even a deliberately weakened configuration cannot damage the real host. Three stages:
 *
 *   1. `unshare --user --map-root-user --net` as an unprivileged host user (nobody when the drill runs as root, else
 *      the operator): a user namespace that owns a private network namespace. It brings up loopback, adds the decoy
 *      addresses (an "internal service", a "metadata service", an "outside internet") and lets them bind low ports.
 *   2. `bwrap` inside it: the real root read-only, new /dev and /proc, a pid namespace, tmpfs over $HOME, /root, /tmp,
 *      the operator's data dir and workspaces, empty writable decoy directories (/etc/ssl/private), a decoy
 *      /etc/hosts, a cleared environment, killed with its parent.
 *   3. `unshare --user --mount`: a nested user namespace for the drill process, so every mount of stage 2 is locked
 *      (a process in the jail cannot unmount the tmpfs over $HOME or remount the root read-write), while the daemon
 *      inside can still build its own sandboxes (bwrap, overlays) as it does on the host.
 *
 * The jail never has more power over the host than its unprivileged user: no signal reaches a host process (pid
 * namespace), no packet leaves (network namespace), no host file changes (read-only root, and a uid that owns none).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readlinkSync, type Dirent } from 'node:fs';
import { createInterface } from 'node:readline';
import { bulwarkError, describeCause, type BulwarkError, isInside, err, ok, type Result } from '../../core/index.js';
import { firstExisting } from '../detect.js';
import { createJailCgroups, joinJailCgroups, removeJailCgroups, type JailCgroups } from './jail-cgroup.js';

/** The jail's hostname (its own UTS namespace): what the program inside checks before it builds anything. */
export const JAIL_HOSTNAME = 'bulwark-drill';

/** The host identity the jail runs as when the drill is started by root. */
export const JAIL_ROOT_FALLBACK_ID = 65534;

const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const TOOLS = {
  bwrap: ['/usr/bin/bwrap', '/usr/local/bin/bwrap', '/bin/bwrap'],
  unshare: ['/usr/bin/unshare', '/bin/unshare', '/usr/local/bin/unshare'],
  ip: ['/usr/sbin/ip', '/sbin/ip', '/usr/bin/ip', '/bin/ip'],
  sh: ['/bin/sh', '/usr/bin/sh'],
} as const;

const PACKAGES: Record<keyof typeof TOOLS, string> = {
  bwrap: 'bubblewrap',
  unshare: 'util-linux',
  ip: 'iproute2',
  sh: 'dash',
};

export interface JailTools {
  readonly bwrap: string;
  readonly unshare: string;
  readonly ip: string;
  readonly sh: string;
}

/** The programs the jail needs, or an error naming the missing ones and the packages that bring them. */
export function findJailTools(): Result<JailTools, BulwarkError> {
  const found: Partial<Record<keyof typeof TOOLS, string>> = {};
  const missing: string[] = [];
  for (const [name, candidates] of Object.entries(TOOLS) as Array<[keyof typeof TOOLS, readonly string[]]>) {
    const p = firstExisting(candidates);
    if (p) found[name] = p;
    else missing.push(`${name} (Debian package ${PACKAGES[name]})`);
  }
  if (missing.length > 0)
    return err(
      bulwarkError(
        'drill.no_jail',
        `the drill refuses to run without its outer jail, which needs ${missing.join(', ')}: install them (apt-get install ${missing.map((m) => m.split('package ')[1]?.replace(')', '')).join(' ')})`,
      ),
    );
  return ok(found as JailTools);
}

export interface JailSpec {
  readonly tools: JailTools;
  /** The program and arguments run inside (absolute paths). */
  readonly command: readonly string[];
  /** $HOME inside the jail: an empty tmpfs at the operator's home path. */
  readonly home: string;
  /**
   * Further host paths to hide (the data dir, workspaces, key directories): their whole top-level directory is an
   * empty writable tmpfs in the jail.
   */
  readonly hide: readonly string[];
  /** Host paths made visible again, read-only, when they lie in a hidden top (the package, the Node install). */
  readonly keep: readonly string[];
  /** Host directories replaced by an empty writable tmpfs for decoys (e.g. /etc/ssl/private); skipped if absent. */
  readonly decoyDirs: readonly string[];
  /** Content of /etc/hosts inside the jail. */
  readonly hosts: string;
  /** Addresses added to the jail's loopback interface (/32 each). */
  readonly addresses: readonly string[];
  /** The whole environment inside the jail. */
  readonly env: Readonly<Record<string, string>>;
  /** Size of each writable tmpfs of the jail, in bytes (memory is only used for what is written). */
  readonly tmpfsBytes: number;
  /** Written to the jailed process's stdin, then closed. */
  readonly input: string;
  /** Bounds of the jail's cgroups when the drill runs as root. */
  readonly limits: { readonly pids: number; readonly memoryBytes: number };
}

export interface JailRun {
  /** Lines the jailed process writes to stdout. */
  readonly lines: AsyncIterable<string>;
  /** Resolves when the jail has ended and its cgroups are gone: exit code, signal and the tail of stderr. */
  readonly done: Promise<{ code: number | null; signal: string | null; stderr: string; notes: string[] }>;
  /** What the jail could not set up but runs without (no cgroup, …). */
  readonly notes: readonly string[];
  /** Ends the jail (its pid namespace dies with it). */
  kill(): void;
}

// Stage 1, as root of a fresh user namespace that owns a fresh network namespace. $1: addresses; the rest: bwrap's
// arguments. It waits on fd 3 until the drill has put it into its cgroups, so everything it starts is bounded.
const STAGE1 = [
  'set -e',
  'read -r go <&3',
  'exec 3<&-',
  'ip=$1; shift',
  'addresses=$1; shift',
  '"$ip" link set lo up',
  'for a in $addresses; do "$ip" addr add "$a/32" dev lo; done',
  'echo 0 > /proc/sys/net/ipv4/ip_unprivileged_port_start',
  'exec "$@"',
].join('\n');

const HOSTS_FD = 4;

/** Top-level host entries the jail never binds: made fresh (/proc, /dev) or left out. */
const SKIP = new Set(['proc', 'dev', 'lost+found']);
/** Top-level host entries that are always an empty tmpfs in the jail (host sockets live in /run). */
const EMPTY = new Set(['tmp', 'run']);

function topOf(p: string): string {
  return p.split('/').filter(Boolean)[0] ?? '';
}

/**
 * The mounts of stage 2: everything but the program. The jail's root is bwrap's own tmpfs with each top-level
 * entry of the host bound read-only — except the tops of $HOME, /root and the hidden paths, which are fresh tmpfs
 * mounts (with `keep` bound back), so every directory above the drilled daemon's data dir belongs to the jail
 * (its ownership checks pass there as they do on the host). Reads the host's `/` (`rootEntries` for tests).
 */
export function jailMountArgs(
  spec: JailSpec,
  cgroup?: JailCgroups['delegated'],
  rootEntries: readonly Dirent[] = readdirSync('/', { withFileTypes: true }),
): string[] {
  const args = [
    '--die-with-parent',
    '--new-session',
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    '--hostname',
    JAIL_HOSTNAME,
  ];
  const covered = [spec.home, '/root', ...spec.hide];
  const coveredTops = new Set(covered.map(topOf));
  for (const e of rootEntries) {
    const top = `/${e.name}`;
    if (SKIP.has(e.name)) continue;
    if (e.isSymbolicLink()) args.push('--symlink', readlinkSync(top), top);
    else if (coveredTops.has(e.name) || EMPTY.has(e.name)) args.push('--size', String(spec.tmpfsBytes), '--tmpfs', top);
    else args.push('--ro-bind', top, top);
  }
  args.push('--dev', '/dev', '--proc', '/proc');
  // $HOME gets a tmpfs of its own; the other hidden paths live in their top's tmpfs (the drill creates them).
  if (topOf(spec.home) !== '' && `/${topOf(spec.home)}` !== spec.home)
    args.push('--size', String(spec.tmpfsBytes), '--tmpfs', spec.home);
  const hiddenTops = [...coveredTops, ...EMPTY].map((t) => `/${t}`);
  for (const p of spec.keep) if (hiddenTops.some((h) => isInside(h, p)) && existsSync(p)) args.push('--ro-bind', p, p);
  for (const d of spec.decoyDirs) if (existsSync(d)) args.push('--perms', '0700', '--tmpfs', d);
  args.push('--ro-bind-data', String(HOSTS_FD), '/etc/hosts');
  if (cgroup) args.push('--bind', cgroup.dir, cgroup.mountAt);
  args.push('--clearenv');
  for (const [k, v] of Object.entries(spec.env)) args.push('--setenv', k, v);
  args.push('--chdir', spec.home);
  return args;
}

/** Stage 3: a nested user namespace (locked mounts); root inside when the drill runs as root, else the operator. */
function stage3(spec: JailSpec, asRoot: boolean, uid: number, gid: number): string[] {
  const identity = asRoot ? ['--map-root-user'] : [`--map-user=${uid}`, `--map-group=${gid}`];
  return [spec.tools.unshare, '--user', ...identity, '--mount', '--', ...spec.command];
}

async function* linesOf(child: ChildProcess): AsyncIterable<string> {
  if (!child.stdout) return;
  const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
  for await (const line of rl) yield line;
}

/** Starts the jail. Fails (nothing started) when it cannot be built; a jail that dies early shows in `done`. */
export async function startJail(spec: JailSpec): Promise<Result<JailRun, BulwarkError>> {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const asRoot = uid === 0;
  const jailUid = asRoot ? JAIL_ROOT_FALLBACK_ID : uid;
  const jailGid = asRoot ? JAIL_ROOT_FALLBACK_ID : gid;
  const groups: JailCgroups = asRoot
    ? await createJailCgroups(jailUid, jailGid, spec.limits)
    : { dirs: [], notes: ['the drill runs unprivileged: its jail is bounded by no cgroup'] };
  const notes = [...groups.notes];
  const bwrapArgs = [
    spec.tools.bwrap,
    ...jailMountArgs(spec, groups.delegated),
    '--',
    ...stage3(spec, asRoot, asRoot ? 0 : uid, asRoot ? 0 : gid),
  ];
  let child: ChildProcess;
  try {
    child = spawn(
      spec.tools.unshare,
      [
        '--user',
        '--map-root-user',
        '--net',
        '--',
        spec.tools.sh,
        '-c',
        STAGE1,
        'bulwark-drill-jail',
        spec.tools.ip,
        spec.addresses.join(' '),
        ...bwrapArgs,
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe', 'pipe', 'pipe'],
        env: { PATH: SYSTEM_PATH },
        ...(asRoot ? { uid: jailUid, gid: jailGid } : {}),
      },
    );
  } catch (cause) {
    await removeJailCgroups(groups);
    return err(bulwarkError('drill.jail', `cannot start the drill's jail: ${describeCause(cause)}`));
  }
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-16_384);
  });
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', (cause) => {
      stderr += `\n${describeCause(cause)}`;
      resolve({ code: null, signal: null });
    });
  });
  const go = child.stdio[3] as NodeJS.WritableStream | null;
  const hosts = child.stdio[HOSTS_FD] as NodeJS.WritableStream | null;
  try {
    if (child.pid === undefined) throw new Error('the jail process has no pid');
    joinJailCgroups(groups, child.pid);
  } catch (cause) {
    child.kill('SIGKILL');
    await exited;
    await removeJailCgroups(groups);
    return err(bulwarkError('drill.jail', `cannot put the drill's jail into its cgroup: ${describeCause(cause)}`));
  }
  // Broken pipes surface as the jail's own failure (its exit code and stderr), not as an exception here.
  for (const s of [go, hosts, child.stdin]) s?.on('error', (cause) => (stderr += `\n${describeCause(cause)}`));
  hosts?.end(spec.hosts);
  child.stdin?.end(spec.input);
  go?.end('go\n');
  const done = exited.then(async (r) => {
    const left = await removeJailCgroups(groups);
    return { ...r, stderr, notes: [...notes, ...left.map((l) => `jail cgroup not removed: ${l}`)] };
  });
  return ok({
    lines: linesOf(child),
    done,
    notes,
    kill: () => {
      child.kill('SIGKILL');
    },
  });
}
