import { spawn, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ok } from '../../src/core/index.js';
import { fileJournal } from '../../src/exec/effects/file-journal.js';
import { Journal, type JournalEntry } from '../../src/exec/effects/journal.js';

const base = mkdtempSync(join(tmpdir(), 'bulwark-journal-lock-'));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill('SIGKILL');
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

const journalModule = pathToFileURL(join(process.cwd(), 'src/exec/effects/journal.ts')).href;

/**
 * Another process (a CLI beside the daemon) taking the workspace's turn: it says `held`, keeps the turn for
 * `holdMs` (or until killed when 0), writes `released` just before its turn ends, and exits.
 */
const OTHER = `
import { writeFileSync } from 'node:fs';
import { Journal } from ${JSON.stringify(journalModule)};
const [root, ws, mark, holdMs] = process.argv.slice(1);
const journal = new Journal({ root, maxBytes: 1 << 20 });
journal.exclusive(ws, () => {
  process.stdout.write('held\\n');
  const until = Date.now() + (Number(holdMs) || 60_000);
  while (Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  writeFileSync(mark, 'released');
  return { ok: true, value: undefined };
});
`;

async function otherHolds(root: string, ws: string, mark: string, holdMs: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', OTHER, root, ws, mark, String(holdMs)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let out = '';
  let errText = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (errText += c.toString()));
  for (let i = 0; i < 400 && !out.includes('held'); i++) await new Promise((r) => setTimeout(r, 25));
  expect(out, errText).toContain('held');
  return child;
}

let n = 0;
/** A workspace whose a.txt went from v0 to v1 through the journaled write path. */
function written(lockWaitMs: number): { ws: string; root: string; journal: Journal; entry: JournalEntry } {
  n += 1;
  const ws = join(base, `ws-${n}`);
  const root = join(base, `journal-${n}`);
  mkdirSync(ws);
  writeFileSync(join(ws, 'a.txt'), 'v0');
  const journal = new Journal({ root, maxBytes: 1 << 20, lockWaitMs });
  const files = fileJournal(journal, () => undefined);
  const r = files.around(ws, 'a.txt', { tool: 'write' }, () => {
    // As the tools write: a new file renamed over the name (the journal keeps the old inode).
    writeFileSync(join(ws, 'a.txt.tmp'), 'v1');
    renameSync(join(ws, 'a.txt.tmp'), join(ws, 'a.txt'));
    return ok(undefined);
  });
  expect(r.ok).toBe(true);
  return { ws, root, journal, entry: journal.list(ws).at(-1) as JournalEntry };
}

describe('processes changing one workspace take turns (journal lock)', () => {
  it('an undo while another process holds the turn waits, and is refused unchanged past its wait', async () => {
    const { ws, root, journal, entry } = written(150);
    const mark = join(base, `mark-${n}`);
    await otherHolds(root, ws, mark, 0);
    const r = journal.undo(ws, [entry]);
    expect(r.ok ? 'undone' : r.error.code).toBe('journal.busy');
    expect(r.ok ? '' : r.error.message).toMatch(/another bulwark process .*nothing was changed/);
    expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('v1');
    expect(journal.list(ws).at(-1)?.undoneAt).toBeUndefined();
  });

  it('an undo that waits runs after the other turn ended, never inside it', async () => {
    const { ws, root, journal, entry } = written(20_000);
    const mark = join(base, `mark-${n}`);
    await otherHolds(root, ws, mark, 400);
    expect(existsSync(mark)).toBe(false);
    const r = journal.undo(ws, [entry]);
    expect(r.ok).toBe(true);
    // The other process wrote its mark at the end of its turn: the undo ran after it.
    expect(readFileSync(mark, 'utf8')).toBe('released');
    expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('v0');
  });

  it('the daemon waits for another process’s turn with its event loop free, then takes the turn', async () => {
    const { ws, root, journal, entry } = written(20_000);
    const mark = join(base, `mark-${n}`);
    await otherHolds(root, ws, mark, 600);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    await journal.turnFree(ws);
    clearInterval(timer);
    expect(readFileSync(mark, 'utf8')).toBe('released');
    // A synchronous wait would have let no timer run at all.
    expect(ticks).toBeGreaterThan(5);
    expect(journal.undo(ws, [entry]).ok).toBe(true);
  });

  it('waiting for a free turn gives up after the journal’s wait, leaving the refusal to the take', async () => {
    const { ws, root, journal, entry } = written(150);
    await otherHolds(root, ws, join(base, `mark-${n}`), 0);
    await journal.turnFree(ws);
    const r = journal.undo(ws, [entry]);
    expect(r.ok ? 'undone' : r.error.code).toBe('journal.busy');
  });

  it('a journaled write waits for the other turn too', async () => {
    const { ws, root, journal } = written(20_000);
    const mark = join(base, `mark-${n}`);
    await otherHolds(root, ws, mark, 300);
    const files = fileJournal(journal, () => undefined);
    const r = files.around(ws, 'a.txt', { tool: 'write' }, () => {
      // Inside this process's turn the other one has ended.
      expect(existsSync(mark)).toBe(true);
      writeFileSync(join(ws, 'a.txt.tmp'), 'v2');
      renameSync(join(ws, 'a.txt.tmp'), join(ws, 'a.txt'));
      return ok(undefined);
    });
    expect(r.ok).toBe(true);
    expect(journal.list(ws)).toHaveLength(2);
  });

  it('a process killed inside its turn leaves no lock behind', async () => {
    const { ws, root, journal, entry } = written(150);
    const child = await otherHolds(root, ws, join(base, `mark-${n}`), 0);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const r = journal.undo(ws, [entry]);
    expect(r.ok).toBe(true);
    expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('v0');
  });

  it('a turn inside a turn of the same process runs at once (an undo chosen and done in one turn)', () => {
    const { ws, journal, entry } = written(150);
    const r = journal.exclusive(ws, () => journal.undo(ws, [entry]));
    expect(r.ok).toBe(true);
    expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('v0');
  });

  it('a symbolic link planted as the lock file is refused with a clear error; its target is not touched', async () => {
    const { ws, root, journal } = written(150);
    const lock = join(journal.dirOf(ws), 'lock');
    rmSync(lock, { force: true });
    const target = join(root, 'elsewhere.db');
    writeFileSync(target, 'not a lock');
    const chmodBefore = statSync(target).mode & 0o777;
    symlinkSync(target, lock);
    const r = journal.exclusive(ws, () => ok('ran'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('journal.lock_symlink');
      expect(r.error.message).toContain('is a symbolic link, which is never followed; remove it');
    }
    // The waiting step leaves the refusal to the take, and neither opens the target through the link.
    await journal.turnFree(ws);
    expect(readFileSync(target, 'utf8')).toBe('not a lock');
    expect(statSync(target).mode & 0o777).toBe(chmodBefore);
    expect(lstatSync(lock).isSymbolicLink()).toBe(true);
    // A dangling link would otherwise be created through: refused too, and nothing appears at its target.
    unlinkSync(lock);
    symlinkSync(join(root, 'made-through-link'), lock);
    const dangling = journal.exclusive(ws, () => ok('ran'));
    expect(dangling.ok).toBe(false);
    expect(existsSync(join(root, 'made-through-link'))).toBe(false);
    // Removed, the daemon makes its own lock file again (owner-only) and the turn runs.
    unlinkSync(lock);
    const again = journal.exclusive(ws, () => ok('ran'));
    expect(again.ok && again.value).toBe('ran');
    expect(statSync(lock).mode & 0o777).toBe(0o600);
  });
});
