/**
 * Overlay metadata of the upper layer's directories (opaque, redirect), as dumped by `getfattr` inside the run's
 * mount namespace (Node has no getxattr). Only directories carry them; the dump is keyed by the path relative
 * to the upper root.
 */

export interface DirXattrs {
  readonly opaque: boolean;
  /** Overlay redirect: a name in the same parent, or an absolute path from the workspace root ('/a/b'). */
  readonly redirect?: string;
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

function hexValue(v: string): string | undefined {
  if (!v.startsWith('0x') || v.length % 2 !== 0 || !/^0x[0-9a-f]*$/i.test(v)) return undefined;
  return Buffer.from(v.slice(2), 'hex').toString('utf8');
}

/**
 * Parses `getfattr -R -e hex -d -m '^trusted\.overlay\.(opaque|redirect)$' .` run in the upper root.
 * Throws on a line it does not understand: a misread dump must never be applied.
 */
export function parseXattrDump(text: string): Map<string, DirXattrs> {
  const out = new Map<string, DirXattrs>();
  let current: string | undefined;
  let attrs: { opaque: boolean; redirect?: string } = { opaque: false };
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
    if (key === 'trusted.overlay.opaque') attrs.opaque = value === 'y' || value === 'x';
    else if (key === 'trusted.overlay.redirect') attrs.redirect = value;
  }
  flush();
  return out;
}
