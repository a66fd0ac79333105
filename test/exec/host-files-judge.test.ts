/**
 * The judge over tree views: each planting a compromised model could try — git config keys, hooks, pointers,
 * bare and linked git directories, a directory becoming a git directory, renames, symlinks, case tricks, the
 * other host-executed files — is refused with its rule (and key); everyday files and real repositories pass.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fsTreeView,
  gitDirectoriesOf,
  HOST_EXECUTED,
  isGitDirectory,
  judgeChanges,
  judgeHostExecuted,
  judgeTree,
  overlayView,
  type HostFileChange,
  type HostFileRefusal,
  type OverlayEntry,
  type TreeView,
} from '../../src/exec/host-executed/index.js';
import { mustGit } from './host-files-git.js';

type Spec = Record<string, string | { link: string } | null>;

/** A real directory tree: a string is a file, `{ link }` a symlink, null a directory. */
function tree(spec: Spec): string {
  const root = mkdtempSync(path.join(tmpdir(), 'bulwark-judge-'));
  for (const [p, v] of Object.entries(spec)) {
    const abs = path.join(root, p);
    mkdirSync(v === null ? abs : path.dirname(abs), { recursive: true });
    if (typeof v === 'string') writeFileSync(abs, v);
    else if (v !== null) symlinkSync(v.link, abs);
  }
  return root;
}

const FSMONITOR = '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "touch /tmp/pwned; false"\n';
const CLEAN = '[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n';

/** The view after writing `content` at `p` over a real tree. */
function afterWrite(root: string, p: string, content: string): TreeView {
  return overlayView(
    fsTreeView(root),
    new Map<string, OverlayEntry>([[p, { kind: 'file', content: Buffer.from(content) }]]),
  );
}

function write(root: string, p: string, content: string): HostFileRefusal[] {
  const r = judgeChanges([{ path: p, kind: 'file', content: Buffer.from(content) }], afterWrite(root, p, content));
  return r.ok ? [] : [...r.error];
}

const rules = (rs: readonly HostFileRefusal[]): string[] => rs.map((r) => `${r.rule}${r.key ? ` ${r.key}` : ''}`);

describe('everyday files pass', () => {
  const root = tree({
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/config': CLEAN,
    '.git/objects': null,
    '.git/refs': null,
  });
  for (const [p, content] of [
    ['.gitattributes', '*.sh text eol=lf\n*.png filter=lfs diff=lfs merge=lfs -text\n'],
    ['.gitignore', 'node_modules/\n'],
    ['README.md', '# project\n'],
    ['src/index.ts', 'export {};\n'],
    ['docs/hooks/usage.md', 'hooks\n'],
    ['sub/.bashrc', 'alias ll="ls -l"\n'],
    ['.github/workflows/ci.yml', 'on: push\n'],
    ['Makefile', 'all:\n\ttrue\n'],
    ['.git/info/exclude', '*.tmp\n'],
    ['.git/description', 'x\n'],
    ['.editorconfig', 'root = true\n'],
    ['.nvmrc', '20\n'],
    ['gradle.properties', 'version=1.2.3\n'],
    ['build.gradle', 'plugins { id "java" }\n'],
    ['gradle/libs.versions.toml', '[versions]\n'],
    ['.mvn/README.md', 'notes\n'],
    ['bin/setup', '#!/bin/sh\nnpm ci\n'],
    ['sub/.local/bin/tool', '#!/bin/sh\n'],
    ['infra/.aws/config', '[default]\nregion = eu-west-1\n'],
  ]) {
    it(p as string, () => expect(rules(write(root, p as string, content as string))).toEqual([]));
  }

  it('git config with the keys git init, remote add and config user.* write', () => {
    const text = `${CLEAN}[user]\n\tname = A\n\temail = a@b\n[remote "origin"]\n\turl = git@github.com:a/b.git\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n[branch "main"]\n\tremote = origin\n\tmerge = refs/heads/main\n`;
    expect(rules(write(root, '.git/config', text))).toEqual([]);
  });

  it('git init samples in hooks/ and deletions pass', () => {
    expect(rules(write(root, '.git/hooks/pre-commit.sample', '#!/bin/sh\n'))).toEqual([]);
    expect(judgeHostExecuted({ path: '.envrc', kind: 'deleted' }, fsTreeView(root)).ok).toBe(true);
    expect(judgeHostExecuted({ path: '.git/hooks/pre-commit', kind: 'deleted' }, fsTreeView(root)).ok).toBe(true);
  });
});

