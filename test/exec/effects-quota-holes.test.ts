/**
 * The write quota (L11.8) against what the upper tmpfs's block count misses: files that are mostly holes (their
 * length counts), unbounded numbers of entries (the upper layer's inode count), and renames journaled as copies.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from './effects-harness.js';
import { OVERLAY_HOLDER, PARKED_HOLDER } from '../../src/exec/sandbox/overlay-holder.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

async function effects(cmd: string) {
  const r = await (h as Harness).run(cmd);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('sparse files count by their length', () => {
  it('a file of holes longer than the quota is discarded; a shorter one is applied', async () => {
    h = startHarness({ limits: { workspaceWriteMb: 8 } });
    const big = await effects('truncate -s 64M g1 && truncate -s 64M g2 && echo made');
    expect(big.stdout).toContain('made');
    expect(big.effects).toMatchObject({ status: 'discarded', gate: 'L11.8' });
    expect(big.effects?.reason).toMatch(/134217728 bytes \(their length, holes included\)/);
    expect(existsSync(join(h.workspace, 'g1'))).toBe(false);
    const small = await effects('truncate -s 4M g3');
    expect(small.effects?.status).toBe('applied');
    expect(statSync(join(h.workspace, 'g3')).size).toBe(4 * 1024 * 1024);
  });
});

describe('the number of entries one exec may leave (exec.limits.workspaceFiles)', () => {
  it('more files than the limit: the command gets ENOSPC, and the run is discarded with the limit named', async () => {
    h = startHarness({ limits: { workspaceFiles: 100 } });
    const o = await effects('i=0; while [ $i -lt 300 ]; do i=$((i+1)); touch f$i || break; done; echo stopped at $i');
    // The upper tmpfs has room for a few more inodes than the limit (copy-ups in flight), then none.
    expect(o.stdout).toMatch(/stopped at 10\d/);
    expect(o.stderr).toMatch(/No space left on device/);
    expect(o.effects).toMatchObject({ status: 'discarded', gate: 'L11.8' });
    expect(o.effects?.reason).toMatch(/more than exec\.limits\.workspaceFiles \(100\)/);
    expect(existsSync(join(h.workspace, 'f1'))).toBe(false);
  });

  it('directories count too; fewer entries than the limit are applied', async () => {
    h = startHarness({ limits: { workspaceFiles: 100 } });
    const dirs = await effects('mkdir $(seq -f d%g 1 101)');
    expect(dirs.effects).toMatchObject({ status: 'discarded', gate: 'L11.8' });
    expect(existsSync(join(h.workspace, 'd1'))).toBe(false);
    // A new directory's overlay xattr takes a little inode room too (tmpfs on Linux 6.6 and later): not exact.
    const fits = await effects('mkdir $(seq -f d%g 1 45) && touch $(seq -f d%g/x 1 45)');
    expect(fits.effects?.status).toBe('applied');
    expect(existsSync(join(h.workspace, 'd45', 'x'))).toBe(true);
  });
});

describe('renames in the undo journal', () => {
  it('mv moves the file itself: nothing is kept, and undo renames it back', async () => {
    h = startHarness();
    const ws = h.workspace;
    const data = Buffer.alloc(5_000_000, 7);
    writeFileSync(join(ws, 'data.bin'), data);
    const ino = statSync(join(ws, 'data.bin')).ino;
    const o = await effects('mv data.bin data2.bin');
    expect(o.effects?.status).toBe('applied');
    expect(statSync(join(ws, 'data2.bin')).ino).toBe(ino);
    const journal = h.svc.journal;
    const entries = journal?.list(ws) ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]?.bytes).toBe(0);
    expect(journal?.undo(ws, entries).ok).toBe(true);
    expect(existsSync(join(ws, 'data2.bin'))).toBe(false);
    expect(readFileSync(join(ws, 'data.bin')).equals(data)).toBe(true);
  });

  it('a rename whose old path is written again keeps the old copy, counted, and undo restores both paths', async () => {
    h = startHarness();
    const ws = h.workspace;
    writeFileSync(join(ws, 'a.txt'), 'original\n'.repeat(1000));
    const o = await effects('mv a.txt b.txt && echo new > a.txt');
    expect(o.effects?.status).toBe('applied');
    expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('new\n');
    const journal = h.svc.journal;
    const entries = journal?.list(ws) ?? [];
    expect(entries[0]?.bytes).toBe(9000);
    expect(journal?.undo(ws, entries).ok).toBe(true);
    expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('original\n'.repeat(1000));
    expect(existsSync(join(ws, 'b.txt'))).toBe(false);
  });

  it('that kept copy counts toward the journal cap: a run that would exceed it is held', async () => {
    h = startHarness({ journal: { maxMb: 1 } });
    const ws = h.workspace;
    writeFileSync(join(ws, 'notes.txt'), 'n'.repeat(600_000));
    writeFileSync(join(ws, 'big.bin'), 'b'.repeat(600_000));
    expect((await effects("head -c 600000 /dev/zero | tr '\\0' c > notes.txt")).effects?.status).toBe('applied');
    // Keeping big.bin's 600 KB as well would drop the notes entry: held, and denied (no operator here).
    // A rename with a mode change is applied from the upper layer's copy: the old file is kept in the journal.
    const o = await effects('mv big.bin big2.bin && chmod 600 big2.bin');
    expect(o.effects).toMatchObject({ status: 'held-denied', held: true });
    expect(o.effects?.reason).toMatch(/drops the undo history/);
    expect(h.svc.journal?.list(ws)).toHaveLength(1);
    expect(readFileSync(join(ws, 'big.bin'), 'utf8')).toBe('b'.repeat(600_000));
  });
});

describe('the holders read their upper tmpfs once', () => {
  it('one `stat -f` serves both the file cap and the quota check; a parked holder asks the daemon instead', () => {
    expect(OVERLAY_HOLDER.match(/stat -f/g)).toHaveLength(1);
    expect(PARKED_HOLDER).not.toMatch(/\bstat -/);
  });
});
