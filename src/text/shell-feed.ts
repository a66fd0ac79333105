/**
 * Script text a command hands to a shell or interpreter that reads its program from stdin: heredoc bodies and
 * here-strings of `sh <<EOF` / `cat <<EOF | sh`, the words of `echo "…" | bash`. Text that only exists at run
 * time on that path (`base64 -d | sh`, `echo "$X" | sh`, `bash <<< "$X"`) cannot be resolved statically: it is
 * reported as opaque instead of as a script.
 */
import type { Redirect, Word } from './shell-parse.js';

/** Text sources whose operands are the text they write (`echo "rm -rf /" | sh`). */
const TEXT_SOURCES = new Set(['cat', 'echo', 'printf']);

/** Short/long flags that make these tools decode instead of encode. A Map: `constructor | sh` is not a decoder. */
const DECODE_FLAGS: ReadonlyMap<string, RegExp> = new Map([
  ['base64', /^(-[a-zA-Z]*[dD][a-zA-Z]*|--decode)$/],
  ['base32', /^(-[a-zA-Z]*d[a-zA-Z]*|--decode)$/],
  ['basenc', /^(-[a-zA-Z]*d[a-zA-Z]*|--decode)$/],
  ['xxd', /^(-[a-zA-Z]*r[a-zA-Z]*|-revert)$/],
  ['gzip', /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress|--uncompress)$/],
  ['xz', /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress|--uncompress)$/],
  ['bzip2', /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress)$/],
  ['zstd', /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress)$/],
  ['gpg', /^(-[a-zA-Z]*d[a-zA-Z]*|--decrypt)$/],
  ['openssl', /^(-d|-decrypt|-base64|-a)$/],
]);
/** Tools that only ever turn encoded or scrambled text back into text. */
const ALWAYS_DECODE = new Set([
  'uudecode',
  'gunzip',
  'zcat',
  'unxz',
  'xzcat',
  'bunzip2',
  'bzcat',
  'unzstd',
  'zstdcat',
  'rev',
]);

/** `base64 -d`, `xxd -r`, `openssl enc -d`, `gunzip`, `tr` with two sets (rot13 and the like)… */
export function isDecoder(argv: readonly Word[]): string | undefined {
  const name = argv[0]?.text ?? '';
  if (ALWAYS_DECODE.has(name)) return name;
  const flags = DECODE_FLAGS.get(name);
  if (flags && argv.slice(1).some((w) => flags.test(w.text)))
    return `${name} ${argv.slice(1).find((w) => flags.test(w.text))?.text ?? ''}`;
  if (name === 'tr' && argv.slice(1).filter((w) => !w.text.startsWith('-')).length >= 2) return 'tr';
  return undefined;
}

export type FeedVia = 'heredoc' | 'here-string' | 'pipe-to-shell';

export interface FeedText {
  readonly text: string;
  readonly via: FeedVia;
}

export interface FeedFacts {
  /** Why the script text cannot be known before it runs; when set, `texts` is empty. */
  readonly opaque?: { readonly reason: string; readonly via: FeedVia };
  /** The script texts, in the order they reach the shell: heredocs, here-strings, then a text source's words. */
  readonly texts: readonly FeedText[];
}

/**
 * What `argv` (unwrapped) with these redirects and heredocs feeds to a shell reading stdin. `pipesIntoShell`: a
 * later command of its pipeline reads its script from stdin; otherwise the command is such a shell itself.
 */
export function feedFacts(
  argv: readonly Word[],
  redirects: readonly Redirect[],
  heredocs: readonly string[],
  pipesIntoShell: boolean,
): FeedFacts {
  const decoder = pipesIntoShell ? isDecoder(argv) : undefined;
  if (decoder)
    return {
      opaque: {
        reason: `a script piped into a shell or interpreter comes out of a decoder (${decoder})`,
        via: 'pipe-to-shell',
      },
      texts: [],
    };
  const source = pipesIntoShell && argv[0] && TEXT_SOURCES.has(argv[0].text) ? argv[0].text : undefined;
  if (source && argv.slice(1).some((w) => w.dynamic))
    return {
      opaque: {
        reason: `a script piped into a shell or interpreter is built at run time (${source} of an expansion)`,
        via: 'pipe-to-shell',
      },
      texts: [],
    };
  if (redirects.some((r) => r.kind === 'herestring' && r.target.dynamic))
    return {
      opaque: { reason: 'a here-string fed to a shell or interpreter is built at run time', via: 'here-string' },
      texts: [],
    };
  const texts: FeedText[] = heredocs.map((text) => ({ text, via: 'heredoc' }));
  for (const r of redirects) if (r.kind === 'herestring') texts.push({ text: r.target.text, via: 'here-string' });
  if (source) {
    const text = argv
      .slice(1)
      .filter((w) => !/^-[neE]+$/.test(w.text))
      .map((w) => w.text)
      .join(' ');
    texts.push({ text: text.replace(/\\n/g, '\n'), via: 'pipe-to-shell' });
  }
  return { texts };
}