describe('plantings are refused with rule and key', () => {
  const root = tree({
    '.git/HEAD': 'ref: refs/heads/main\n',
    '.git/config': CLEAN,
    '.git/objects': null,
    '.git/refs': null,
    notes: null,
    'deep/project/.git/HEAD': 'ref: refs/heads/main\n',
    'deep/project/.git/objects': null,
    'deep/project/.git/refs': null,
  });

  const cases: Array<[string, string, string[]]> = [
    ['.git/config', FSMONITOR, ['git.config core.fsmonitor']],
    ['deep/project/.git/config', '[alias]\n\tst = !sh\n', ['git.config alias.st']],
    ['.git/config.worktree', '[core]\n\tpager = x\n', ['git.config core.pager']],
    ['.git/worktrees/w/config.worktree', '[core]\n\tsshCommand = x\n', ['git.config core.sshcommand']],
    ['.git/modules/lib/config', '[core]\n\tfsmonitor = x\n', ['git.config core.fsmonitor']],
    ['.git/modules/a/modules/b/config', '[core]\n\tworktree = /etc\n', ['git.config core.worktree']],
    ['.git/config', '[include]\n\tpath = ../x\n', ['git.config include.path']],
    ['.git/hooks/pre-commit', '#!/bin/sh\ntouch /tmp/p\n', ['git.hooks']],
    ['.git/hooks/sub/any', 'x', ['git.hooks']],
    ['.git/rebase-merge/git-rebase-todo', 'pick abc one\nexec touch /tmp/p\n', ['git.todo']],
    ['.git/sequencer/todo', 'x rm -rf ~\n', ['git.todo']],
    ['.git/remotes/origin', 'URL: ext::sh -c id\n', ['git.remotes']],
    ['.envrc', 'touch /tmp/p\n', ['direnv']],
    ['sub/dir/.envrc', 'touch /tmp/p\n', ['direnv']],
    ['.vscode/tasks.json', '{"tasks":[{"runOptions":{"runOn":"folderOpen"}}]}', ['editor.vscode']],
    ['.VSCode/Tasks.json', '{}', ['editor.vscode']],
    ['app.code-workspace', '{}', ['editor.vscode']],
    ['.idea/workspace.xml', '<x/>', ['editor.idea']],
    ['.devcontainer/devcontainer.json', '{"initializeCommand":"id"}', ['editor.devcontainer']],
    ['.bashrc', 'id\n', ['home.shell']],
    ['.gitconfig', '[core]\n\tfsmonitor = x\n', ['home.gitconfig core.fsmonitor']],
    ['.npmrc', 'script-shell=/tmp/x\n', ['pkg.npm']],
    ['packages/a/.yarnrc.yml', 'yarnPath: x.js\n', ['pkg.yarn']],
    ['.venv/pip.conf', '[global]\n', ['pkg.pip']],
    ['.mcp.json', '{"mcpServers":{}}', ['agent.mcp']],
    ['.claude/settings.json', '{"hooks":{}}', ['agent.settings']],
    ['.pre-commit-config.yaml', 'repos: []\n', ['hooks.pre-commit']],
    ['.husky/pre-commit', 'id\n', ['hooks.husky']],
    ['lefthook.yml', 'pre-commit: {}\n', ['hooks.lefthook']],
    ['.lintstagedrc.json', '{}', ['hooks.other']],
    ['.gitmodules', '[submodule "a"]\n\turl = ext::sh -c id\n', ['git.gitmodules submodule.a.url']],
    [
      'gradle/wrapper/gradle-wrapper.properties',
      'distributionUrl=https\\://example.invalid/gradle.zip\n',
      ['build.gradle-wrapper'],
    ],
    ['app/gradle/wrapper/gradle-wrapper.jar', 'PK', ['build.gradle-wrapper']],
    ['.mvn/jvm.config', '-javaagent:/tmp/a.jar\n', ['build.maven']],
    ['.mvn/maven.config', '-Dexec.executable=/tmp/x\n', ['build.maven']],
    ['.mvn/extensions.xml', '<extensions/>', ['build.maven']],
    ['sub/.mvn/wrapper/maven-wrapper.properties', 'distributionUrl=https://example.invalid/m.zip\n', ['build.maven']],
    ['.bundle/config', 'BUNDLE_GEMFILE: "evil.rb"\n', ['pkg.bundler']],
    ['.tool-versions', 'nodejs path:/workspace/bin\n', ['pkg.tool-versions']],
    ['.hg/hgrc', '[hooks]\npre-status = id\n', ['vcs.mercurial']],
    ['lib/.jj/repo/config.toml', '[ui]\npager = "sh -c id"\n', ['vcs.jujutsu']],
    ['.helix/languages.toml', '[[language-server]]\ncommand = "id"\n', ['editor.helix']],
    ['src/.dir-locals.el', '((nil . ((eval . (shell-command "id")))))\n', ['editor.emacs-dir-locals']],
    ['pnpm-workspace.yaml', 'pnpmfilePath: x.cjs\n', ['pkg.pnpm']],
    ['.local/bin/git', '#!/bin/sh\nid\n', ['home.path-bin']],
    ['.aws/config', '[default]\ncredential_process = id\n', ['home.cloud-cli']],
    ['.kube/config', 'users: [{user: {exec: {command: id}}}]\n', ['home.cloud-cli']],
    ['.psqlrc', '\\! id\n', ['home.tool-rc']],
    ['.config/nvim/init.lua', 'os.execute("id")\n', ['home.tool-rc']],
    ['.emacs.d/init.el', '(shell-command "id")\n', ['home.tool-rc']],
    ['.xprofile', 'id\n', ['home.x-session']],
    ['.bash_aliases', 'alias ls="id; ls"\n', ['home.shell']],
    ['.bashrc.d/10-x.sh', 'id\n', ['home.shell']],
    ['.pdbrc', '!import os; os.system("id")\n', ['debugger.rc']],
    ['sub/pkg/.pdbrc', '!import os\n', ['debugger.rc']],
    ['.irbrc', 'system("id")\n', ['debugger.rc']],
    ['.gdbinit', 'shell id\n', ['home.tool-rc']],
    ['.tmux.conf', 'run-shell "id"\n', ['home.tool-rc']],
    ['.config/gh/config.yml', 'aliases:\n  co: "!id"\n', ['home.tool-rc']],
    ['.ipython/profile_default/startup/00.py', 'import os\n', ['home.tool-rc']],
    ['.sqliterc', '.shell id\n', ['home.tool-rc']],
    ['.roo/mcp.json', '{"mcpServers":{}}', ['agent.settings']],
    ['opencode.json', '{"mcp":{}}', ['agent.settings']],
    ['.kiro/settings/mcp.json', '{}', ['agent.settings']],
    ['.windsurf/rules.md', 'x', ['agent.settings']],
    ['.aider.conf.yml', 'test-cmd: id\n', ['agent.settings']],
  ];
  for (const [p, content, expected] of cases) {
    it(`${p}`, () => {
      const refused = write(root, p, content);
      expect(rules(refused)).toEqual(expected);
      for (const r of refused) {
        expect(r.reason).toContain(p);
        expect(r.reason).toMatch(/operator/);
      }
    });
  }

  it('the reason names what, why and how the operator approves', () => {
    const [r] = write(root, '.git/config', FSMONITOR);
    expect(r?.reason).toMatch(/core\.fsmonitor \(line 3\) is a command git runs/);
    expect(r?.reason).toMatch(/git reads it on every command/);
    expect(r?.reason).toMatch(/Only the operator can allow this one change/);
  });

  it('a symlink or special file at a host-executed path is refused; pointing into one is not', () => {
    const view = fsTreeView(root);
    const link = (p: string, target: string): string[] => {
      const v = overlayView(view, new Map<string, OverlayEntry>([[p, { kind: 'symlink', target }]]));
      const r = judgeChanges([{ path: p, kind: 'symlink', linkTarget: target }], v);
      return r.ok ? [] : rules(r.error);
    };
    expect(link('.envrc', 'notes/x')).toEqual(['direnv']);
    expect(link('.vscode', 'notes')).toEqual(['editor.vscode']);
    expect(link('.git/hooks', '../notes')).toEqual(['git.hooks']);
    expect(link('.git/config', '../notes/c')).toEqual(['git.config']);
    expect(link('notes-link', '.vscode')).toEqual([]);
    const fifo = judgeChanges([{ path: '.envrc', kind: 'special' }], view);
    expect(fifo.ok ? [] : rules(fifo.error)).toEqual(['direnv']);
  });

  it('making a hook executable is judged; chmod of an ordinary file is not', () => {
    const r = tree({
      '.git/HEAD': 'x',
      '.git/objects': null,
      '.git/refs': null,
      '.git/hooks/post-checkout': 'id',
      'run.sh': 'id',
    });
    chmodSync(path.join(r, '.git/hooks/post-checkout'), 0o755);
    const hook = judgeChanges([{ path: '.git/hooks/post-checkout', kind: 'mode', mode: 0o755 }], fsTreeView(r));
    expect(hook.ok ? [] : rules(hook.error)).toEqual(['git.hooks']);
    expect(judgeChanges([{ path: 'run.sh', kind: 'mode', mode: 0o755 }], fsTreeView(r)).ok).toBe(true);
  });

  it('a path through a symlinked directory is judged where it lands', () => {
    const r = tree({ '.git/HEAD': 'x', '.git/objects': null, '.git/refs': null, gitlink: { link: '.git' } });
    const v = afterWrite(r, '.git/config', FSMONITOR);
    const res = judgeChanges([{ path: 'gitlink/config', kind: 'file', content: Buffer.from(FSMONITOR) }], v);
    expect(res.ok ? [] : rules(res.error)).toEqual(['git.config core.fsmonitor']);
  });
});

