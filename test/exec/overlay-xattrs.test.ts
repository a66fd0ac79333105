/**
 * The overlay xattr dump (src/exec/effects/overlay-xattrs.ts): directory marks and the origin of copied-up files,
 * whose file handle names the workspace inode the effect reader follows a moved file by.
 */
import { describe, expect, it } from 'vitest';
import { originInode, parseXattrDump } from '../../src/exec/effects/overlay-xattrs.js';

/** An overlay origin (struct ovl_fb) as the kernel writes it for an ext4 file: ino32 + generation. */
function origin(ino: number, type = 1, bigEndian = false, words = type === 2 ? 4 : 2): string {
  const fid = Buffer.alloc(words * 4);
  if (bigEndian) fid.writeUInt32BE(ino, 0);
  else fid.writeUInt32LE(ino, 0);
  fid.writeUInt32LE(0xdeadbeef, 4);
  const head = Buffer.from([0, 0xfb, 21 + fid.length, bigEndian ? 1 : 0, type]);
  return `0x${Buffer.concat([head, Buffer.alloc(16), fid]).toString('hex')}`;
}

describe('the overlay xattr dump', () => {
  it('reads opaque and redirect marks and the origin inode of files and directories', () => {
    const dump = [
      '# file: .',
      'trusted.overlay.opaque=0x79',
      '',
      '# file: ./moved',
      `trusted.overlay.origin=${origin(2155129)}`,
      'trusted.overlay.redirect=0x2f61',
      '',
      '# file: ./g0.txt',
      `trusted.overlay.origin=${origin(4242)}`,
      '',
    ].join('\n');
    const x = parseXattrDump(dump);
    expect(x.get('')).toEqual({ opaque: true });
    expect(x.get('moved')).toEqual({ opaque: false, redirect: '/a', originIno: 2155129 });
    expect(x.get('g0.txt')).toEqual({ opaque: false, originIno: 4242 });
  });

  it('takes the inode only from handle types that start with one, in the byte order the handle says', () => {
    const hex = (s: string) => Buffer.from(s.slice(2), 'hex');
    expect(originInode(hex(origin(7, 2)))).toBe(7);
    expect(originInode(hex(origin(0x01020304, 1, true)))).toBe(0x01020304);
    // btrfs, or a handle whose length byte disagrees: no identity (content-based detection stays the fallback).
    expect(originInode(hex(origin(7, 0x4d)))).toBeUndefined();
    // tmpfs's handle is also type 1, but three words with the generation first: not an inode handle here.
    expect(originInode(hex(origin(7, 1, false, 3)))).toBeUndefined();
    const short = hex(origin(7));
    expect(originInode(short.subarray(0, short.length - 1))).toBeUndefined();
  });

  it('refuses a line it does not understand', () => {
    expect(() => parseXattrDump('# file: ./x\ntrusted.overlay.origin=zz')).toThrow(/unexpected value/);
  });
});
