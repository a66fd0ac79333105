/**
 * The objects of a git pack (gitformat-pack: "PACK", version, object count; each object a type-and-size header, for
 * OFS_DELTA the base's distance back, for REF_DELTA the base's id, then a zlib stream), each rebuilt and scanned as
 * the file it stands for. A delta is applied to its base, never scanned as delta bytes: a value inserted in pieces,
 * or put together from copies of the base, only exists in the rebuilt object.
 *
 * First pass, in pack order: every stream is inflated to find where the next object starts (as `git index-pack`
 * does), whole objects are scanned as they inflate, deltas are noted. Second pass: from each whole object that is a
 * base, its deltas are applied depth first, so each object is rebuilt once and only one chain is held in memory.
 * Bounded: inflated bytes count against the walk's budget, objects against its cap, a chain deeper than the cap or
 * a chain larger than the memory cap holds, and so does a delta whose base is not in the pack (a base elsewhere is
 * not looked for: git keeps local packs whole).
 *
 * A stream that does not inflate ends the first pass there, and a delta that does not fit its base is skipped: such
 * bytes can only hold a value whoever wrote them already had (see `compressed-content.ts`).
 */
import { type ByteSource, WindowedSource } from './byte-source.js';
import { ContentSink } from './content-sink.js';
import { applyDelta, deltaResultSize } from './git-delta.js';
import { packOffsets } from './git-pack-index.js';
import { type Found, pastBudget, type ReadingContext, spendObject, yieldNow } from './reading-context.js';
import { type InflateEnd, inflateSmall, inflateStream } from './zlib-stream.js';

const OFS_DELTA = 6;
const REF_DELTA = 7;
/** Objects inflated at once (in one call) up to this size; larger ones are streamed. */
const SMALL_OBJECT = 256 * 1024;
/** Objects, or bytes inflated, between two yields to the event loop. */
const YIELD_EVERY = 128;
const YIELD_BYTES = 1024 * 1024;

interface PackObject {
  readonly offset: number;
  readonly type: number;
  /** Inflated size: the object's, or for a delta the delta's. */
  readonly size: number;
  /** Where its zlib stream starts. */
  readonly data: number;
  base?: number;
  readonly ref?: string;
}

/** Parses the header of the object at `offset`; undefined when it is no valid one. */
function header(h: Buffer, offset: number): (Omit<PackObject, 'data'> & { readonly length: number }) | undefined {
  let k = 0;
  let c = h[k++];
  if (c === undefined) return undefined;
  const type = (c >> 4) & 7;
  let size = c & 15;
  for (let shift = 4; c & 0x80; shift += 7) {
    c = h[k++];
    if (c === undefined || shift > 49) return undefined;
    size += (c & 0x7f) * 2 ** shift;
  }
  if (type === OFS_DELTA) {
    c = h[k++];
    if (c === undefined) return undefined;
    let back = c & 0x7f;
    while (c & 0x80) {
      c = h[k++];
      if (c === undefined || back > 2 ** 45) return undefined;
      back = (back + 1) * 128 + (c & 0x7f);
    }
    return { offset, type, size, base: offset - back, length: k };
  }
  if (type === REF_DELTA) {
    if (k + 20 > h.length) return undefined;
    return { offset, type, size, ref: h.toString('hex', k, k + 20), length: k + 20 };
  }
  return type >= 1 && type <= 4 ? { offset, type, size, length: k } : undefined;
}

/** Inflates the object's stream into `onData`, at once when it is small. */
async function inflateObject(src: ByteSource, o: PackObject, onData: (piece: Buffer) => boolean): Promise<InflateEnd> {
  if (o.size <= SMALL_OBJECT) {
    const r = inflateSmall(await src.read(o.data, o.size + (o.size >> 3) + 1024), o.size);
    if (r === 'corrupt' || (r && r.out.length !== o.size)) return { kind: 'corrupt' };
    if (r) return onData(r.out) ? { kind: 'end', consumed: r.consumed } : { kind: 'stopped' };
  }
  return inflateStream(src, o.data, src.size, 'zlib', onData);
}

