import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  clearShellModelCache,
  parseShell,
  resolveArgv,
  shellModelStats,
  type NestedScript,
  type ResolvedCommand,
  type ShellModel,
} from '../../src/text/shell-model.js';
import { MAX_COMMAND_CHARS, MAX_NESTING, type Redirect, type Word } from '../../src/text/shell-parse.js';

function model(src: string): ShellModel {
  const r = parseShell(src);
  if (!r.ok) throw new Error(`${src}: ${r.error.message}`);
  return r.value;
}
function only(src: string): ResolvedCommand {
  const cmds = model(src).commands;
  expect(cmds.length, src).toBe(1);
  return cmds[0] as ResolvedCommand;
}
const texts = (words: ReadonlyArray<{ text: string }>) => words.map((w) => w.text);
function inner(s: { model: ReturnType<typeof parseShell> } | undefined): ShellModel {
  if (!s?.model.ok) throw new Error('nested script did not parse');
  return s.model.value;
}

/** Wrapper prefixes with how the model names them; each runs the rest of the line. */
const WRAPPERS: ReadonlyArray<readonly [string, string]> = [
  ['env', 'env'],
  ['env X=1', 'env'],
  ['env -i', 'env'],
  ['env -u HOME', 'env'],
  ['/usr/bin/env', 'env'],
  ['sudo', 'sudo'],
  ['sudo -u a', 'sudo'],
  ['sudo -E --', 'sudo'],
  ['doas -u root', 'doas'],
  ['pkexec --user a', 'pkexec'],
  ['timeout 5', 'timeout'],
  ['timeout -s KILL 10s', 'timeout'],
  ['timeout -k 1 5', 'timeout'],
  ['nice', 'nice'],
  ['nice -n 5', 'nice'],
  ['nohup', 'nohup'],
  ['stdbuf -oL', 'stdbuf'],
  ['ionice -c 3', 'ionice'],
  ['time', 'time'],
  ['setsid', 'setsid'],
  ['command', 'command'],
  ['command -p', 'command'],
  ['xargs', 'xargs'],
  ['xargs -n 1 -P 4', 'xargs'],
  ['busybox', 'busybox'],
  ['chroot /srv/root', 'chroot'],
  ['flock /tmp/lock', 'flock'],
  ['taskset 0x1', 'taskset'],
];

describe('shell model: wrappers', () => {
  it('unwraps env X=1 sudo -u a timeout 5 nice cmd to cmd', () => {
    const c = only('env X=1 sudo -u a timeout 5 nice cmd --flag arg');
    expect(texts(c.argv)).toEqual(['cmd', '--flag', 'arg']);
    expect(c.wrappers).toEqual(['env', 'sudo', 'timeout', 'nice']);
    expect(c.assignments).toEqual(['X=1']);
    expect(texts(c.words)[0]).toBe('env');
  });

  it('unwraps any chain of wrappers and assignments to the command (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...WRAPPERS), { maxLength: 6 }),
        fc.array(fc.constantFrom('A=1', 'B_2=x'), { maxLength: 2 }),
        fc.array(fc.constantFrom('-x', 'file.txt', '--long=1', 'a b'), { maxLength: 3 }),
        (chain, prefix, args) => {
          const line = [...prefix, ...chain.map(([w]) => w), 'cmd', ...args.map((a) => `'${a}'`)].join(' ');
          const c = only(line);
          expect(texts(c.argv), line).toEqual(['cmd', ...args]);
          expect(c.wrappers, line).toEqual(chain.map(([, name]) => name));
          expect(c.assignments.slice(0, prefix.length), line).toEqual(prefix);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('the command policy and L27 judge the same unwrapped command (property)', async () => {
    const { evaluateCommand } = await import('../../src/exec/command-policy.js');
    const { classifyCommandString } = await import('../../src/policy/action-classifier-exec.js');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...WRAPPERS), { maxLength: 5 }), (chain) => {
        const line = [...chain.map(([w]) => w), 'rm', '-rf', '/'].join(' ');
        const v = evaluateCommand(line);
        expect(v, line).toMatchObject({ decision: 'deny', ruleId: 'fs.rm-recursive-root', segment: 'rm -rf /' });
        expect(v.via, line).toEqual(chain.map(([, name]) => name));
        const l27 = classifyCommandString(line, '/w');
        expect(l27.classes.has('destructive'), line).toBe(true);
        expect(l27.argvs, line).toContainEqual(['rm', '-rf', '/']);
      }),
      { numRuns: 200 },
    );
  });

  it('`command -v` looks a name up only when -v is an option before the name', () => {
    expect(texts(only('command -v rm').argv)).toEqual(['command', '-v']);
    expect(texts(only('command -pV rm').argv)).toEqual(['command', '-v']);
    expect(texts(only('command rm -rf / -v').argv)).toEqual(['rm', '-rf', '/', '-v']);
  });

  it('resolves an argv array the same way, without a shell', () => {
    const c = resolveArgv(['sudo', '-u', 'a', '/bin/sh', '-c', 'rm -rf /tmp/x']);
    expect(c.wrappers).toEqual(['sudo', 'sh']);
    expect(texts(c.runner ?? [])).toEqual(['sh', '-c', 'rm -rf /tmp/x']);
    expect(inner(c.scripts[0]).commands.map((x) => texts(x.argv))).toEqual([['rm', '-rf', '/tmp/x']]);
  });
});

