import { describe, expect, it } from 'vitest';
import { classifyExec } from './classify-exec.js';
import { credentialGlobTarget } from '../../src/policy/credential-globs.js';

const exec = classifyExec;

describe('L27: a glob the shell expands into a credential file’s name', () => {
  it.each([
    ['cat .en?', '.env'],
    ['cat .e?v', '.env'],
    ['head -5 .[e]nv', '.env'],
    ['cat .env*', '.env'],
    ['cat id_*', 'id_rsa'],
    ['cat .ss?/config', '.ssh/config'],
    ['grep -r key .aw?/', '.aws/'],
    ['cat .n?mrc', '.npmrc'],
    ['cat < .en?', '.env'],
    ['base64 .git-cred*', '.git-credentials'],
    ['cat credential?.json', 'credentials.json'],
  ])('%s is credential (names %s)', (command, named) => {
    const c = exec(command);
    expect(c.classes).toContain('credential');
    expect(c.reasons.join(' ')).toContain(`credential file ${named}`);
  });

  it.each([
    'grep TODO *.json',
    'ls *',
    'cat *.md',
    'wc -l src/*.ts',
    'ls -a .e*',
    'cat .*rc',
    "cat '.en?'",
    'cat ".en?"',
    'echo .en\\?',
    'ls docs/[a-c]*.md',
  ])('%s is not credential (broad, or not a glob at all)', (command) => {
    expect(exec(command).classes).not.toContain('credential');
  });

  it('matches as the shell does: a wildcard never matches a leading dot or a slash', () => {
    expect(credentialGlobTarget('*env')).toBeUndefined();
    expect(credentialGlobTarget('?env')).toBeUndefined();
    expect(credentialGlobTarget('.*')).toBeUndefined();
    expect(credentialGlobTarget('.[!a]nv')).toBe('.env');
    expect(credentialGlobTarget('.[^a]nv')).toBe('.env');
    expect(credentialGlobTarget('a[/b')).toBeUndefined();
    expect(credentialGlobTarget('[')).toBeUndefined();
    expect(credentialGlobTarget('x/.en?/y')).toBe('x/.env/y');
  });

  it.each([
    ['cat .e{n,}v', '.env'],
    ['cat id_{rsa,ed25519}', 'id_rsa'],
    ['tar czf out.tgz .{ss,x}h/', '.ssh/'],
    ['cat {README.md,.git-credentials}', '.git-credentials'],
    ['cat .e{m..o}v', '.env'],
    ['cat .e{n,x}?', '.env'],
    ['cat < .e{n..n}v', '.env'],
    ['cat {{1..256},.env}', 'not all judged'],
    ['cat x{,}{,}{,}{,}{,}{,}{,}{,}{,.env}', 'not all judged'],
  ])('%s is credential: brace expansion comes before globs (expands to %s)', (command, named) => {
    const c = exec(command);
    expect(c.classes).toContain('credential');
    expect(c.reasons.join(' ')).toContain(named);
  });

  it.each(['cat src/{a,b}.ts', 'echo ${HOME}', 'ls {1..3}.md', 'cat {x', 'echo {}'])(
    '%s is not credential (its expansions name no credential file)',
    (command) => {
      expect(exec(command).classes).not.toContain('credential');
    },
  );

  it.each([
    ['dd if=.env status=none', '.env'],
    ['git add -A && git show :.env', '.env'],
    ['git show HEAD~1:.env', '.env'],
    ['f=.env; cat "$f"', '.env'],
    ['tool --config=.aws/credentials', '.aws/credentials'],
  ])('%s is credential: the path stands after = or :, or in a variable (%s)', (command, named) => {
    const c = exec(command);
    expect(c.classes).toContain('credential');
    expect(c.reasons.join(' ')).toContain(named);
  });
});

describe('L27: parameter expansions that join a credential file’s name (R22)', () => {
  it.each([
    ['cat .e"$@"nv', '.env'],
    ['cat .e${9}nv', '.env'],
    ['grep . .e$1nv', '.env'],
    ['cat ${p}.env', '.env'],
    ['cat .env${x}', '.env'],
    ['cat ${x:-.env}', '.env'],
    ['cat .e${x:-n}v', '.env'],
    ['cat < .e$1nv', '.env'],
    ['cat ${d}/.ss$1h/config', '/.ssh/config'],
    ['cat .[[:alpha:]]nv', '.env'],
    ['cat id_[[:lower:]]sa', 'id_rsa'],
  ])('%s is credential (names %s)', (command, named) => {
    const c = exec(command);
    expect(c.classes).toContain('credential');
    expect(c.reasons.join(' ')).toContain(`credential file ${named}`);
  });

  it.each([
    'cat "$f"',
    'cat $dir/*.json',
    'cat "$HOME/notes.txt"',
    'grep -r "$pat" src',
    'cat "${f}.json"',
    'cat ./$x',
    'echo [[:alpha:]]*',
    'cat .[[:digit:]]nv',
    'sed "s/$a/$b/" f.txt',
  ])('%s is not credential (an expansion there names ordinary files too, or none)', (command) => {
    expect(exec(command).classes).not.toContain('credential');
  });
});

describe('L27: a quote boundary ends a parameter name (quote removal must not merge "$x"env into $xenv)', () => {
  it.each([
    ['cat "$x"env', '.env'],
    ["cat $x'env'", '.env'],
    ['cat $x\\env', '.env'],
    ['cat "$x""env"', '.env'],
    ["cat $x$'env'", '.env'],
    ['cat < "$x"env', '.env'],
    ['cat "$d"/."$x"ssh/config', '/.ssh/config'],
    ['cat "$x"credentials', 'credentials'],
  ])('%s is credential (names %s)', (command, named) => {
    const c = exec(command);
    expect(c.classes).toContain('credential');
    expect(c.reasons.join(' ')).toContain(`credential file ${named}`);
  });

  it.each([
    'cat "$HOME"/notes.txt',
    'cat "$dir"env.example.txt',
    'cat "$dir"/env',
    'cp "$src"_backup.txt out/',
    'cat "$x"',
    'echo "$greeting"world',
    'cat "pre$x"env',
  ])('%s is not credential (the word can name no credential file)', (command) => {
    expect(exec(command).classes).not.toContain('credential');
  });

  it('keeps the name apart in the word the policy sees', () => {
    const c = exec('cat "$x"env');
    expect(c.reasons.join(' ')).toContain('touches ${x}env');
  });
});