export async function readPack(
  raw: ByteSource,
  ctx: ReadingContext,
  level: number,
  /** The pack's path, for the `.idx` beside it; none for a pack inside other content. */
  packPath?: string,
): Promise<Found> {
  const src = new WindowedSource(raw);
  const count = (await src.read(8, 4)).readUInt32BE(0);
  const objects: PackObject[] = [];
  const spend = (piece: Buffer) => {
    ctx.budget.left -= piece.length;
    return ctx.budget.left >= 0;
  };
  let sinceYield = 0;
  let leftAtYield = ctx.budget.left;
  const pause = async () => {
    if (++sinceYield < YIELD_EVERY && leftAtYield - ctx.budget.left < YIELD_BYTES) return;
    sinceYield = 0;
    leftAtYield = ctx.budget.left;
    await yieldNow();
  };

  // First pass.
  for (let i = 0, pos = 12; i < count; i++) {
    const over = spendObject(ctx);
    if (over) return over;
    const h = header(await src.read(pos, 64), pos);
    if (!h) break;
    const o: PackObject = { ...h, data: pos + h.length };
    let r: InflateEnd;
    if (o.type < OFS_DELTA) {
      const sink = new ContentSink(ctx, level);
      r = await inflateObject(src, o, (piece) => sink.push(piece));
      const found = await sink.end();
      if (found) return found;
    } else {
      r = await inflateObject(src, o, spend);
      if (ctx.budget.left < 0) return pastBudget(ctx);
    }
    if (r.kind !== 'end') break;
    objects.push(o);
    pos = o.data + r.consumed;
    await pause();
  }

  // Second pass.
  const refs = new Set(objects.flatMap((o) => (o.ref ? [o.ref] : [])));
  if (refs.size > 0 && packPath?.endsWith('.pack')) {
    const at = await packOffsets(packPath.replace(/\.pack$/, '.idx'), refs, ctx.limits.maxHeldBytes);
    for (const o of objects) if (o.ref) o.base = at?.get(o.ref);
  }
  const children = new Map<number, PackObject[]>();
  for (const o of objects)
    if (o.base !== undefined) {
      const list = children.get(o.base);
      if (list) list.push(o);
      else children.set(o.base, [o]);
    }
  const deltas = objects.filter((o) => o.type >= OFS_DELTA).length;
  let reached = 0;
  let held = 0;
  const skipTree = (o: PackObject) => {
    const stack = [o];
    for (let x = stack.pop(); x; x = stack.pop()) {
      reached += 1;
      stack.push(...(children.get(x.offset) ?? []));
    }
  };
  const whole = async (o: PackObject): Promise<Buffer | 'corrupt' | Found> => {
    if (held + o.size > ctx.limits.maxHeldBytes) return tooLarge();
    const pieces: Buffer[] = [];
    let got = 0;
    // Held only up to the size its header gave (checked against the cap above): a stream inflating to more is corrupt.
    const r = await inflateObject(src, o, (piece) => {
      pieces.push(piece);
      got += piece.length;
      return spend(piece) && got <= o.size;
    });
    if (ctx.budget.left < 0) return pastBudget(ctx);
    return r.kind === 'end' && got === o.size ? Buffer.concat(pieces) : 'corrupt';
  };
  const tooLarge = (): Found => ({
    hold: `holds a git object whose delta chain needs more than the ${ctx.limits.maxHeldBytes} bytes a scan holds in memory`,
  });
  const expand = async (base: Buffer, offset: number, depth: number): Promise<Found> => {
    for (const child of children.get(offset) ?? []) {
      if (depth + 1 > ctx.limits.maxDeltaDepth)
        return { hold: `holds a git delta chain deeper than ${ctx.limits.maxDeltaDepth}, deeper than a scan rebuilds` };
      await pause();
      const delta = await whole(child);
      if (!Buffer.isBuffer(delta)) {
        if (delta !== 'corrupt') return delta;
        skipTree(child);
        continue;
      }
      const size = deltaResultSize(delta) ?? 0;
      if (held + size > ctx.limits.maxHeldBytes) return tooLarge();
      const result = applyDelta(base, delta);
      if (!result) {
        skipTree(child);
        continue;
      }
      reached += 1;
      held += result.length;
      const sink = new ContentSink(ctx, level);
      await sink.pushAll(result);
      const found = (await sink.end()) ?? (await expand(result, child.offset, depth + 1));
      held -= result.length;
      if (found) return found;
    }
    return undefined;
  };
  for (const root of objects) {
    if (root.type >= OFS_DELTA || !children.has(root.offset)) continue;
    const content = await whole(root);
    if (!Buffer.isBuffer(content)) {
      if (content !== 'corrupt') return content;
      for (const c of children.get(root.offset) ?? []) skipTree(c);
      continue;
    }
    held += content.length;
    const found = await expand(content, root.offset, 0);
    held -= content.length;
    if (found) return found;
  }
  if (reached < deltas)
    return {
      hold: `holds ${deltas - reached} git deltas whose base is not in the pack, so they cannot be rebuilt and scanned`,
    };
  return undefined;
}
