/**
 * Directory operations without a copy-on-write view (L11.7 degraded: here no journal, as on a host without
 * overlayfs), through real bwrap — as root's mapping and dropped to the sandbox user by the bind holder. What the
 * README promises that mode: commands change the workspace directly, the host-executed paths at the root and in
 * `.git` read-only, and what a run plants there quarantined. Directory renames, mkdir/rmdir, rm -r, delete and
 * recreate, a directory replaced by a file and back and `git mv` all land as a direct run would; moving a read-only
 * path's parent aside (`mv .git`, `mv .cargo`), a `.git` replaced by a `gitdir:` file and a fresh `git init` with a
 * planted key leave nothing in the workspace that the host's git would run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import { snapshot } from './effects-harness.js';

const git = (args: string) => `git -c safe.directory=* -c user.email=t@t -c user.name=t ${args}`;

for (const user of ['root', 'bulwark-sandbox']) {
  describe(`directory operations without a copy-on-write view (sandbox user ${user})`, () => {
    let root: string;
    let svc: ExecService;
    const events: Array<Envelope<EventType>> = [];
    let n = 0;

    beforeAll(() => {
      root = mkdtempSync(join(tmpdir(), 'bulwark-degraded-'));
      const bus = new EventBus();
      bus.on('*', (e) => events.push(e as Envelope<EventType>));
      const started = startExec({
        config: ExecConfigSchema.parse({ sandboxUser: user }),
        runtimeDir: join(root, 'rt'),
        bus,
      });
      if (!started.ok) throw new Error(started.error.message);
      svc = started.value;
    });
    afterAll(() => {
      svc?.stop();
      rmSync(root, { recursive: true, force: true });
    });

    /** A fresh seeded workspace, a git repository made on the host, owned by the sandbox user. */
    function workspace(): string {
      const ws = join(root, `ws${n++}`);
      mkdirSync(join(ws, 'src', 'lib'), { recursive: true });
      writeFileSync(join(ws, 'a.txt'), 'alpha\n');
      writeFileSync(join(ws, 'src', 'main.c'), 'int main(){}\n');
      writeFileSync(join(ws, 'src', 'lib', 'util.c'), 'void u(){}\n');
      execSync(`${git('init -q')} && ${git('add -A')} && ${git('commit -qm init')}`, { cwd: ws });
      if (user !== 'root') execFileSync('chown', ['-R', `${user}:`, ws]);
      return ws;
    }

    async function run(ws: string, command: string) {
      const r = await svc.runner?.run(ws, { command });
      if (!r?.ok) throw new Error(r ? r.error.message : 'exec disabled');
      expect(r.value.effects).toBeUndefined();
      return r.value;
    }

    const files = (ws: string) =>
      Object.fromEntries(Object.entries(snapshot(ws)).filter(([k]) => k !== '.git/' && !k.startsWith('.git/')));

    it('reports L11.7 degraded', () => {
      expect(svc.layers().find((l) => l.id === 'L11.7')?.state).toBe('degraded');
    });

    it('a directory and a file renamed (rename(2)) land directly', async () => {
      const ws = workspace();
      expect((await run(ws, 'mv src code && mv a.txt b.txt')).exitCode).toBe(0);
      expect(files(ws)).toEqual({
        'b.txt': 'alpha\n',
        'code/': '',
        'code/lib/': '',
        'code/lib/util.c': 'void u(){}\n',
        'code/main.c': 'int main(){}\n',
      });
    });

    it('mkdir -p and rmdir, rm -r of a directory, delete-then-recreate', async () => {
      const ws = workspace();
      expect((await run(ws, 'mkdir -p d/e/f && rmdir d/e/f && mkdir g')).exitCode).toBe(0);
      expect(Object.keys(files(ws)).filter((k) => /^[dg]\//.test(k))).toEqual(['d/', 'd/e/', 'g/']);
      expect((await run(ws, 'rm -r d g src/lib')).exitCode).toBe(0);
      expect(Object.keys(files(ws))).toEqual(['a.txt', 'src/', 'src/main.c']);
      expect((await run(ws, 'rm -r src && mkdir src && echo new > src/new.c')).exitCode).toBe(0);
      expect(files(ws)).toEqual({ 'a.txt': 'alpha\n', 'src/': '', 'src/new.c': 'new\n' });
    });

    it('a directory replaced by a file, and the file by a directory again', async () => {
      const ws = workspace();
      expect((await run(ws, 'rm -r src && echo flat > src')).exitCode).toBe(0);
      expect(files(ws)).toEqual({ 'a.txt': 'alpha\n', src: 'flat\n' });
      expect((await run(ws, 'rm src && mkdir -p src/again && echo back > src/again/x')).exitCode).toBe(0);
      expect(files(ws)).toEqual({ 'a.txt': 'alpha\n', 'src/': '', 'src/again/': '', 'src/again/x': 'back\n' });
    });

    it('git mv DIR NEW works on the repository (its .git stays writable)', async () => {
      const ws = workspace();
      const o = await run(ws, `${git('mv src code')} && ${git('commit -qm moved')}`);
      expect(o.stderr).toBe('');
      expect(execSync(git('log --name-status --format=%s -1'), { cwd: ws, encoding: 'utf8' })).toMatch(
        /moved\n\nR100\tsrc\/lib\/util.c\tcode\/lib\/util.c/,
      );
    });

    /** The host's own git in the workspace: a planted core.fsmonitor would run `touch` here. */
    function hostGitFires(ws: string): boolean {
      const marker = join(ws, '..', `fired-${n}`);
      // Its exit status does not matter (a repository without its .git is no firing): only the marker does.
      spawnSync('/bin/sh', ['-c', 'git -c safe.directory=* status --short'], {
        cwd: ws,
        env: { PATH: '/usr/bin:/bin', MARK: marker },
      });
      return existsSync(marker);
    }
    // For printf in a double-quoted shell string: $MARK is left for the hook's own shell.
    const plant = '[core]\\n\\tfsmonitor = touch \\"\\$MARK\\"\\n';
    const quarantined = () =>
      events.filter(
        (e) => e.type === 'security:blocked' && (e.payload as { outcome?: string }).outcome === 'quarantined',
      );

    it('the control: the planted config fires the host git when written outside bulwark', () => {
      const ws = workspace();
      execSync(`printf "${plant}" >> .git/config`, { cwd: ws });
      expect(hostGitFires(ws)).toBe(true);
    });

    it('.git moved aside and a new one with a planted config: the new .git is quarantined', async () => {
      const ws = workspace();
      const before = quarantined().length;
      await run(ws, `mv .git old-git && mkdir .git && printf "${plant}" > .git/config`);
      expect(existsSync(join(ws, '.git'))).toBe(false);
      expect(readFileSync(join(ws, 'old-git', 'config'), 'utf8')).not.toContain('fsmonitor');
      expect(hostGitFires(ws)).toBe(false);
      expect(quarantined().length).toBe(before + 1);
    });

    it('.git replaced by a gitdir: file leading to a planted repository: the file is quarantined', async () => {
      const ws = workspace();
      await run(
        ws,
        `mv .git old-git && cp -r old-git evil && printf "${plant}" >> evil/config && printf "gitdir: evil\\n" > .git`,
      );
      expect(existsSync(join(ws, '.git'))).toBe(false);
      expect(hostGitFires(ws)).toBe(false);
    });

    it('a fresh git init with a planted key: its config and hooks are quarantined, the repository stays', async () => {
      const ws = workspace();
      rmSync(join(ws, '.git'), { recursive: true, force: true });
      await run(ws, `${git('init -q')} && ${git('config core.fsmonitor "touch \\"\\$MARK\\""')}`);
      expect(existsSync(join(ws, '.git', 'HEAD'))).toBe(true);
      expect(existsSync(join(ws, '.git', 'config'))).toBe(false);
      expect(hostGitFires(ws)).toBe(false);
    });

    it('a read-only file under a directory moved aside (.cargo/config.toml): the new one is quarantined', async () => {
      const ws = workspace();
      mkdirSync(join(ws, '.cargo'));
      writeFileSync(join(ws, '.cargo', 'config.toml'), "# the operator's\n");
      if (user !== 'root') execFileSync('chown', ['-R', `${user}:`, join(ws, '.cargo')]);
      await run(ws, 'mv .cargo old-cargo && mkdir .cargo && echo "[build]" > .cargo/config.toml');
      expect(existsSync(join(ws, '.cargo', 'config.toml'))).toBe(false);
      expect(readdirSync(join(ws, 'old-cargo'))).toEqual(['config.toml']);
    });
  });
}