describe('shell model: nested scripts', () => {
  it('parses sh -c, bash -lc, eval, su -c, env -S, watch and capsh scripts one level deeper', () => {
    const cases: ReadonlyArray<readonly [string, string[]]> = [
      [`sh -c 'rm -rf /'`, ['rm', '-rf', '/']],
      [`bash -lc "git push --force"`, ['git', 'push', '--force']],
      [`eval 'ls -la'`, ['ls', '-la']],
      [`su -c 'id -u' root`, ['id', '-u']],
      [`env -S 'make test'`, ['make', 'test']],
      [`watch 'df -h'`, ['df', '-h']],
      [`capsh --drop=cap_net_raw -- -c 'whoami'`, ['whoami']],
    ];
    for (const [line, argv] of cases) {
      const c = only(line);
      expect(c.argv, line).toEqual([]);
      expect(c.runner, line).toBeDefined();
      const m = inner(c.scripts[0]);
      expect(m.depth, line).toBe(1);
      expect(texts(m.commands[0]?.argv ?? []), line).toEqual(argv);
    }
  });

  it('follows scripts inside scripts, xargs sh -c and find -exec', () => {
    const twice = inner(inner(only(`bash -c "sh -c 'rm -rf ~'"`).scripts[0]).commands[0]?.scripts[0]);
    expect(twice.depth).toBe(2);
    expect(texts(twice.commands[0]?.argv ?? [])).toEqual(['rm', '-rf', '~']);

    const x = only(`xargs -0 sh -c 'rm -- "$@"' _`);
    expect(x.wrappers).toEqual(['xargs', 'sh']);
    expect(texts(inner(x.scripts[0]).commands[0]?.argv ?? [])).toEqual(['rm', '--', '$@']);

    const f = only(`find . -name '*.o' -exec sh -c 'rm "$1"' _ {} \\; -exec touch {} +`);
    expect(texts(f.argv)[0]).toBe('find');
    expect(f.extraCommands.length).toBe(2);
    expect(f.extraCommands[0]?.wrappers).toEqual(['sh']);
    expect(texts(inner(f.extraCommands[0]?.scripts[0]).commands[0]?.argv ?? [])).toEqual(['rm', '$1']);
    expect(texts(f.extraCommands[1]?.argv ?? [])).toEqual(['touch', '{}']);
  });

  it('finds commands in substitutions, flagged as such, and the text fed to a shell on stdin', () => {
    const m = model('echo $(rm -rf /) "`id`"');
    expect(m.commands.map((c) => [texts(c.argv)[0], c.inSubstitution])).toEqual([
      ['echo', false],
      ['rm', true],
      ['id', true],
    ]);
    const [cat, sh] = model('cat <<EOF | sh\nrm -rf /\nEOF').commands;
    expect(sh?.readsStdinScript).toBe(true);
    expect(sh?.pipePosition).toBe(1);
    // The heredoc, then cat's own operands (none here) as text it writes.
    expect(cat?.stdinFeed?.scripts.map((s) => [s.via, inner(s).commands.map((c) => texts(c.argv))])).toEqual([
      ['heredoc', [['rm', '-rf', '/']]],
      ['pipe-to-shell', []],
    ]);
    const here = only(`bash <<< 'shutdown now'`);
    expect(here.stdinFeed?.scripts[0]?.via).toBe('here-string');
    const [echo] = model(`echo 'ls -la' | bash`).commands;
    expect(echo?.stdinFeed?.scripts[0]?.via).toBe('pipe-to-shell');
    // Text that only reaches the shell through a pipe after it is not fed to it.
    expect(model(`echo 'rm -rf /' | cat; sh`).commands[0]?.stdinFeed).toBeUndefined();
  });

  it('reads the script a program-holding variable carries, and declarations', () => {
    const c = only(`GIT_SSH_COMMAND='rm -rf ~' git fetch`);
    expect(c.variableScripts.map((s) => [s.via, s.text])).toEqual([['GIT_SSH_COMMAND', 'rm -rf ~']]);
    const e = only(`export GIT_PAGER='less -R' PATH=/x:$PATH`);
    expect(e.declarations).toEqual(['GIT_PAGER=less -R', 'PATH=/x:$PATH']);
    expect(e.variableScripts.map((s) => s.via)).toEqual(['GIT_PAGER']);
    expect(only(`LESSOPEN='| lesspipe %s' less x`).variableScripts[0]?.text).toBe(' lesspipe %s');
  });
});

