/**
 * Undo is a write path too (L11.7, issue 13 item 2): the workspace as an undo would leave it is judged for
 * host-executed files before anything changes. The attack: a run makes a bare git directory without a config and a
 * pointer to it; a second run renames the pointer and the directory's refs/ away (plain renames: applied, journaled);
 * the write tool then writes `gd/config` with core.fsmonitor — allowed, since `gd` no longer looks like a git
 * directory; the operator's undo of the renames would complete the git directory, and the host's next `git status`
 * in `sub` would run the command. Refused, naming the file and key, with nothing undone; once the file is gone the
 * same undo works. An ordinary undo inside a repository whose config the operator gave keys of their own still works.
 */
import { afterEach, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeWorkspaceFile } from '../../src/agent/tools/fs/workspace-fs.js';
import { planHostFiles } from '../../src/agent/tools/fs/host-files.js';
import { selectUndo } from '../../src/exec/effects/journal-query.js';
import { startHarness, type Harness } from './effects-harness.js';

let h: Harness | undefined;
let scratch: string | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
  if (scratch) rmSync(scratch, { recursive: true, force: true });
  scratch = undefined;
});

function undoLast(harness: Harness) {
  const journal = harness.svc.journal;
  if (!journal) throw new Error('no journal');
  const ws = realpathSync(harness.workspace);
  const chosen = selectUndo(journal.list(ws), { last: true });
  if (!chosen.ok) throw new Error(chosen.error.message);
  return journal.undo(ws, chosen.value);
}

async function ran(harness: Harness, command: string, turn: string): Promise<void> {
  const r = await harness.run(command, undefined, turn);
  if (!r.ok) throw new Error(r.error.message);
  expect(r.value.effects?.status).toBe('applied');
}

it('an undo that would complete a git directory holding core.fsmonitor is refused; nothing is undone', async () => {
  h = startHarness();
  scratch = mkdtempSync(join(tmpdir(), 'bulwark-undo-plant-'));
  const marker = join(scratch, 'fired');
  await ran(
    h,
    'mkdir sub && git init --bare -q gd && rm gd/config && echo "gitdir: ../gd" > sub/.git && echo hi > sub/a.txt',
    'turn-1',
  );
  await ran(h, 'mv sub/.git sub/dotgit.txt && mv gd/refs gd/r', 'turn-2');
  const config = `[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch ${marker}; false"\n`;
  // The write tool's judge lets it through: `gd` is not a git directory now.
  const plan = planHostFiles(h.workspace, 'gd/config', config, 1 << 20);
  expect(plan.ok && plan.value.refusals).toEqual([]);
  const written = writeWorkspaceFile(h.workspace, 'gd/config', config);
  expect(written.ok).toBe(true);

  const undone = undoLast(h);
  expect(undone.ok).toBe(false);
  if (undone.ok) return;
  expect(undone.error.code).toBe('journal.host_file');
  expect(undone.error.status).toBe(403);
  expect(undone.error.message).toContain('gd/config: core.fsmonitor');
  expect(undone.error.message).toContain('nothing was undone');
  // Nothing moved back.
  expect(existsSync(join(h.workspace, 'sub', 'dotgit.txt'))).toBe(true);
  expect(existsSync(join(h.workspace, 'gd', 'r'))).toBe(true);
  expect(existsSync(join(h.workspace, 'sub', '.git'))).toBe(false);
  spawnSync('git', ['-c', 'safe.directory=*', '-C', join(h.workspace, 'sub'), 'status', '--short']);
  expect(existsSync(marker)).toBe(false);

  // With the planted file gone, the same undo goes through and the repository is whole again — and harmless.
  rmSync(join(h.workspace, 'gd', 'config'));
  const again = undoLast(h);
  if (!again.ok) throw new Error(again.error.message);
  expect(existsSync(join(h.workspace, 'sub', '.git'))).toBe(true);
  expect(existsSync(join(h.workspace, 'gd', 'refs'))).toBe(true);
  spawnSync('git', ['-c', 'safe.directory=*', '-C', join(h.workspace, 'sub'), 'status', '--short']);
  expect(existsSync(marker)).toBe(false);
});

it("an ordinary undo in a repository with the operator's own config keys goes through", async () => {
  h = startHarness();
  const git = (...a: string[]) => execFileSync('git', ['-c', 'safe.directory=*', ...a], { cwd: h?.workspace });
  git('init', '-q');
  // The operator's own keys (not on the allow-list): already there before the entries, so not the undo's doing.
  git('config', 'core.pager', 'less -R');
  git('config', 'alias.st', 'status');
  writeFileSync(join(h.workspace, 'notes.txt'), 'first\n');
  await ran(
    h,
    'mv notes.txt renamed.txt && mkdir -p src && mv .git/refs .git/refs-away && mv .git/refs-away .git/refs',
    'turn-1',
  );
  const undone = undoLast(h);
  if (!undone.ok) throw new Error(undone.error.message);
  expect(readFileSync(join(h.workspace, 'notes.txt'), 'utf8')).toBe('first\n');
  expect(existsSync(join(h.workspace, 'renamed.txt'))).toBe(false);
});