describe('git directories wherever they sit', () => {
  it('a .git file pointing outside the workspace is refused; inside, its target is judged as a git directory', () => {
    const root = tree({ 'planted/config': FSMONITOR, 'clean/config': CLEAN, sub: null });
    expect(rules(write(root, 'sub/.git', 'gitdir: /tmp/elsewhere\n'))).toEqual(['git.dotgit']);
    expect(write(root, 'sub/.git', 'gitdir: /tmp/elsewhere\n')[0]?.reason).toMatch(/outside the workspace/);
    expect(rules(write(root, 'sub/.git', 'gitdir: ../../..\n'))).toEqual(['git.dotgit']);
    expect(rules(write(root, 'sub/.git', 'gitdir: ../planted\n'))).toEqual(['git.config core.fsmonitor']);
    expect(rules(write(root, 'sub/.git', 'gitdir: ../clean\n'))).toEqual([]);
    expect(rules(write(root, 'sub/.git', 'not a gitfile\n'))).toEqual(['git.dotgit']);
  });

  it('a .git symlink is a pointer', () => {
    const root = tree({ 'planted/config': FSMONITOR, sub: null });
    const judge = (target: string): string[] => {
      const v = overlayView(
        fsTreeView(root),
        new Map<string, OverlayEntry>([['sub/.git', { kind: 'symlink', target }]]),
      );
      const r = judgeChanges([{ path: 'sub/.git', kind: 'symlink', linkTarget: target }], v);
      return r.ok ? [] : rules(r.error);
    };
    expect(judge('/etc')).toEqual(['git.dotgit']);
    expect(judge('../planted')).toEqual(['git.config core.fsmonitor']);
  });

  it('an absolute pointer is inside only under the workspace root', () => {
    const root = tree({ 'planted/config': FSMONITOR, 'clean/HEAD': 'x', sub: null });
    expect(rules(write(root, 'sub/.git', `gitdir: ${root}/clean\n`))).toEqual([]);
    expect(rules(write(root, 'sub/.git', `gitdir: ${root}/planted\n`))).toEqual(['git.config core.fsmonitor']);
    expect(rules(write(root, 'sub/.git', `gitdir: ${root}/../x\n`))).toEqual(['git.dotgit']);
  });

  it('a pointer through a symlink that leaves the workspace is refused', () => {
    const root = tree({ out: { link: '/tmp' }, sub: null });
    expect(rules(write(root, 'sub/.git', 'gitdir: ../out/x\n'))).toEqual(['git.dotgit']);
  });

  it('commondir and worktrees/*/gitdir are pointers too', () => {
    const root = tree({
      '.git/HEAD': 'x',
      '.git/objects': null,
      '.git/refs': null,
      'common/objects': null,
      'common/refs': null,
      'common/config': FSMONITOR,
    });
    expect(rules(write(root, '.git/commondir', '/srv/other\n'))).toEqual(['git.pointer']);
    expect(rules(write(root, '.git/commondir', '../common\n'))).toEqual(['git.config core.fsmonitor']);
    expect(rules(write(root, '.git/worktrees/w/gitdir', '/srv/elsewhere/.git\n'))).toEqual(['git.pointer']);
  });

  it('a bare repository shape in a subdirectory is a git directory: becoming one judges its config', () => {
    // Written piece by piece: each piece lands while `bare` is an ordinary directory, the one that completes the shape is refused.
    const root = tree({ bare: null });
    const steps: Array<[string, string]> = [
      ['bare/config', '[core]\n\tbare = false\n\tworktree = ..\n\tfsmonitor = x\n'],
      ['bare/HEAD', 'ref: refs/heads/main\n'],
      ['bare/objects/info/packs', ''],
    ];
    for (const [p, content] of steps) {
      expect(rules(write(root, p, content)), p).toEqual([]);
      mkdirSync(path.dirname(path.join(root, p)), { recursive: true });
      writeFileSync(path.join(root, p), content);
    }
    expect(isGitDirectory(fsTreeView(root), 'bare')).toBe(false);
    const refused = write(root, 'bare/refs/heads/main', 'abc\n');
    expect(rules(refused)).toEqual(['git.config core.worktree']);
    expect(refused[0]?.reason).toMatch(/and 1 more: core\.fsmonitor/);
    const asDir = judgeChanges(
      [{ path: 'bare/refs', kind: 'dir' }],
      overlayView(fsTreeView(root), new Map<string, OverlayEntry>([['bare/refs', { kind: 'dir' }]])),
    );
    expect(asDir.ok ? [] : rules(asDir.error)).toEqual(['git.config core.worktree']);
  });

  it('a planted hook in a directory that becomes a git directory is refused', () => {
    const root = tree({ 'x/HEAD': 'ref: refs/heads/main\n', 'x/objects': null, 'x/hooks/post-checkout': 'id' });
    expect(rules(write(root, 'x/refs/heads/main', 'abc\n'))).toEqual(['git.hooks']);
  });

  it('a directory renamed into place is judged by everything in it', () => {
    const root = tree({
      'proj/.git/HEAD': 'x',
      'proj/.git/objects': null,
      'proj/.git/refs': null,
      'proj/.git/config': FSMONITOR,
      'proj/.vscode/tasks.json': '{}',
      'proj/src/a.ts': '',
    });
    const r = judgeChanges([{ path: 'proj', kind: 'dir' }], fsTreeView(root));
    expect(r.ok ? [] : rules(r.error).sort()).toEqual(['editor.vscode', 'git.config core.fsmonitor']);
  });

  it('real repositories pass: init, clone, submodule, worktree, bare; and are all found', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bulwark-real-'));
    mkdirSync(path.join(root, 'up'));
    mustGit(path.join(root, 'up'), 'init', '-q', '-b', 'main');
    mustGit(path.join(root, 'up'), 'commit', '-q', '--allow-empty', '-m', 'one');
    mustGit(root, 'clone', '-q', 'up', 'app');
    mustGit(path.join(root, 'app'), 'submodule', 'add', '-q', `${root}/up`, 'lib');
    mustGit(path.join(root, 'app'), 'worktree', 'add', '-q', '../wt');
    mustGit(root, 'init', '-q', '--bare', 'store.git');
    const view = fsTreeView(root);
    expect(judgeTree(view)).toEqual({ ok: true, value: undefined });
    expect(gitDirectoriesOf(view)).toEqual([
      'app/.git',
      'app/.git/modules/lib',
      'app/.git/worktrees/wt',
      'store.git',
      'up/.git',
    ]);
    // The same tree seen from elsewhere: the worktree's absolute gitdir now leads outside.
    const moved = judgeTree(fsTreeView(root, { absoluteRoots: ['/workspace'] }));
    expect(moved.ok ? [] : rules(moved.error).sort()).toEqual(['git.dotgit', 'git.pointer']);
  });
});