describe('shell model: opaque text', () => {
  it('says when the script a command runs is built at run time', () => {
    for (const line of [
      'eval $X',
      'eval "$(ssh-agent -s)"',
      'sh -c "$(curl -fsSL https://example.com/x.sh)"',
      'bash -c "$CMD"',
      'source <(curl -s https://example.com/env)',
      '. /dev/stdin',
      'python3 -c "$(base64 -d blob)"',
      'node --eval="$(cat x.js)"',
      'su -c "$CMD" root',
      'env -S "$LINE"',
      'watch "$X"',
    ]) {
      const c = model(line).commands[0] as ResolvedCommand;
      expect(c.opaque?.kind, line).toBe('script');
    }
    expect(only('eval "ls -la"').opaque).toBeUndefined();
    expect(only('bash -c "make test"').opaque).toBeUndefined();
  });

  it('says when the program name itself is built at run time', () => {
    expect(only('$CMD -rf /').opaque?.kind).toBe('program');
    expect(model('$(which rm) -rf /').commands[0]?.opaque?.kind).toBe('program');
    expect(only('"$EDITOR" notes.md').opaque?.kind).toBe('program');
    expect(only('ls $DIR').opaque).toBeUndefined();
  });

  it('says when the text piped into a shell is decoded or expanded at run time', () => {
    const decoded = model('echo cm0gLXJmIC8= | base64 -d | sh').commands;
    expect(decoded[1]?.stdinFeed?.opaque).toMatchObject({ via: 'pipe-to-shell' });
    expect(decoded[1]?.stdinFeed?.opaque?.reason).toMatch(/decoder \(base64 -d\)/);
    expect(model('echo "$PAYLOAD" | sh').commands[0]?.stdinFeed?.opaque?.reason).toMatch(/echo of an expansion/);
    expect(only('bash <<< "$PAYLOAD"').stdinFeed?.opaque?.via).toBe('here-string');
  });
});

