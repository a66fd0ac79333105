/**
 * An operator's git run as root on the host (`git fetch`, `git commit`) leaves root-owned object directories, refs
 * and logs in a workspace the sandbox user owns. The next sandboxed `git commit` and `git fetch` through the daemon
 * still succeed: root's leftovers in `.git` are handed to the repository's owner before the run, while what the
 * host executes (config, hooks) keeps its owner. Real git, real bwrap, real daemon; needs root.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type FakeRequest } from '../support/fake-provider.js';
import { lastToolResultText, startE2E, toolResultBody, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

// A global config, not -c: git drops -c for the upload-pack a local fetch starts, and that one checks ownership too.
const home = mkdtempSync(path.join(tmpdir(), 'bulwark-git-home-'));
writeFileSync(path.join(home, '.gitconfig'), '[safe]\n\tdirectory = *\n[user]\n\tname = o\n\temail = o@o\n');
afterAll(() => rmSync(home, { recursive: true, force: true }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: home, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** Content whose blob lands in the object directory `prefix` (two hex digits): found by counting up. */
function blobIn(prefix: string): string {
  for (let n = 0; ; n++) {
    const content = `line ${n}\n`;
    const id = createHash('sha1')
      .update(`blob ${Buffer.byteLength(content)}\0${content}`)
      .digest('hex');
    if (id.startsWith(prefix)) return content;
  }
}

const isRoot = process.getuid?.() === 0;

describe.skipIf(!isRoot)("root's git leftovers in a workspace", () => {
  it('a sandboxed git commit and git fetch succeed after git fetch and git commit as root on the host', async () => {
    const seen: string[] = [];
    let content = '';
    const command = () =>
      `printf '${content.trimEnd()}\\n' > b.txt && git add b.txt && git -c user.name=a -c user.email=a@a commit -qm sandbox && git fetch -q up b && echo DONE`;
    e2e = await startE2E(
      'openai',
      scriptFrom([
        () => reply.toolCall('exec', { command: command() }),
        (req: FakeRequest) => {
          seen.push(toolResultBody(lastToolResultText(req)));
          return reply.text('done');
        },
      ]),
    );
    const ws = e2e.workspace;
    const owner = statSync(ws);
    expect(owner.uid).not.toBe(0);
    // The upstream: a bare repository inside the workspace with branches a and b.
    writeFileSync(path.join(ws, 'README.md'), 'hello\n');
    git(ws, 'init', '-q', '-b', 'main');
    git(ws, 'add', '-A');
    git(ws, 'commit', '-qm', 'init');
    git(ws, 'init', '-q', '--bare', 'up.git');
    git(ws, 'push', '-q', 'up.git', 'main:a', 'main:b');
    git(ws, 'remote', 'add', 'up', './up.git');
    writeFileSync(path.join(ws, '.gitignore'), 'up.git/\n');
    execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, ws]);
    // The operator, as root on the host: a fetch of branch a and a commit.
    for (let i = 0; i < 8; i++) writeFileSync(path.join(ws, `root-${i}.txt`), `root ${i}\n`);
    git(ws, 'fetch', '-q', 'up', 'a');
    git(ws, 'add', '-A');
    git(ws, 'commit', '-qm', 'as root');
    execFileSync('chown', ['0:0', path.join(ws, '.git', 'config'), path.join(ws, '.git', 'hooks')]);
    const objects = path.join(ws, '.git', 'objects');
    const rootDirs = readdirSync(objects).filter(
      (d) => /^[0-9a-f]{2}$/.test(d) && statSync(path.join(objects, d)).uid === 0,
    );
    expect(rootDirs.length).toBeGreaterThan(0);
    expect(statSync(path.join(ws, '.git', 'refs', 'remotes', 'up')).uid).toBe(0);
    // The sandbox's new blob goes into a directory root created.
    content = blobIn(rootDirs[0] as string);

    const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
    await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'commit it' }] });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatch(/DONE/);
    expect(git(ws, 'log', '-1', '--format=%s').trim()).toBe('sandbox');
    expect(git(ws, 'rev-parse', '--verify', '-q', 'refs/remotes/up/b').trim()).toMatch(/^[0-9a-f]{40}$/);
    expect(statSync(path.join(objects, rootDirs[0] as string)).uid).toBe(owner.uid);
    // What the host executes keeps root as its owner.
    expect(statSync(path.join(ws, '.git', 'config')).uid).toBe(0);
    expect(statSync(path.join(ws, '.git', 'hooks')).uid).toBe(0);
    const warned = (await e2e.audit()).filter((a) => a.outcome === 'git-leftovers');
    expect(warned.length).toBe(1);
    rmSync(path.join(ws, 'up.git'), { recursive: true, force: true });
  });
});
