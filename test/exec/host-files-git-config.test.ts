/**
 * The git config parser and the exact-key allow-list: what real git writes passes, attacks are refused with the
 * key named, hostile input never throws and is read in one pass, and wherever the parser accepts a file, real git
 * reads the very same entries from it (differential check against the git binary).
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  judgeGitConfig,
  judgeGitmodules,
  parseGitConfig,
  refuseRemoteUrl,
} from '../../src/exec/host-executed/index.js';
import { gitReads, mustGit } from './host-files-git.js';

const root = mkdtempSync(path.join(tmpdir(), 'bulwark-gitconfig-'));

function keysRefused(text: string | Buffer, worktreeInside?: (v: string) => boolean): string[] {
  return judgeGitConfig(Buffer.from(text), worktreeInside ? { worktreeInside } : {}).map(
    (p) => p.key ?? `(${p.reason})`,
  );
}

function entriesOf(text: string | Buffer): Array<[string, string | null]> | undefined {
  const r = parseGitConfig(Buffer.from(text)).result;
  return r.ok ? r.value.map((e) => [e.name, e.value]) : undefined;
}

describe('configs real git writes pass the allow-list', () => {
  const configs: Array<[string, string, boolean]> = [];
  beforeAll(() => {
    const at = (name: string): string => {
      const d = path.join(root, name);
      mkdirSync(d, { recursive: true });
      return d;
    };
    const up = at('up');
    mustGit(up, 'init', '-q', '-b', 'main');
    mustGit(up, 'commit', '-q', '--allow-empty', '-m', 'one');
    const read = (p: string, sub = false): void => {
      configs.push([path.relative(root, p), readFileSync(p, 'utf8'), sub]);
    };
    read(path.join(up, '.git', 'config'));
    const sha = at('sha256');
    mustGit(sha, 'init', '-q', '--object-format=sha256');
    read(path.join(sha, '.git', 'config'));
    const bare = at('bare.git');
    mustGit(bare, 'init', '-q', '--bare');
    read(path.join(bare, 'config'));
    mustGit(root, 'clone', '-q', up, 'clone');
    const clone = path.join(root, 'clone');
    mustGit(clone, 'remote', 'add', 'gh', 'https://github.com/example/project.git');
    mustGit(clone, 'remote', 'add', 'scp', 'git@github.com:example/project.git');
    mustGit(clone, 'remote', 'add', 'sshurl', 'ssh://git@example.com:2222/srv/project.git');
    mustGit(clone, 'remote', 'set-url', '--push', 'gh', 'ssh://git@github.com/example/project.git');
    mustGit(clone, 'checkout', '-q', '-b', 'feature');
    mustGit(clone, 'branch', '-q', '-u', 'origin/main');
    mustGit(clone, 'config', 'user.name', 'Jane Developer');
    mustGit(clone, 'config', 'user.email', 'jane@example.com');
    mustGit(clone, 'config', 'branch.feature.rebase', 'true');
    mustGit(clone, 'config', 'init.defaultBranch', 'main');
    mustGit(clone, 'submodule', 'add', '-q', up, 'vendor/up');
    read(path.join(clone, '.git', 'config'));
    read(path.join(clone, '.git', 'modules', 'vendor', 'up', 'config'), true);
    mustGit(root, 'clone', '-q', '--bare', up, 'clone-bare.git');
    read(path.join(root, 'clone-bare.git', 'config'));
  });

  it('init, init --object-format=sha256, init --bare, clone, clone --bare, remote add, branch -u, submodule add, config user.*', () => {
    expect(configs.length).toBe(6);
    for (const [where, text, sub] of configs) {
      // A submodule's own config names its checkout in core.worktree, inside the workspace.
      expect(keysRefused(text, sub ? () => true : undefined), where).toEqual([]);
    }
    const clone = configs.find(([w]) => w === 'clone/.git/config')?.[1] ?? '';
    expect(clone).toContain('[submodule "vendor/up"]');
    expect(clone).toContain('pushurl = ssh://git@github.com/example/project.git');
  });

  it("a submodule's core.worktree passes only when it stays in the workspace", () => {
    const sub = configs.find(([, , s]) => s)?.[1] ?? '';
    expect(sub).toContain('worktree = ');
    expect(keysRefused(sub, () => false)).toEqual(['core.worktree']);
    expect(keysRefused(sub)).toEqual(['core.worktree']);
  });

  it('.gitmodules as git submodule add writes it passes', () => {
    const text = readFileSync(path.join(root, 'clone', '.gitmodules'));
    expect(judgeGitmodules(text)).toEqual([]);
  });
});

describe('attacks are refused with the key named', () => {
  const cases: Array<[string, string, string]> = [
    ['fsmonitor', '[core]\n\tfsmonitor = "touch /tmp/pwned; false"\n', 'core.fsmonitor'],
    ['pager', '[core]\n\tpager = sh -c "id > /tmp/p"\n', 'core.pager'],
    ['sshCommand', '[core]\n\tsshCommand = touch /tmp/p\n', 'core.sshcommand'],
    ['hooksPath', '[core]\n\thooksPath = .githooks\n', 'core.hookspath'],
    ['core.worktree', '[core]\n\tworktree = /etc\n', 'core.worktree'],
    ['editor', '[core]\n\teditor = touch /tmp/p\n', 'core.editor'],
    ['include', '[include]\n\tpath = /tmp/evil.config\n', 'include.path'],
    ['includeIf', '[includeIf "gitdir:/"]\n\tpath = ../evil\n', 'includeif.gitdir:/.path'],
    [
      'url.insteadOf',
      '[url "ext::sh -c touch% /tmp/p % "]\n\tinsteadOf = https://\n',
      'url.ext::sh -c touch% /tmp/p % .insteadof',
    ],
    ['alias with !', '[alias]\n\tst = !touch /tmp/p\n', 'alias.st'],
    ['filter driver', '[filter "x"]\n\tclean = touch /tmp/p\n\tsmudge = cat\n', 'filter.x.clean'],
    ['diff driver', '[diff "x"]\n\ttextconv = touch /tmp/p\n', 'diff.x.textconv'],
    ['merge driver', '[merge "x"]\n\tdriver = touch /tmp/p\n', 'merge.x.driver'],
    [
      'uploadpack',
      '[remote "origin"]\n\turl = /srv/x\n\tuploadpack = touch /tmp/p; git-upload-pack\n',
      'remote.origin.uploadpack',
    ],
    ['receivepack', '[remote "origin"]\n\treceivepack = touch /tmp/p\n', 'remote.origin.receivepack'],
    ['ext:: URL', '[remote "origin"]\n\turl = ext::sh -c touch% /tmp/p\n', 'remote.origin.url'],
    ['fd:: URL', '[remote "origin"]\n\turl = fd::3\n', 'remote.origin.url'],
    ['unknown scheme', '[remote "origin"]\n\turl = foo://host/x\n', 'remote.origin.url'],
    ['option-like ssh host', '[remote "origin"]\n\turl = ssh://-oProxyCommand=touch%20/tmp/p/x\n', 'remote.origin.url'],
    ['encoded option-like host', '[remote "origin"]\n\turl = ssh://%2doProxyCommand=x/y\n', 'remote.origin.url'],
    ['option-like scp host', '[remote "origin"]\n\turl = -oProxyCommand=touch:x\n', 'remote.origin.url'],
    ['option-like scp user', '[remote "o"]\n\tpushurl = "-oProxyCommand=x@host:path"\n', 'remote.o.pushurl'],
    ['submodule ext', '[submodule "x"]\n\turl = ext::sh -c id\n', 'submodule.x.url'],
    ['branch remote as URL', '[branch "main"]\n\tremote = ext::sh -c id\n', 'branch.main.remote'],
    ['case trick', '[CORE]\n\tFsMonitor = touch /tmp/p\n', 'core.fsmonitor'],
    ['legacy dotted', '[Core.Sub]\n\tx = 1\n', 'core.sub.x'],
    ['subsection trick', '[core "x"]\n\tfsmonitor = touch /tmp/p\n', 'core.x.fsmonitor'],
    ['subsection on user', '[user "x"]\n\tname = a\n', 'user.x.name'],
    ['same line as header', '[core] fsmonitor = touch /tmp/p\n', 'core.fsmonitor'],
    ['comment does not continue', '[core]\n# looks like a comment \\\nfsmonitor = touch /tmp/p\n', 'core.fsmonitor'],
    ['crlf', '[core]\r\n\tfsmonitor = x\r\n', 'core.fsmonitor'],
    ['utf-8 bom', '\ufeff[core]\n\tfsmonitor = x\n', 'core.fsmonitor'],
    ['credential helper', '[credential]\n\thelper = !touch /tmp/p\n', 'credential.helper'],
    ['gpg program', '[gpg]\n\tprogram = touch\n', 'gpg.program'],
    ['protocol allow', '[protocol "ext"]\n\tallow = always\n', 'protocol.ext.allow'],
    ['safe.directory', '[safe]\n\tdirectory = *\n', 'safe.directory'],
    ['worktreeConfig', '[extensions]\n\tworktreeConfig = true\n', 'extensions.worktreeconfig'],
    ['control in value', '[user]\n\tname = "a\\nb"\n', 'user.name'],
  ];
  for (const [what, text, key] of cases) {
    it(what, () => {
      expect(keysRefused(text)).toContain(key);
    });
  }

  it('a value that continues over a line stays one value (not a second key)', () => {
    expect(entriesOf('[user]\n\tname = a \\\n fsmonitor = x\n')).toEqual([['user.name', 'a  fsmonitor = x']]);
    expect(keysRefused('[user]\n\tname = a \\\n fsmonitor = x\n')).toEqual([]);
  });

  it('unreadable files are refused, never guessed', () => {
    const refused = (b: Buffer | string): boolean => keysRefused(b).some((k) => k.startsWith('(cannot be read'));
    expect(refused(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('[core]\n\tbare = true\n', 'utf16le')]))).toBe(
      true,
    );
    expect(refused(Buffer.from('[core]\n\tbare = true\n', 'utf16le'))).toBe(true);
    expect(refused('[core]\n\tbare = tr\0ue\n')).toBe(true);
    expect(refused('[core]\n\tbare = true\rfsmonitor = x\n')).toBe(true);
    expect(refused('[core]\n\tbare = "true\n')).toBe(true);
    expect(refused('[core]\n\tbare = \\q\n')).toBe(true);
    expect(refused('[core\n\tbare = true\n')).toBe(true);
    expect(refused('[core "x\n"]\n')).toBe(true);
    expect(refused('bare = true\n')).toBe(true);
    expect(refused('[core]\n\tbare # comment\n')).toBe(true);
    expect(refused(Buffer.from([0x5b, 0x63, 0x5d, 0x0a, 0x61, 0x3d, 0xc3]))).toBe(true);
  });

  it('.gitmodules: ext URLs, ! updates and unknown keys are refused', () => {
    const refused = (t: string): string[] => judgeGitmodules(Buffer.from(t)).map((p) => p.key ?? p.reason);
    expect(refused('[submodule "a"]\n\tpath = a\n\turl = https://example.com/a.git\n')).toEqual([]);
    expect(refused('[submodule "a"]\n\turl = ext::sh -c id\n')).toEqual(['submodule.a.url']);
    expect(refused('[submodule "a"]\n\tupdate = !touch /tmp/p\n')).toEqual(['submodule.a.update']);
    expect(refused('[core]\n\tfsmonitor = x\n')).toEqual(['core.fsmonitor']);
  });
});

describe('remote URLs', () => {
  it('allows https, ssh, git, file, scp-like and local paths', () => {
    for (const u of [
      'https://github.com/a/b.git',
      'ssh://git@github.com/a/b.git',
      'ssh://[::1]:22/srv/x',
      'git+ssh://host/x',
      'git://example.com/x.git',
      'file:///srv/repo.git',
      'git@github.com:a/b.git',
      '/srv/repo.git',
      '../sibling',
      'origin',
    ])
      expect(refuseRemoteUrl(u, 'url'), u).toBeUndefined();
  });
  it('refuses helpers, other schemes and option-like parts', () => {
    for (const u of [
      'ext::sh -c id',
      'fd::0',
      'hg::https://x',
      'http://example.com/x',
      'HTTPS+evil://x',
      '-uhost:x',
      'ssh://-oProxyCommand=id/x',
      'ssh://user@-oProxyCommand=id/x',
      'host:-path',
      '',
      null,
    ])
      expect(refuseRemoteUrl(u, 'url'), String(u)).toBeDefined();
  });
});

describe('hostile input', () => {
  const tokens = [
    '[',
    ']',
    '"',
    '\\',
    '\n',
    '\r\n',
    '\r',
    '\t',
    ' ',
    '#',
    ';',
    '=',
    '.',
    'core',
    'CORE',
    'fsmonitor',
    'FsMonitor',
    'user',
    'name',
    'Name',
    'k-1',
    'x',
    '\\\n',
    '\ufeff',
    '\0',
    'é',
    '[core]',
    '[remote "o"]',
    'url = ',
  ];
  const configish = fc.array(fc.constantFrom(...tokens), { maxLength: 60 }).map((t) => t.join(''));

  it('never throws and reads each byte once (random bytes and config-shaped text)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 512 }), configish), (input) => {
        const bytes = typeof input === 'string' ? Buffer.from(input) : input;
        const p = parseGitConfig(bytes);
        expect(p.reads).toBeLessThanOrEqual(bytes.length + 4);
        expect(() => judgeGitConfig(bytes)).not.toThrow();
      }),
      { numRuns: 2000 },
    );
  });

  /** Files shaped like config, with the tricky parts git's reader has: headers, keys, quotes, escapes, continuations. */
  const name = fc.constantFrom('core', 'CORE', 'Core.Sub', 'user', 'remote', 'a.b', 'x-1', 'include', '');
  const sub = fc.array(fc.constantFrom('o', 'O', ' ', '\\"', '\\\\', '\\q', '.', 'é', '#', ';', ']'), { maxLength: 5 });
  const header = fc
    .tuple(name, fc.option(sub), fc.constantFrom('', ' ', '\t'))
    .map(([n, s, ws]) => `[${n}${s === null ? '' : `${ws === '' ? ' ' : ws}"${s.join('')}"`}]`);
  const key = fc.constantFrom('fsmonitor', 'FsMonitor', 'name', 'Name', 'k-1', 'url', 'x');
  const valuePart = fc.constantFrom(
    'v',
    'a b',
    ' ',
    '\t',
    '"',
    '\\"',
    '\\\\',
    '\\n',
    '\\t',
    '\\b',
    '\\\n',
    '#c',
    ';c',
    'é',
    '=',
  );
  const entry = fc
    .tuple(
      fc.constantFrom('', ' ', '\t'),
      key,
      fc.option(fc.array(valuePart, { maxLength: 6 })),
      fc.constantFrom('', ' ', '\t'),
    )
    .map(([ws, k, v, tail]) => `${ws}${k}${v === null ? '' : ` =${v.join('')}`}${tail}`);
  const line = fc.oneof(
    { arbitrary: header, weight: 3 },
    { arbitrary: entry, weight: 5 },
    { arbitrary: fc.tuple(header, entry).map(([h, e]) => `${h} ${e}`), weight: 2 },
    { arbitrary: fc.constantFrom('# c \\', '; c', '', '  '), weight: 1 },
    { arbitrary: fc.array(fc.constantFrom(...tokens), { maxLength: 6 }).map((t) => t.join('')), weight: 1 },
  );
  const configFile = fc
    .tuple(header, fc.array(line, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
    .map(([h, ls, nl, bom]) => `${bom ? '\ufeff' : ''}${[h, ...ls].join(nl)}${nl}`);

  it('where it accepts a file, real git reads exactly the same entries from it', () => {
    const dir = mkdtempSync(path.join(root, 'diff-'));
    let agreed = 0;
    fc.assert(
      fc.property(fc.oneof({ arbitrary: configFile, weight: 4 }, { arbitrary: configish, weight: 1 }), (text) => {
        const mine = entriesOf(text);
        if (mine === undefined) return;
        const theirs = gitReads(dir, text);
        if (theirs === undefined) return; // git refuses the file: it runs nothing from it either
        if (mine.length > 0) agreed++;
        expect(mine).toEqual(theirs);
      }),
      { numRuns: 500 },
    );
    expect(agreed).toBeGreaterThan(50);
  });

  it('the hand-written cases read the same as real git', () => {
    const dir = mkdtempSync(path.join(root, 'cases-'));
    const texts = [
      '[core] bare = false\n',
      '[Core.Sub]\n\tKey = v\n',
      '[a.b "c.d"]\n\tk = "x\\"y" z ;c\n',
      '[sec "sub \\q \\\\ \\" x"]\n\tk\n',
      '[s]\n\tk = a \\\n   b   \n',
      '[s]\n\tk =    "  lead"  trail   # c\n',
      '[s]\n\tk = \\t\\n\\b\n',
      '\ufeff[s]k=v\r\n',
      '[s]\n\tk = "a;b#c"\n',
      '[s]\n k1 = 1\n k-2=2\n',
    ];
    for (const t of texts) expect(entriesOf(t), JSON.stringify(t)).toEqual(gitReads(dir, t));
  });

  it('stays linear on 1 MB of hostile repetitions', () => {
    const mb = 1024 * 1024;
    const shapes = [
      '['.repeat(mb),
      `[a "${'x'.repeat(mb)}`,
      `[s]\nk = ${'\\\n'.repeat(mb / 2)}`,
      `[s]\nk = ${'"'.repeat(mb)}`,
      `[s]\n${'a=b\n'.repeat(mb / 4)}`,
      `[s]\nk = ${' '.repeat(mb)}x`,
      `${'#'.repeat(mb)}\n[core]\nfsmonitor = x`,
      `[s]\n${'k'.repeat(mb)}`,
      `[${'a.'.repeat(mb / 2)}]`,
      `[s]\nk = ${'\\"'.repeat(mb / 2)}`,
    ];
    for (const s of shapes) {
      const bytes = Buffer.from(s);
      const p = parseGitConfig(bytes);
      expect(p.reads).toBeLessThanOrEqual(bytes.length + 4);
      expect(() => judgeGitConfig(bytes)).not.toThrow();
    }
  });

  it('refuses input over the size cap without reading it', () => {
    const p = parseGitConfig(Buffer.alloc(5 * 1024 * 1024, 0x20));
    expect(p.result.ok).toBe(false);
    expect(p.reads).toBe(0);
  });
});

writeFileSync(path.join(root, 'README'), 'scratch for test/exec/host-files-git-config.test.ts\n');