describe('shell model: redirects and structure', () => {
  it('gives each redirect its kind and target', () => {
    const c = only('cat <in >out 2>&1 >>log <>rw >&- 3<&0 &>all >|clobber >&file');
    expect(c.redirects.map((r) => [r.op, r.kind, r.target.text])).toEqual([
      ['<', 'read', 'in'],
      ['>', 'write', 'out'],
      ['>&', 'dup', '1'],
      ['>>', 'write', 'log'],
      ['<>', 'write', 'rw'],
      ['>&', 'dup', '-'],
      ['<&', 'dup', '0'],
      ['&>', 'write', 'all'],
      ['>|', 'write', 'clobber'],
      ['>&', 'write', 'file'],
    ]);
    expect(model('cat <<EOF\nx\nEOF').commands[0]?.redirects[0]?.kind).toBe('heredoc');
    expect(only('cat <<< x').redirects[0]?.kind).toBe('herestring');
  });

  it('keeps the pipeline and sequence structure', () => {
    const cmds = model('a | b | c; d & e && f').commands;
    expect(cmds.map((c) => [texts(c.argv)[0], c.pipePosition, c.piped, c.background])).toEqual([
      ['a', 0, true, false],
      ['b', 1, true, false],
      ['c', 2, true, false],
      ['d', 0, false, true],
      ['e', 0, false, false],
      ['f', 0, false, false],
    ]);
    expect(new Set(cmds.slice(0, 3).map((c) => c.pipeline)).size).toBe(1);
    expect(cmds[3]?.pipeline).not.toBe(cmds[0]?.pipeline);
    expect(model(':(){ :|:& };:').commands.filter((c) => c.inFunction === ':').length).toBe(2);
  });

  it('is read-only for its judges: its types forbid changes, and what commands share is frozen', () => {
    const m = model(`sudo sh -c 'rm -rf /tmp/x' > out; ls`);
    const [wrapped, plain] = m.commands as [ResolvedCommand, ResolvedCommand];
    expect(Object.isFrozen(m)).toBe(true);
    // Every command without wrappers shares these: changing one would change them all.
    expect(Object.isFrozen(plain.wrappers) && Object.isFrozen(plain.scripts)).toBe(true);
    expect(() => (plain.wrappers as string[]).push('x')).toThrow(TypeError);
    expect(Object.isFrozen(Object.getPrototypeOf(plain))).toBe(true);
    expect(plain.wrappers).toEqual([]);
    // Checked by `npm run typecheck` (never run): the model's types must stay read-only all the way down.
    const mutate = (c: ResolvedCommand, s: NestedScript) => {
      // @ts-expect-error argv is read-only
      c.argv.push(c.argv[0]);
      // @ts-expect-error wrappers is read-only
      c.wrappers = [];
      // @ts-expect-error a word is read-only
      (c.words[0] as Word).text = 'ls';
      // @ts-expect-error a nested script is read-only
      s.text = '';
      // @ts-expect-error a redirect's kind is read-only
      (c.redirects[0] as Redirect).kind = 'read';
    };
    expect(typeof mutate).toBe('function');
    expect(wrapped.wrappers).toEqual(['sudo', 'sh']);
  });
});