/** The bare interface, as another write path might implement it: no kindOf, no readLink, no absolute roots. */
function memoryView(files: Record<string, string>): TreeView {
  const dirs = new Set<string>(['']);
  for (const f of Object.keys(files)) {
    const parts = f.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  return {
    exists: (p) => p in files || dirs.has(p),
    isDir: (p) => dirs.has(p),
    readFile: (p) => (p in files ? Buffer.from(files[p] as string) : undefined),
    list: (p) =>
      [...Object.keys(files), ...dirs]
        .filter(
          (q) =>
            q !== p && q.startsWith(p === '' ? '' : `${p}/`) && !q.slice(p === '' ? 0 : p.length + 1).includes('/'),
        )
        .map((q) => q.slice(p === '' ? 0 : p.length + 1))
        .sort(),
  };
}

describe('a plain TreeView (no kindOf, readLink or absolute roots)', () => {
  it('judges the same way, and treats every absolute pointer as outside', () => {
    const v = memoryView({
      'r/.git/HEAD': 'x',
      'r/.git/config': FSMONITOR,
      'p/HEAD': 'x',
      'p/objects/a': '',
      'p/refs/b': '',
      'p/hooks/pre-push': 'id',
      's/.git': 'gitdir: ../p\n',
      't/.git': 'gitdir: /abs\n',
      'ok.txt': '',
    });
    const r = judgeTree(v);
    expect(r.ok ? [] : rules(r.error).sort()).toEqual(['git.config core.fsmonitor', 'git.dotgit', 'git.hooks']);
    expect(judgeHostExecuted({ path: 'ok.txt', kind: 'file' }, v).ok).toBe(true);
  });
});

describe('overlay view: the tree after the change', () => {
  it('adds, replaces and deletes over a real tree', () => {
    const base = fsTreeView(tree({ 'a/b/c': 'old', 'd/y': 'y', 'keep/k': 'k' }));
    const v = overlayView(
      base,
      new Map<string, OverlayEntry>([
        ['a', { kind: 'deleted' }],
        ['a/x', { kind: 'file', content: Buffer.from('new') }],
        ['d', { kind: 'file', content: Buffer.from('now a file') }],
        ['n/e/w', { kind: 'symlink', target: '../../keep' }],
      ]),
    );
    expect(v.exists('a/b/c')).toBe(false);
    expect(v.list('a')).toEqual(['x']);
    expect(v.readFile('a/x')?.toString()).toBe('new');
    expect(v.isDir('d')).toBe(false);
    expect(v.exists('d/y')).toBe(false);
    expect(v.list('d')).toEqual([]);
    expect(v.isDir('n/e')).toBe(true);
    expect(v.readLink?.('n/e/w')).toBe('../../keep');
    expect(v.list('')).toEqual(['a', 'd', 'keep', 'n']);
    expect(v.readFile('keep/k')?.toString()).toBe('k');
  });
});

describe('with the tree before: only the change is judged', () => {
  const OPERATOR = `${CLEAN}\teditor = vim\n[pull]\n\trebase = false\n[alias]\n\tlg = !git log --graph\n[credential]\n\thelper = store\n`;

  /** What a command changed: every file that is new or different in `after` (a stand-in for exec's effect set). */
  function diff(beforeRoot: string, afterRoot: string): HostFileChange[] {
    const out: HostFileChange[] = [];
    const b = fsTreeView(beforeRoot);
    const a = fsTreeView(afterRoot);
    const walk = (dir: string): void => {
      for (const name of a.list(dir)) {
        const p = dir === '' ? name : `${dir}/${name}`;
        if (a.isDir(p)) {
          if (!b.isDir(p)) out.push({ path: p, kind: 'dir' });
          walk(p);
        } else if (!b.exists(p) || !b.readFile(p)?.equals(a.readFile(p) ?? Buffer.alloc(0)))
          out.push({ path: p, kind: 'file' });
      }
    };
    walk('');
    return out;
  }

  it('git commit in an operator repository whose config has keys beyond the allow-list passes', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bulwark-commit-'));
    const repo = path.join(root, 'ws');
    mkdirSync(repo);
    mustGit(repo, 'init', '-q', '-b', 'main');
    writeFileSync(path.join(repo, '.git', 'config'), OPERATOR);
    writeFileSync(path.join(repo, 'a.txt'), 'one\n');
    mustGit(repo, 'add', 'a.txt');
    mustGit(repo, 'commit', '-q', '-m', 'one');
    const snapshot = path.join(root, 'before');
    cpSync(repo, snapshot, { recursive: true });
    writeFileSync(path.join(repo, 'a.txt'), 'two\n');
    mustGit(repo, 'commit', '-q', '-am', 'two');
    mustGit(repo, 'config', 'user.name', 'Agent');
    const changes = diff(snapshot, repo);
    expect(changes.some((c) => c.path.startsWith('.git/objects/'))).toBe(true);
    expect(changes.some((c) => c.path === '.git/config')).toBe(true);
    expect(judgeChanges(changes, fsTreeView(repo), { before: fsTreeView(snapshot) })).toEqual({
      ok: true,
      value: undefined,
    });
    // Without the before-view the operator's own keys count as planted (fail closed).
    const blind = judgeChanges(changes, fsTreeView(repo));
    expect(blind.ok ? [] : rules(blind.error)).toContain('git.config core.editor');
  });

  it('an added key is still refused; an unchanged host-executed file in a new directory walk is not', () => {
    const before = tree({
      '.git/HEAD': 'x',
      '.git/objects': null,
      '.git/refs': null,
      '.git/config': OPERATOR,
      '.vscode/settings.json': '{}',
    });
    const added = `${OPERATOR}[core]\n\tfsmonitor = x\n`;
    const after = overlayView(
      fsTreeView(before),
      new Map<string, OverlayEntry>([['.git/config', { kind: 'file', content: Buffer.from(added) }]]),
    );
    const r = judgeChanges([{ path: '.git/config', kind: 'file', content: Buffer.from(added) }], after, {
      before: fsTreeView(before),
    });
    expect(r.ok ? [] : rules(r.error)).toEqual(['git.config core.fsmonitor']);
    expect(judgeChanges([{ path: '', kind: 'dir' }], fsTreeView(before), { before: fsTreeView(before) }).ok).toBe(true);
    const edited = overlayView(
      fsTreeView(before),
      new Map<string, OverlayEntry>([['.vscode/settings.json', { kind: 'file', content: Buffer.from('{"x":1}') }]]),
    );
    const w = judgeChanges([{ path: '.vscode', kind: 'dir' }], edited, { before: fsTreeView(before) });
    expect(w.ok ? [] : rules(w.error)).toEqual(['editor.vscode']);
  });

  it('a mode change is judged even when the content is what it was', () => {
    const root = tree({ '.git/HEAD': 'x', '.git/objects': null, '.git/refs': null, '.git/hooks/pre-push': 'id' });
    const r = judgeChanges([{ path: '.git/hooks/pre-push', kind: 'mode', mode: 0o755 }], fsTreeView(root), {
      before: fsTreeView(root),
    });
    expect(r.ok ? [] : rules(r.error)).toEqual(['git.hooks']);
  });

  it('a directory that becomes a git directory is judged in full even though its config was there before', () => {
    const root = tree({ 'x/HEAD': 'ref: refs/heads/main\n', 'x/objects': null, 'x/config': FSMONITOR });
    const after = overlayView(fsTreeView(root), new Map<string, OverlayEntry>([['x/refs', { kind: 'dir' }]]));
    const r = judgeChanges([{ path: 'x/refs', kind: 'dir' }], after, { before: fsTreeView(root) });
    expect(r.ok ? [] : rules(r.error)).toEqual(['git.config core.fsmonitor']);
  });
});

