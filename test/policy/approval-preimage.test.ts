import { closeSync, mkdirSync, mkdtempSync, openSync, realpathSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyAction, MAX_PREIMAGE_BYTES, readPreimage } from '../../src/policy/action-classifier.js';
import { buildEffect, buildView } from '../../src/policy/approval-effect.js';
import { sha256Hex } from '../../src/core/compare.js';

const ws = realpathSync(mkdtempSync(path.join(tmpdir(), 'bw-preimage-')));
afterAll(() => rmSync(ws, { recursive: true, force: true }));

function approve(file: string, content: string) {
  const argsJson = JSON.stringify({ path: file, content });
  const c = classifyAction({ tool: 'write', declared: 'write', argsJson, workspace: ws, scratch: [] });
  const { effect, hash } = buildEffect(c, {
    tool: 'write',
    argsJson,
    agentId: 'a',
    sessionId: 's',
    workspace: ws,
    network: { mode: 'none', grants: [] },
  });
  return { c, effect, hash, view: () => buildView(c, effect) };
}

describe('L13 preimage of a write: one capped read for the hash and the diff', () => {
  it('the diff the approver sees comes from the bytes the hash binds, even when the file changes in between', () => {
    writeFileSync(path.join(ws, 'config.txt'), 'one\ntwo\n');
    const a = approve('config.txt', 'one\nthree\n');
    writeFileSync(path.join(ws, 'config.txt'), 'EVIL\n');
    const diff = a.view().diff ?? '';
    expect(diff).toContain('-two');
    expect(diff).not.toContain('EVIL');
    expect(a.effect.preimage).toBe(sha256Hex(Buffer.from('one\ntwo\n')));
    // The file did change: classifying again (as execution does) gives another hash, so the approval is void.
    expect(approve('config.txt', 'one\nthree\n').hash).not.toBe(a.hash);
  });

  it('the view carries the write as its one entry of effects (the shape held exec runs use), the diff also on top', () => {
    writeFileSync(path.join(ws, 'shape.txt'), 'one\n');
    const v = approve('shape.txt', 'one\ntwö\n').view();
    expect(v.effects).toEqual([{ path: 'shape.txt', change: 'modified', bytes: 9, diff: v.diff }]);
    expect(v.diff).toContain('+twö');
    expect(approve('new.txt', 'x').view().effects).toMatchObject([{ path: 'new.txt', change: 'created', bytes: 1 }]);
  });

  it('a file larger than the diff cap: hashed whole in the same read, no diff, and a change anywhere voids the approval', () => {
    const big = path.join(ws, 'big.bin');
    writeFileSync(big, Buffer.alloc(MAX_PREIMAGE_BYTES + 10, 0x61));
    const a = approve('big.bin', 'x');
    expect(a.c.write?.preimageCapped).toEqual({ readBytes: MAX_PREIMAGE_BYTES + 10, size: MAX_PREIMAGE_BYTES + 10 });
    expect(a.c.write?.preimageBytes).toBeUndefined();
    expect(a.effect.preimage).toBe(sha256Hex(Buffer.alloc(MAX_PREIMAGE_BYTES + 10, 0x61)));
    expect(a.view().diff).toMatch(
      /larger than the 1048576 bytes shown for an approval; not shown; its whole content is bound/,
    );
    // A change past the first MiB that keeps the size still voids the approval.
    const fd = openSync(big, 'r+');
    writeSync(fd, Buffer.from('b'), 0, 1, MAX_PREIMAGE_BYTES + 5);
    closeSync(fd);
    expect(approve('big.bin', 'x').hash).not.toBe(a.hash);
  });

  it('a large file is hashed once per version: the cached hash is reused, and any write (same size) makes a new one', () => {
    const f = path.join(ws, 'large.bin');
    writeFileSync(f, Buffer.alloc(5 * 1_048_576, 0x61));
    const first = readPreimage(f);
    expect(readPreimage(f)).toBe(first);
    const fd = openSync(f, 'r+');
    writeSync(fd, Buffer.from('b'), 0, 1, 3 * 1_048_576);
    closeSync(fd);
    const second = readPreimage(f);
    expect(second.preimage).not.toBe(first.preimage);
    expect(second.preimageCapped).toEqual({ readBytes: 5 * 1_048_576, size: 5 * 1_048_576 });
  });

  it('beyond the hash cap the first bytes and the size are bound, and the view says so', () => {
    const f = path.join(ws, 'huge.bin');
    writeFileSync(f, Buffer.alloc(4096, 0x61));
    const r = readPreimage(f, 1024, 2048);
    expect(r.preimageCapped).toEqual({ readBytes: 2048, size: 4096 });
    expect(r.preimage).toBe(sha256Hex(Buffer.alloc(2048, 0x61)));
  });

  it('a file within the cap carries no cap marker and hashes as before', () => {
    writeFileSync(path.join(ws, 'small.txt'), 'abc');
    const a = approve('small.txt', 'x');
    expect(a.effect.preimageCapped).toBeUndefined();
    expect(a.effect.preimage).toBe(sha256Hex('abc'));
  });

  it('something that is not a regular file is not read', () => {
    mkdirSync(path.join(ws, 'adir'));
    const a = approve('adir', 'x');
    expect(a.effect.preimage).toBe('not-a-file');
    expect(a.view().diff).toContain('could not be read: not-a-file');
  });
});
