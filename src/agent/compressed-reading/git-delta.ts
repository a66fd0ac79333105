/**
 * A git delta (gitformat-pack, "Deltified representation"): the base's size and the result's size as
 * little-endian base-128 numbers, then instructions that copy a range of the base or insert the bytes that follow.
 */

function sizeAt(delta: Buffer, at: number): { readonly value: number; readonly next: number } | undefined {
  let value = 0;
  let shift = 0;
  for (let p = at; p < delta.length && shift <= 49; p++) {
    const b = delta[p] ?? 0;
    value += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) return { value, next: p + 1 };
  }
  return undefined;
}

/** The size of the object `delta` builds, read before it is built (so the caller can refuse to hold it). */
export function deltaResultSize(delta: Buffer): number | undefined {
  const base = sizeAt(delta, 0);
  return base ? sizeAt(delta, base.next)?.value : undefined;
}

/** The object `delta` builds from `base`; undefined when the delta does not fit the base or is malformed. */
export function applyDelta(base: Buffer, delta: Buffer): Buffer | undefined {
  const baseSize = sizeAt(delta, 0);
  if (!baseSize || baseSize.value !== base.length) return undefined;
  const resultSize = sizeAt(delta, baseSize.next);
  if (!resultSize) return undefined;
  const out = Buffer.allocUnsafe(resultSize.value);
  let o = 0;
  let p = resultSize.next;
  while (p < delta.length) {
    const op = delta[p++] ?? 0;
    if (op & 0x80) {
      let offset = 0;
      let size = 0;
      for (let i = 0; i < 4; i++) if (op & (1 << i)) offset += (delta[p++] ?? 0) * 2 ** (8 * i);
      for (let i = 0; i < 3; i++) if (op & (1 << (4 + i))) size += (delta[p++] ?? 0) * 2 ** (8 * i);
      if (size === 0) size = 0x10000;
      if (p > delta.length || offset + size > base.length || o + size > out.length) return undefined;
      base.copy(out, o, offset, offset + size);
      o += size;
    } else if (op !== 0) {
      if (p + op > delta.length || o + op > out.length) return undefined;
      delta.copy(out, o, p, p + op);
      o += op;
      p += op;
    } else return undefined;
  }
  return o === out.length ? out : undefined;
}
