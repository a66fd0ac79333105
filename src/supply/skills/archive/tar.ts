/**
 * A tar reader (ustar, pax and GNU long names) over a buffer already in memory: regular files and folders only.
 * Every header's checksum is verified; a link, a device, a FIFO, a base-256 size or an unknown entry type refuses
 * the whole archive, so nothing that could point outside the extraction folder is ever written.
 */
import { type BulwarkError, ok, type Result } from '../../../core/index.js';
import { type ArchiveBudget, type ArchiveEntry, archiveError, entryPath, refusedKind } from './entry.js';

const BLOCK = 512;

const KINDS: Readonly<Record<string, string>> = {
  '1': 'a hard link',
  '2': 'a symbolic link',
  '3': 'a character device',
  '4': 'a block device',
  '6': 'a FIFO',
  '7': 'a contiguous file',
  K: 'a long link name',
  S: 'a sparse file',
  V: 'a volume header',
};

function text(b: Buffer, at: number, len: number): string {
  const field = b.subarray(at, at + len);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? len : end).toString('utf8');
}

function octal(b: Buffer, at: number, len: number): number | undefined {
  if ((b[at] ?? 0) & 0x80) return undefined; // base-256: only for sizes no skill has
  const s = text(b, at, len).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) return undefined;
  return parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = octal(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] ?? 0);
  return stored === sum;
}

/** `path` from a pax extended header ("LEN key=value\n" records); other keys are ignored. */
function paxPath(data: Buffer): Result<string | undefined, BulwarkError> {
  let at = 0;
  let path: string | undefined;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const len = space < 0 ? NaN : Number(data.subarray(at, space).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0 || at + len > data.length)
      return archiveError('corrupt', 'a pax header record is malformed: the archive is damaged');
    const record = data.subarray(space + 1, at + len - 1).toString('utf8');
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === 'path') path = record.slice(eq + 1);
    if (eq > 0 && record.slice(0, eq) === 'linkpath') return refusedKind(path ?? 'an entry', 'a link (pax linkpath)');
    at += len;
  }
  return ok(path);
}

export function readTar(tar: Buffer, budget: ArchiveBudget): Result<ArchiveEntry[], BulwarkError> {
  const entries: ArchiveEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  while (at + BLOCK <= tar.length) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((byte) => byte === 0)) return ok(entries);
    if (!checksumOk(h)) return archiveError('corrupt', `the tar header at byte ${at} has a wrong checksum`);
    const size = octal(h, 124, 12);
    if (size === undefined) return archiveError('corrupt', `the tar header at byte ${at} has an unreadable size`);
    const dataAt = at + BLOCK;
    if (dataAt + size > tar.length) return archiveError('corrupt', 'the tar archive ends inside an entry (truncated)');
    const data = tar.subarray(dataAt, dataAt + size);
    at = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    const type = String.fromCharCode(h[156] ?? 0);
    if (type === 'x' || type === 'L') {
      if (size > 64 * 1024) return archiveError('corrupt', 'an extended tar header is larger than 64 KiB');
      if (type === 'L') longName = text(data, 0, data.length);
      else {
        const p = paxPath(data);
        if (!p.ok) return p;
        if (p.value !== undefined) longName = p.value;
      }
      continue;
    }
    if (type === 'g') continue; // global pax header: metadata only
    const prefix = text(h, 257, 6).startsWith('ustar') ? text(h, 345, 155) : '';
    const rawName = longName ?? (prefix ? `${prefix}/${text(h, 0, 100)}` : text(h, 0, 100));
    longName = undefined;
    const path = entryPath(rawName);
    if (!path.ok) return path;
    const counted = budget.entry(path.value);
    if (!counted.ok) return counted;
    const kind = KINDS[type];
    if (kind !== undefined) return refusedKind(path.value || rawName, kind);
    if (type === '5') {
      if (path.value) entries.push({ path: path.value, kind: 'dir', bytes: new Uint8Array() });
    } else if (type === '0' || type === '\0') {
      if (!path.value) return archiveError('path', 'a file entry has an empty name');
      const fits = budget.bytes(path.value, size);
      if (!fits.ok) return fits;
      entries.push({ path: path.value, kind: 'file', bytes: new Uint8Array(data) });
    } else return refusedKind(path.value || rawName, `an entry of unknown type ${JSON.stringify(type)}`);
  }
  return archiveError('corrupt', 'the tar archive has no end marker (truncated)');
}
