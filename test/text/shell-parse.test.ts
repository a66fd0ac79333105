import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseSimpleCommands, MAX_COMMAND_CHARS, type SimpleCommand } from '../../src/text/shell-parse.js';

function argvs(src: string): string[][] {
  const r = parseSimpleCommands(src);
  if (!r.ok) throw new Error(r.error.message);
  return r.value.map((c) => c.words.map((w) => w.text));
}
function parsed(src: string): SimpleCommand[] {
  const r = parseSimpleCommands(src);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('shell parser', () => {
  it('splits chains, pipes and background jobs into simple commands', () => {
    expect(argvs('a 1; b 2 && c || d | e & f')).toEqual([['a', '1'], ['b', '2'], ['c'], ['d'], ['e'], ['f']]);
    const cmds = parsed('d | e & f');
    expect(cmds[0]?.piped).toBe(true);
    expect(cmds[1]?.background).toBe(true);
    expect(cmds[0]?.pipeline).toBe(cmds[1]?.pipeline);
    expect(cmds[2]?.pipeline).not.toBe(cmds[1]?.pipeline);
  });

  it('ends a parameter name at a quote boundary: what quote removal joins to it is not part of the name', () => {
    expect(argvs(`cat "$x"env $x'env' $x\\env "$x""env" x"$y"_z`)).toEqual([
      ['cat', '${x}env', '${x}env', '${x}env', '${x}env', 'x${y}_z'],
    ]);
    // Unchanged where nothing joins it, where a separator follows, and where the `$` was literal.
    expect(argvs(`cat "$HOME"/notes.txt "$x" "$1"0 '$x'env "\\$x"env "\\\\$x"env`)).toEqual([
      ['cat', '$HOME/notes.txt', '$x', '$10', '$xenv', '$xenv', '\\${x}env'],
    ]);
  });

  it('removes quotes the way the shell does', () => {
    expect(argvs(`\\r"m" '-rf' "/"`)).toEqual([['rm', '-rf', '/']]);
    expect(argvs(`$'\\x72\\x6d' $'\\055rf' $'\\u002f'`)).toEqual([['rm', '-rf', '/']]);
    expect(argvs('echo "a \\"b\\" c"')).toEqual([['echo', 'a "b" c']]);
    expect(argvs('ec\\\nho hi')).toEqual([['echo', 'hi']]);
  });

  it('finds commands inside $(…), backticks, subshells and process substitution, one level deeper', () => {
    const cmds = parsed('echo $(rm -rf /) `mkfs /dev/sda` "$(shutdown)" <(reboot); (halt)');
    const names = cmds.map((c) => [c.words[0]?.text, c.depth]);
    expect(names).toEqual(
      expect.arrayContaining([
        ['rm', 1],
        ['mkfs', 1],
        ['shutdown', 1],
        ['reboot', 1],
        ['halt', 0],
      ]),
    );
  });

  it('marks runtime expansions dynamic and keeps their text', () => {
    const [c] = parsed('$CMD ${HOME}/x plain');
    expect(c?.words.map((w) => [w.text, w.dynamic])).toEqual([
      ['$CMD', true],
      ['${HOME}/x', true],
      ['plain', false],
    ]);
  });

  it('reads heredoc bodies and attaches them to their command', () => {
    const cmds = parsed('cat <<EOF | sh\nrm -rf /\nEOF\necho done');
    expect(cmds[0]?.heredocs).toEqual(['rm -rf /']);
    expect(cmds.map((c) => c.words[0]?.text)).toEqual(['cat', 'sh', 'echo']);
    expect(parsed("cat <<-'X'\n\t$(not run)\n\tX\n")[0]?.heredocs).toEqual(['$(not run)']);
  });

  it('runs substitutions inside an expanding heredoc but not a quoted one', () => {
    expect(parsed('cat <<EOF\n$(rm -rf ~)\nEOF\n').some((c) => c.words[0]?.text === 'rm')).toBe(true);
    expect(parsed("cat <<'EOF'\n$(rm -rf ~)\nEOF\n").some((c) => c.words[0]?.text === 'rm')).toBe(false);
  });

  it('records redirects with their targets', () => {
    const [c] = parsed('cat x > /dev/sda 2>&1 >> log');
    expect(c?.redirects.map((r) => `${r.op}${r.target.text}`)).toEqual(['>/dev/sda', '>&1', '>>log']);
  });

  it('knows which function body a command sits in', () => {
    const cmds = parsed(':(){ :|:& };:');
    expect(cmds.filter((c) => c.inFunction === ':').length).toBe(2);
    expect(cmds[cmds.length - 1]?.inFunction).toBeUndefined();
    expect(parsed('function f { f | f & }; f').filter((c) => c.inFunction === 'f').length).toBe(2);
  });

  it('skips shell keywords and loop headers', () => {
    expect(argvs('for f in a b; do rm $f; done')).toEqual([['rm', '$f']]);
    expect(argvs('if true; then echo y; else echo n; fi')).toEqual([['true'], ['echo', 'y'], ['echo', 'n']]);
  });

  it('refuses input the shell would reject, oversized input and deep nesting', () => {
    for (const bad of ["echo 'open", 'echo "open', 'echo $(open', 'echo `open', 'cat <<EOF\nnever closed', 'echo >']) {
      const r = parseSimpleCommands(bad);
      expect(r.ok, bad).toBe(false);
    }
    expect(parseSimpleCommands('x'.repeat(MAX_COMMAND_CHARS + 1))).toMatchObject({
      ok: false,
      error: { code: 'command.too_long' },
    });
    expect(parseSimpleCommands('a\0b')).toMatchObject({ ok: false, error: { code: 'command.nul' } });
    let deep = 'true';
    for (let i = 0; i < 12; i++) deep = `echo $(${deep})`;
    expect(parseSimpleCommands(deep)).toMatchObject({ ok: false, error: { code: 'command.parse' } });
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), (s) => {
        const r = parseSimpleCommands(s);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
    const alphabet = fc.constantFrom(...'$()`\'"\\<>|&;{}\n #=*a -'.split(''));
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 80 }).map((a) => a.join('')),
        (s) => {
          expect(typeof parseSimpleCommands(s).ok).toBe('boolean');
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe('shell parser — blanks', () => {
  it('reads \\v, \\f and other Unicode spaces as part of a word, as bash does (they used to loop forever)', () => {
    expect(argvs('ls\v-la')).toEqual([['ls\v-la']]);
    expect(argvs('a\fb \u00a0; rm\u2028-rf /')).toEqual([
      ['a\fb', '\u00a0'],
      ['rm\u2028-rf', '/'],
    ]);
  });

  it('never loops, whatever code points the line holds (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        expect(typeof parseSimpleCommands(s).ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});

describe('shell parser — arithmetic expansion and deep nesting', () => {
  it('ends $((…)) at its own closing parentheses, so a command after it is still seen', () => {
    expect(argvs('echo $((1+2)); rm -rf /')).toEqual([
      ['echo', '$((1+2))'],
      ['rm', '-rf', '/'],
    ]);
    expect(argvs('echo $((1<<2)) $(( (1+2)*3 )) x')).toEqual([['echo', '$((1<<2))', '$(( (1+2)*3 ))', 'x']]);
  });

  it('parses command substitutions inside arithmetic, which bash runs', () => {
    expect(argvs('echo $(( x[$(rm -rf /)] ))')).toEqual([
      ['echo', '$(( x[$(rm -rf /)] ))'],
      ['rm', '-rf', '/'],
    ]);
    expect(argvs('echo "$(( x[`id`] ))"')).toEqual([['echo', '$(( x[`id`] ))'], ['id']]);
    expect(argvs('cat <<EOF\n$(( a[$(id)] ))\nEOF')).toContainEqual(['id']);
  });

  it('reads $((cmd) | cmd) as a command substitution that starts with a subshell, as bash does', () => {
    expect(argvs('echo $((rm -rf /) | cat)')).toEqual([['echo', '$((rm -rf /) | cat)'], ['rm', '-rf', '/'], ['cat']]);
    expect(argvs('echo "$((rm -rf /) | cat)"')).toEqual([['echo', '$((rm -rf /) | cat)'], ['rm', '-rf', '/'], ['cat']]);
  });

  it('refuses quotes and substitutions nested past the limit instead of overflowing the stack', () => {
    const quoted = `echo ${'"$('.repeat(5000)}${')"'.repeat(5000)}`;
    expect(quoted.length).toBeLessThan(MAX_COMMAND_CHARS);
    expect(parseSimpleCommands(quoted)).toMatchObject({ ok: false, error: { code: 'command.parse' } });
    const arith = `echo "${'$(( '.repeat(6000)}1${' ))'.repeat(6000)}"`;
    expect(parseSimpleCommands(arith)).toMatchObject({ ok: false, error: { code: 'command.parse' } });
    expect(parseSimpleCommands(`echo ${'$(( '.repeat(20)}1${' ))'.repeat(20)}`).ok).toBe(true);
  });
});
