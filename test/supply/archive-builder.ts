/** Builds tar and zip archives byte by byte, so tests can write the hostile entries real tools refuse to make. */
import { deflateRawSync, gzipSync } from 'node:zlib';
import { crc32 } from '../../src/supply/skills/archive/zip.js';

export interface TarItem {
  readonly name: string;
  readonly data?: string | Buffer;
  /** '0' file (default), '5' folder, '1' hard link, '2' symlink, '3' char device, '6' FIFO, 'x' pax, 'L' GNU long name. */
  readonly type?: string;
  readonly link?: string;
  /** Overrides the size field (a lie about the data). */
  readonly size?: number;
}

function field(h: Buffer, at: number, len: number, value: string): void {
  h.write(value.slice(0, len), at, 'utf8');
}

function octal(n: number, len: number): string {
  return n.toString(8).padStart(len - 1, '0');
}

export function tar(items: readonly TarItem[]): Buffer {
  const blocks: Buffer[] = [];
  for (const item of items) {
    const data = Buffer.from(item.data ?? '');
    const h = Buffer.alloc(512);
    field(h, 0, 100, item.name);
    field(h, 100, 8, octal(0o644, 8));
    field(h, 108, 8, octal(0, 8));
    field(h, 116, 8, octal(0, 8));
    field(h, 124, 12, octal(item.size ?? data.length, 12));
    field(h, 136, 12, octal(0, 12));
    h.fill(0x20, 148, 156);
    field(h, 156, 1, item.type ?? '0');
    field(h, 157, 100, item.link ?? '');
    field(h, 257, 6, 'ustar');
    field(h, 263, 2, '00');
    let sum = 0;
    for (const b of h) sum += b;
    field(h, 148, 8, `${octal(sum, 7)}\0`);
    blocks.push(h, data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

export const tgz = (items: readonly TarItem[]): Buffer => gzipSync(tar(items));

export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = body.length + 1;
  while (`${len}${body}`.length !== len) len = `${len}${body}`.length;
  return `${len}${body}`;
}

export interface ZipItem {
  readonly name: string;
  readonly data?: string | Buffer;
  /** Unix mode in the external attributes (e.g. 0o120777 for a symlink). */
  readonly mode?: number;
  readonly encrypted?: boolean;
  readonly store?: boolean;
  /** Overrides the declared uncompressed size. */
  readonly size?: number;
}

/** `zip64`: write the zip64 end record and locator, with the classic end record's fields set to "see zip64". */
export function zip(items: readonly ZipItem[], options: { zip64?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const item of items) {
    const data = Buffer.from(item.data ?? '');
    const packed = item.store ? data : deflateRawSync(data);
    const name = Buffer.from(item.name);
    const method = item.store ? 0 : 8;
    const flags = item.encrypted ? 1 : 0;
    const crc = crc32(data);
    const size = item.size ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((item.mode ?? 0o100644) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, packed);
    centrals.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const cd = Buffer.concat(centrals);
  if (options.zip64) {
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(items.length), 24);
    rec.writeBigUInt64LE(BigInt(items.length), 32);
    rec.writeBigUInt64LE(BigInt(cd.length), 40);
    rec.writeBigUInt64LE(BigInt(offset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(offset + cd.length), 8);
    loc.writeUInt32LE(1, 16);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(0x06054b50, 0);
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(0xffffffff, 12);
    end.writeUInt32LE(0xffffffff, 16);
    return Buffer.concat([...locals, cd, rec, loc, end]);
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
