/**
 * L27: an unquoted glob the shell expands into a credential file's name (`cat .en?`, `cat id_*`, `less .ss?/conf*`)
 * reads it as surely as the name written out, and the path rule sees only the pattern. A glob word counts as naming
 * a credential when one of its segments matches a credential name (as the shell matches: `*` and `?` never match a
 * leading dot or a `/`) and matches none of a list of ordinary names: a glob that also takes in ordinary files
 * (`*.json`, `.e*`, `*`) is how people list and search, and flagging it would ask about every `grep x *.json` (what
 * such a command prints still passes L23's redaction of vault values and secret formats).
 */

/** Names the credential path rule knows, spelled out (a directory's name stands for the directory). */
const CREDENTIAL_NAMES = [
  '.ssh',
  '.gnupg',
  '.aws',
  '.kube',
  '.docker',
  '.netrc',
  '.npmrc',
  '.pypirc',
  '.git-credentials',
  '.env',
  '.env.local',
  '.env.production',
  '.env.development',
  '.env.test',
  'id_rsa',
  'id_dsa',
  'id_ecdsa',
  'id_ed25519',
  'shadow',
  'gshadow',
  'sudoers',
  '.pgpass',
  'environ',
  'credentials',
  'credentials.json',
  '.bulwark',
];

/** Names found in most projects and home directories: a glob matching one of them is a broad one. */
const ORDINARY_NAMES = [
  'package.json',
  'tsconfig.json',
  'README.md',
  'CHANGELOG.md',
  'LICENSE',
  'Makefile',
  'Dockerfile',
  'index.js',
  'index.ts',
  'main.py',
  'setup.py',
  'main.go',
  'config.yaml',
  'config.json',
  'data.csv',
  'notes.txt',
  'src',
  'lib',
  'test',
  'docs',
  'dist',
  'build',
  'node_modules',
  '.git',
  '.gitignore',
  '.github',
  '.eslintrc',
  '.prettierrc',
  '.editorconfig',
  '.vscode',
  '.config',
  '.cache',
  '.local',
  '.bashrc',
  '.profile',
];

/** Stands for a parameter expansion in a word (`$1`, `"$@"`, `${x}`): any text, a leading dot included. */
const EXPANSION = '\uE000';

/** POSIX character classes inside brackets (`[[:alpha:]]`), as the characters they take in the C locale. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alpha: 'a-zA-Z',
  alnum: 'a-zA-Z0-9',
  lower: 'a-z',
  upper: 'A-Z',
  digit: '0-9',
  xdigit: '0-9a-fA-F',
  punct: '!-\\/:-@\\[-`{-~',
  graph: '!-~',
  print: ' -~',
  space: ' \\t\\n\\r\\f\\v',
  blank: ' \\t',
  word: 'a-zA-Z0-9_',
};

/** Where the bracket expression opened at `open` closes (a `]` first in it, and `[:class:]`, do not close it), or -1. */
function bracketEnd(glob: string, open: number): number {
  let i = open + 1;
  if (glob[i] === '!' || glob[i] === '^') i++;
  if (glob[i] === ']') i++;
  for (; i < glob.length; i++) {
    if (glob[i] === ']') return i;
    if (glob.startsWith('[:', i)) {
      const end = glob.indexOf(':]', i + 2);
      if (end >= 0) i = end + 1;
    }
  }
  return -1;
}

/** A bracket expression's body as a regular expression class body (POSIX classes spelled out; an unknown one takes any). */
function bracketBody(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const cls = body.startsWith('[:', i) ? /^\[:([a-z]+):\]/.exec(body.slice(i)) : null;
    if (cls) {
      out += POSIX_CLASSES[cls[1] as string] ?? '\\s\\S';
      i += cls[0].length - 1;
    } else out += (body[i] as string).replace(/[\\\]^[]/g, (m) => `\\${m}`);
  }
  return out;
}

/** The shell's reading of one glob segment as a regular expression (no leading dot from a wildcard). */
function segmentPattern(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    const lead = out === '' ? '(?!\\.)' : '';
    if (c === EXPANSION) out += '[^/]*';
    else if (c === '*') out += `${lead}[^/]*`;
    else if (c === '?') out += `${lead}[^/]`;
    else if (c === '[') {
      const close = bracketEnd(glob, i);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `${lead}[${negated ? '^/' : ''}${bracketBody(body)}]`;
      i = close;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, (m) => `\\${m}`);
  }
  return new RegExp(`^${out}$`);
}

const hasGlob = (s: string) => /[*?[\uE000]/.test(s);

/**
 * The credential path a glob word may expand to (its first such segment replaced by the name it matches), or
 * undefined. `glob` is the parser's word text with its unquoted glob characters.
 */
export function credentialGlobTarget(glob: string): string | undefined {
  const segments = glob.split('/');
  for (const [i, segment] of segments.entries()) {
    if (!hasGlob(segment)) continue;
    const pattern = segmentPattern(segment);
    if (ORDINARY_NAMES.some((n) => pattern.test(n))) continue;
    const name = CREDENTIAL_NAMES.find((n) => pattern.test(n));
    if (name !== undefined) return [...segments.slice(0, i), name, ...segments.slice(i + 1)].join('/');
  }
  return undefined;
}

/** `$name`, `${…}` (not nested), `$1`, `$@` and the other special parameters. */
const PARAMETER = /\$(?:\{[^{}]*\}|[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/g;
/** `${name:-word}`, `${name-word}`, `${name:=word}`, `${name=word}`: the word a default or assignment expands to. */
const DEFAULT_WORD = /^\$\{[A-Za-z_][A-Za-z0-9_]*:?[-=](.*)\}$/s;

/** The word with each parameter expansion replaced by its default or assigned word (`${x:-.env}`), else by nothing. */
export function parameterDefaults(word: string): string {
  return word.replace(PARAMETER, (m) => DEFAULT_WORD.exec(m)?.[1] ?? '');
}

/**
 * The credential path a word with parameter expansions may read (L27): an unset or empty parameter leaves its
 * neighbours joined (`.e"$@"nv`, `.e${9}nv` read `.env`). Each expansion stands for any text within a path segment,
 * and a word that could then name ordinary files too (`$f`, `$dir/*.json`) is not flagged. `glob`: the word's
 * unquoted glob characters count as such.
 */
export function credentialExpansionTarget(word: string, glob: boolean): string | undefined {
  const literal = glob ? word : word.replace(/[*?[]/g, (m) => `[${m}]`);
  const pattern = literal.replace(PARAMETER, EXPANSION);
  return pattern.includes(EXPANSION) ? credentialGlobTarget(pattern) : undefined;
}
