/**
 * Where objects named by id sit in a git pack, from the `.idx` beside it (gitformat-pack, "Version 2 pack-*.idx
 * files"): a fan-out table, the sorted object names, their CRCs, their 31-bit offsets and the 64-bit ones. Only a
 * REF_DELTA needs it: its base is named by id, not by offset.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';

const ID_BYTES = 20;

/**
 * Offsets in the pack of the `ids` (hex) found in the index at `idxPath`; undefined when there is no readable
 * version 2 index there, or it is larger than `maxBytes`. Opened as the walk opens files: no link followed, no block.
 */
export async function packOffsets(
  idxPath: string,
  ids: ReadonlySet<string>,
  maxBytes: number,
): Promise<Map<string, number> | undefined> {
  let fh;
  try {
    fh = await open(idxPath, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOFOLLOW);
  } catch (cause) {
    const code = typeof cause === 'object' && cause !== null && 'code' in cause ? cause.code : undefined;
    // No index beside the pack, or a link in its place: the caller counts the deltas as unresolved. Other errors
    // (one the daemon cannot read) go up, where the file counts as unreadable.
    if (code === 'ENOENT' || code === 'ELOOP') return undefined;
    throw cause;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile() || st.size > maxBytes || st.size < 8 + 1024) return undefined;
    const idx = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(idx, 0, st.size, 0);
    if (bytesRead !== st.size || idx.readUInt32BE(0) !== 0xff744f63 || idx.readUInt32BE(4) !== 2) return undefined;
    const count = idx.readUInt32BE(8 + 255 * 4);
    const names = 8 + 1024;
    const offsets = names + count * (ID_BYTES + 4);
    const large = offsets + count * 4;
    if (large > idx.length) return undefined;
    const found = new Map<string, number>();
    for (let i = 0; i < count; i++) {
      const id = idx.toString('hex', names + i * ID_BYTES, names + (i + 1) * ID_BYTES);
      if (!ids.has(id)) continue;
      const small = idx.readUInt32BE(offsets + i * 4);
      const at = large + (small & 0x7fffffff) * 8;
      if (small & 0x80000000) {
        if (at + 8 > idx.length) return undefined;
        found.set(id, Number(idx.readBigUInt64BE(at)));
      } else found.set(id, small);
    }
    return found;
  } finally {
    await fh.close();
  }
}
