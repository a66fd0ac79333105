/**
 * Which filesystem a workspace sits on, as an operator would name it: its type and the mount it belongs to (read
 * from /proc/self/mountinfo), and its device id. Used to say why overlayfs refuses a workspace as a lower layer.
 */
import { readFileSync, statSync } from 'node:fs';

export interface WorkspaceFs {
  /** st_dev of the workspace directory: one probe per filesystem. */
  readonly dev: number;
  /** e.g. ext4, overlay, nfs4, fuse.sshfs; 'unknown' when mountinfo does not say. */
  readonly type: string;
  /** Where that filesystem is mounted, and what it mounts. */
  readonly mountPoint?: string;
  readonly source?: string;
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

interface MountLine {
  readonly point: string;
  readonly type: string;
  readonly source: string;
}

function parseMountinfo(text: string): MountLine[] {
  const out: MountLine[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const before = line.slice(0, sep).split(' ');
    const after = line.slice(sep + 3).split(' ');
    const point = before[4];
    const type = after[0];
    if (point === undefined || type === undefined) continue;
    out.push({ point: unescape(point), type, source: unescape(after[1] ?? '') });
  }
  return out;
}

const under = (path: string, point: string) =>
  point === '/' || path === point || path.startsWith(point.endsWith('/') ? point : `${point}/`);

/** The filesystem of a real (symlink-free) path. Throws when the path cannot be stat'ed. */
export function workspaceFs(realPath: string, mountinfo = '/proc/self/mountinfo'): WorkspaceFs {
  const dev = statSync(realPath).dev;
  let lines: MountLine[] = [];
  try {
    lines = parseMountinfo(readFileSync(mountinfo, 'utf8'));
  } catch (cause) {
    // No procfs (macOS): the type is then unknown, and the probe's own verdict still stands.
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
  }
  // The longest mount point above the path; of equal ones the last (it is stacked on top of the earlier).
  let best: MountLine | undefined;
  for (const m of lines) if (under(realPath, m.point) && (!best || m.point.length >= best.point.length)) best = m;
  return best ? { dev, type: best.type, mountPoint: best.point, source: best.source } : { dev, type: 'unknown' };
}

export function describeFs(fs: WorkspaceFs): string {
  return fs.mountPoint
    ? `the ${fs.type} filesystem ${fs.source ? `${fs.source} ` : ''}mounted at ${fs.mountPoint}`
    : `a filesystem of unknown type (device ${fs.dev})`;
}
