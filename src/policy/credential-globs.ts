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

/** The shell's reading of one glob segment as a regular expression (no leading dot from a wildcard). */
function segmentPattern(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    const lead = out === '' ? '(?!\\.)' : '';
    if (c === '*') out += `${lead}[^/]*`;
    else if (c === '?') out += `${lead}[^/]`;
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negated = body.startsWith('!') || body.startsWith('^');
      if (negated) body = body.slice(1);
      const escaped = body.replace(/[\\\]^]/g, (m) => `\\${m}`);
      out += `${lead}[${negated ? '^/' : ''}${escaped}]`;
      i = close;
    } else out += c.replace(/[.*+?^${}()|[\]\\/]/g, (m) => `\\${m}`);
  }
  return new RegExp(`^${out}$`);
}

const hasGlob = (s: string) => /[*?[]/.test(s);

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
