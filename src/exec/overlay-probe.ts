/**
 * Can this host give each exec a copy-on-write view of its workspace (L11.7)? Probed for real at start: a private
 * mount namespace (no new user namespace), a size-capped tmpfs, an overlay with `redirect_dir=on`, a directory
 * rename inside it, and the tools the holder uses. Never assumed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { childPath, describeCause } from '../core/index.js';
import { firstExisting } from './detect.js';

export interface OverlaySupport {
  readonly available: boolean;
  readonly reason: string;
  readonly fix?: string;
  readonly tools?: { readonly setpriv: string; readonly unshare: string };
}

const DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin'];
const tool = (name: string) => firstExisting(DIRS.map((d) => childPath(d, name)));

const PROBE = [
  'set -e',
  'mount -t tmpfs -o size=1024k,mode=0700 bulwark-probe "$1/t"',
  'mkdir "$1/t/u" "$1/t/w"',
  'mount -t overlay bulwark-probe -o "lowerdir=$1/l,upperdir=$1/t/u,workdir=$1/t/w,redirect_dir=on,index=off,metacopy=off,xino=off" "$1/m"',
  'mv "$1/m/d" "$1/m/e"',
  'getfattr --version >/dev/null',
].join('\n');

export function probeOverlay(scratchParent: string): OverlaySupport {
  if (process.getuid?.() !== 0)
    return {
      available: false,
      reason:
        'the daemon is not root: unprivileged overlayfs needs a user namespace with userxattr, where renaming a directory fails (EXDEV), and fuse-overlayfs needs /dev/fuse; commands run on the workspace itself',
      fix: 'run the daemon as root (it drops every sandbox to an unprivileged user)',
    };
  const unshare = tool('unshare');
  const setpriv = tool('setpriv');
  const missing = [
    ['unshare', unshare],
    ['setpriv', setpriv],
    ['getfattr', tool('getfattr')],
    ['mount', tool('mount')],
  ].filter(([, p]) => !p);
  if (missing.length || !unshare || !setpriv)
    return {
      available: false,
      reason: `missing ${missing.map(([n]) => n).join(', ')}`,
      fix: 'apt-get install util-linux mount attr',
    };
  let dir: string | undefined;
  try {
    mkdirSync(scratchParent, { recursive: true, mode: 0o700 });
    dir = mkdtempSync(childPath(scratchParent, 'overlay-probe-'));
    for (const d of ['l', 't', 'm']) mkdirSync(childPath(dir, d));
    mkdirSync(childPath(dir, 'l', 'd'));
    writeFileSync(childPath(dir, 'l', 'd', 'f'), 'x');
    const r = spawnSync(unshare, ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', PROBE, 'probe', dir], {
      encoding: 'utf8',
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
      timeout: 10_000,
    });
    if (r.status !== 0)
      return {
        available: false,
        reason: `overlayfs in a private mount namespace did not work: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim().slice(0, 300)}`,
        fix: 'load the overlay module (modprobe overlay) and keep the data dir on a local filesystem (ext4, xfs, btrfs)',
      };
    return {
      available: true,
      reason: 'overlayfs with redirect_dir in a private mount namespace, size-capped tmpfs upper',
      tools: { setpriv, unshare },
    };
  } catch (cause) {
    return { available: false, reason: `overlay probe failed: ${describeCause(cause)}` };
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
