/**
 * An undo that cannot put a pre-image back (the journal on another filesystem, the workspace's disk full) changes
 * nothing: the pre-image is first copied beside its path, and only then does it replace what stands there. Before,
 * the current file was deleted first and the copy then failed: the path was left empty. Real tmpfs, real ENOSPC.
 */
import { afterEach, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { selectUndo } from '../../src/exec/effects/journal-query.js';
import { startHarness, type Harness } from './effects-harness.js';

let h: Harness | undefined;
afterEach(() => {
  if (h) spawnSync('umount', [h.workspace]);
  h?.close();
  h = undefined;
});

it.runIf(process.getuid?.() === 0)(
  'a pre-image that no longer fits leaves the file as it is and the entry undoable once there is room',
  async () => {
    h = startHarness();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'bulwark-undo-full', h.workspace], {
      encoding: 'utf8',
    });
    if (mounted.status !== 0) throw new Error(mounted.stderr);
    const original = randomBytes(900 * 1024);
    writeFileSync(join(h.workspace, 'f.bin'), original);
    writeFileSync(join(h.workspace, 'z.txt'), 'a before\n');
    // One entry with two changes, undone last to first: z.txt is put back, then f.bin fails.
    const r = await h.run('head -c 300000 /dev/zero > f.bin && echo a after > z.txt');
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.effects?.status).toBe('applied');
    // Leave about 400 KiB free: less than the 900 KiB pre-image even after the 300 KB file is gone.
    const df = spawnSync('df', ['-B1', '--output=avail', h.workspace], { encoding: 'utf8' });
    const avail = Number(df.stdout.trim().split('\n').pop());
    writeFileSync(join(h.workspace, 'filler'), Buffer.alloc(Math.max(0, avail - 400 * 1024)));

    const journal = h.svc.journal;
    if (!journal) throw new Error('no journal');
    const ws = realpathSync(h.workspace);
    const chosen = selectUndo(journal.list(ws), { last: true });
    if (!chosen.ok) throw new Error(chosen.error.message);
    expect(chosen.value[0]?.changes.map((c) => c.path)).toEqual(['f.bin', 'z.txt']);
    const failed = journal.undo(ws, chosen.value);
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(failed.error.message).toMatch(/ENOSPC|no space/i);
    // Nothing half-done: the file is as the run left it, no staging name is left behind.
    expect(readFileSync(join(ws, 'f.bin'))).toEqual(Buffer.alloc(300000));
    expect(readdirSync(ws).sort()).toEqual(['f.bin', 'filler', 'z.txt']);

    rmSync(join(ws, 'filler'));
    const again = selectUndo(journal.list(ws), { last: true });
    if (!again.ok) throw new Error(again.error.message);
    const undone = journal.undo(ws, again.value);
    if (!undone.ok) throw new Error(undone.error.message);
    expect(readFileSync(join(ws, 'f.bin')).equals(original)).toBe(true);
    expect(readFileSync(join(ws, 'z.txt'), 'utf8')).toBe('a before\n');
    expect(journal.list(ws).every((e) => e.undoneAt !== undefined)).toBe(true);
  },
);