describe('the table', () => {
  it('has one entry per id, a reason for each, and only known judges and scopes', () => {
    const ids = HOST_EXECUTED.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const r of HOST_EXECUTED) {
      expect(r.reason.length, r.id).toBeGreaterThan(20);
      expect(r.paths.length, r.id).toBeGreaterThan(0);
      for (const p of r.paths) expect(p, r.id).toBe(p.toLowerCase());
    }
    for (const id of [
      'git.config',
      'git.hooks',
      'direnv',
      'editor.vscode',
      'editor.idea',
      'home.shell',
      'pkg.npm',
      'pkg.yarn',
      'pkg.pip',
      'agent.mcp',
      'hooks.pre-commit',
      'hooks.husky',
      'hooks.lefthook',
    ])
      expect(ids).toContain(id);
    expect(HOST_EXECUTED.flatMap((r) => r.paths)).not.toContain('.gitattributes');
  });

  it('rejects a change path that is not clean', () => {
    const v = fsTreeView(tree({}));
    for (const p of ['../x', '/etc/passwd', 'a/../../b', 'a\0b']) {
      const r = judgeHostExecuted({ path: p, kind: 'file', content: Buffer.from('') } satisfies HostFileChange, v);
      expect(r.ok, p).toBe(false);
    }
  });
});
