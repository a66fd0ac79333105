/**
 * Overlay metadata of the upper layer, as dumped by `getfattr` inside the run's mount namespace (Node has no
 * getxattr), keyed by the path relative to the upper root: the directories' opaque and redirect marks, and the
 * origin of what was copied up from the workspace (a file handle of the lower file, which names its inode).
 */

export interface DirXattrs {
  readonly opaque: boolean;
  /** Overlay redirect: a name in the same parent, or an absolute path from the workspace root ('/a/b'). */
  readonly redirect?: string;
  /**
   * Inode number of the workspace file this entry was copied up from (`trusted.overlay.origin`), when its file
   * handle is of a kind that names the inode (ext4's and xfs's 32-bit inode handles; else content matching is the
   * fallback). A file edited in place and
   * then moved keeps it; a file replaced by a new one (`sed -i`, write-to-temp-and-rename) has none.
   */
  readonly originIno?: number;
}

/**
 * Kernel file handle types that start with a 32-bit inode number (include/linux/exportfs.h), by the length of the
 * handle they have there: inode + generation (+ the parent's). tmpfs also says type 1, with a different layout of
 * three words (generation first): that length is not taken.
 */
const INODE_HANDLES = new Map<number, number>([
  [1, 8],
  [2, 16],
]);
/** struct ovl_fb: version, magic, len, flags, type, uuid[16], then the file handle. */
const OVL_FH_MAGIC = 0xfb;
const OVL_FH_HEADER = 21;
const OVL_FH_FLAG_BIG_ENDIAN = 1;

/** The lower inode an overlay origin handle names, or undefined when its handle type does not say. */
export function originInode(fh: Buffer): number | undefined {
  if (fh.length < OVL_FH_HEADER + 4 || fh[1] !== OVL_FH_MAGIC || fh[2] !== fh.length) return undefined;
  const handleBytes = INODE_HANDLES.get(fh[4] as number);
  if (handleBytes === undefined || fh.length - OVL_FH_HEADER !== handleBytes) return undefined;
  return ((fh[3] as number) & OVL_FH_FLAG_BIG_ENDIAN) !== 0
    ? fh.readUInt32BE(OVL_FH_HEADER)
    : fh.readUInt32LE(OVL_FH_HEADER);
}

/** getfattr escapes a file name's special bytes as \ooo (octal) and a backslash as \\. */
function unescapeName(s: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '\\' && s[i + 1] === '\\') {
      bytes.push(0x5c);
      i++;
    } else if (c === '\\' && /^[0-7]{3}$/.test(s.slice(i + 1, i + 4))) {
      bytes.push(parseInt(s.slice(i + 1, i + 4), 8));
      i += 3;
    } else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

function hexValue(v: string): Buffer | undefined {
  if (!v.startsWith('0x') || v.length % 2 !== 0 || !/^0x[0-9a-f]*$/i.test(v)) return undefined;
  return Buffer.from(v.slice(2), 'hex');
}

/**
 * Parses `getfattr -R -e hex -d -m '^trusted\.overlay\.(opaque|redirect|origin)$' .` run in the upper root.
 * Throws on a line it does not understand: a misread dump must never be applied.
 */
export function parseXattrDump(text: string): Map<string, DirXattrs> {
  const out = new Map<string, DirXattrs>();
  let current: string | undefined;
  let attrs: { opaque: boolean; redirect?: string; originIno?: number } = { opaque: false };
  const flush = () => {
    if (current !== undefined) out.set(current, attrs);
  };
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# file: ')) {
      flush();
      const name = unescapeName(line.slice('# file: '.length));
      current = name === '.' ? '' : name.replace(/^\.\//, '');
      attrs = { opaque: false };
      continue;
    }
    const eq = line.indexOf('=');
    if (current === undefined || eq < 0) throw new SyntaxError(`unexpected line in the overlay xattr dump: ${line}`);
    const key = line.slice(0, eq);
    const value = hexValue(line.slice(eq + 1));
    if (value === undefined) throw new SyntaxError(`unexpected value in the overlay xattr dump: ${line}`);
    if (key === 'trusted.overlay.opaque') attrs.opaque = ['y', 'x'].includes(value.toString('utf8'));
    else if (key === 'trusted.overlay.redirect') attrs.redirect = value.toString('utf8');
    else if (key === 'trusted.overlay.origin') {
      const ino = originInode(value);
      if (ino !== undefined) attrs.originIno = ino;
    }
  }
  flush();
  return out;
}