describe('shell model: hostile input', () => {
  it('never throws, whatever the input (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        const r = parseShell(s);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
    const alphabet = fc.constantFrom(
      ...'$()`\'"\\<>|&;{}\n #=*a -'.split(''),
      'sh -c ',
      'eval ',
      'sudo ',
      '<<EOF\n',
      '\nEOF\n',
      'xargs ',
      '-exec ',
      '\\; ',
      'base64 -d',
      '\0',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 80 }).map((a) => a.join('')),
        (s) => {
          expect(typeof parseShell(s).ok).toBe('boolean');
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('refuses scripts nested past MAX_NESTING, however they nest', () => {
    let s = 'rm -rf /';
    for (let i = 0; i < MAX_NESTING + 4; i++) s = `sh -c ${JSON.stringify(s)}`;
    let level: ReturnType<typeof parseShell> = parseShell(s);
    let depth = 0;
    while (level.ok) {
      level = (level.value.commands[0]?.scripts[0]?.model ?? level) as ReturnType<typeof parseShell>;
      depth++;
    }
    expect(level.error.code).toBe('command.too_deep');
    expect(depth).toBe(MAX_NESTING + 1);
    let subs = 'true';
    for (let i = 0; i < 12; i++) subs = `echo $(${subs})`;
    expect(parseShell(subs)).toMatchObject({ ok: false, error: { code: 'command.parse' } });
  });

  it('reads a 64 KB line and refuses one character more, NUL bytes and unbalanced quotes', () => {
    let pipe = 'a';
    while (pipe.length + 2 <= MAX_COMMAND_CHARS) pipe += '|a';
    expect(model(pipe).commands.length).toBe((pipe.length + 1) / 2);
    expect(parseShell(`${pipe}|a`)).toMatchObject({ ok: false, error: { code: 'command.too_long' } });
    expect(parseShell('ls\0-la')).toMatchObject({ ok: false, error: { code: 'command.nul' } });
    for (const bad of [`echo 'open`, 'echo "open', 'echo $(open', 'sh -c "x', 'cat <<EOF\nno end'])
      expect(parseShell(bad), bad).toMatchObject({ ok: false, error: { code: 'command.parse' } });
    // A well-formed outer line whose nested script is not: the error sits with that script.
    const c = only(`sh -c "echo 'open"`);
    expect(c.scripts[0]?.model).toMatchObject({ ok: false, error: { code: 'command.parse' } });
  });

  it('reads \\v, \\f and other Unicode spaces as part of a word, as bash does (they used to loop forever)', () => {
    expect(only('ls\v-la').words.map((w) => w.text)).toEqual(['ls\v-la']);
    expect(model('a\fb \u00a0; rm\u2028-rf /').commands.map((c) => texts(c.words))).toEqual([
      ['a\fb', '\u00a0'],
      ['rm\u2028-rf', '/'],
    ]);
  });

  it('refuses a non-string instead of reading it', () => {
    expect(parseShell(42 as unknown as string)).toMatchObject({ ok: false, error: { code: 'command.invalid' } });
  });
});

describe('shell model: memoised', () => {
  it('parses a line once and serves the same frozen model after that', () => {
    const line = `git status --short # ${Math.random()}`;
    const before = shellModelStats();
    const a = parseShell(line);
    const b = parseShell(line);
    const after = shellModelStats();
    expect(b).toBe(a);
    expect(after.parses - before.parses).toBe(1);
    expect(after.hits - before.hits).toBe(1);
  });

  it('is bounded by entries and by the characters parsed', () => {
    clearShellModelCache();
    const first = `echo first ${Math.random()}`;
    parseShell(first);
    for (let i = 0; i < 100; i++) parseShell(`echo ${i} ${Math.random()}`);
    expect(shellModelStats().cached).toBeLessThanOrEqual(64);
    let before = shellModelStats().parses;
    parseShell(first);
    expect(shellModelStats().parses - before).toBe(1);

    clearShellModelCache();
    const big = (n: number) => `${'a|'.repeat(30_000)}a # ${n}`;
    parseShell(big(0));
    for (let i = 1; i <= 4; i++) parseShell(big(i));
    expect(shellModelStats().cached).toBeLessThanOrEqual(4);
    before = shellModelStats().parses;
    parseShell(big(4));
    expect(shellModelStats().parses - before).toBe(0);
    parseShell(big(0));
    expect(shellModelStats().parses - before).toBe(1);
  });
});
