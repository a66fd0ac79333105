/**
 * Script text that only exists at run time. The command policy judges the text a shell will run;
 * text that is decoded, decrypted or substituted just before it runs (`base64 -d | sh`,
 * `eval "$X"`, `bash -c "$(…)"`) cannot be judged, so it is refused as a class (rule
 * `dynamic.shell-script`) instead of trying to guess what it will say.
 *
 * This also refuses some common, legitimate lines such as `eval "$(ssh-agent -s)"` or
 * `bash -c "cd $DIR && make"`. That is deliberate: the alternative would let any destructive
 * command through behind one variable. The model can write the resolved command instead, the
 * sandbox (L11) still confines whatever runs, and an operator can approve the exact line (L13).
 */
import type { Word } from './shell-parse.js';
import type { RuleHit } from './command-rules.js';

export const DYNAMIC_SCRIPT_RULE = 'dynamic.shell-script';

/** Short/long flags that make these tools decode instead of encode. */
const DECODE_FLAGS: Record<string, RegExp> = {
  base64: /^(-[a-zA-Z]*[dD][a-zA-Z]*|--decode)$/,
  base32: /^(-[a-zA-Z]*d[a-zA-Z]*|--decode)$/,
  basenc: /^(-[a-zA-Z]*d[a-zA-Z]*|--decode)$/,
  xxd: /^(-[a-zA-Z]*r[a-zA-Z]*|-revert)$/,
  gzip: /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress|--uncompress)$/,
  xz: /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress|--uncompress)$/,
  bzip2: /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress)$/,
  zstd: /^(-[a-zA-Z]*d[a-zA-Z]*|--decompress)$/,
  gpg: /^(-[a-zA-Z]*d[a-zA-Z]*|--decrypt)$/,
  openssl: /^(-d|-decrypt|-base64|-a)$/,
};
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
  const flags = DECODE_FLAGS[name];
  if (flags && argv.slice(1).some((w) => flags.test(w.text)))
    return `${name} ${argv.slice(1).find((w) => flags.test(w.text))?.text ?? ''}`;
  if (name === 'tr' && argv.slice(1).filter((w) => !w.text.startsWith('-')).length >= 2) return 'tr';
  return undefined;
}

export function dynamicScriptHit(why: string): RuleHit {
  return {
    ruleId: DYNAMIC_SCRIPT_RULE,
    reason: `${why}: the policy cannot see the commands it will run; write the resolved command instead (the operator can approve the exact line)`,
  };
}
