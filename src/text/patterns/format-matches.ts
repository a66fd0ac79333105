/**
 * The one loop over a secret format's matches, shared by the output guard (L02), the log sanitizer (L09)
 * and the plaintext audit. A match that fails validation is retried one character later: going on after
 * it (as `String.replace` or `matchAll` do) would let a rejected `host=db:port=…` hide the
 * `password=…` inside its span. That stays linear because no format can start a long match inside its
 * own failed body (see secret-formats.ts).
 */
import type { PatternDef } from './types.js';

export interface CompiledFormat {
  readonly def: PatternDef;
  /** Global, with match indices (`d`), for the named group `secret`. */
  readonly re: RegExp;
}

const cache = new WeakMap<readonly PatternDef[], CompiledFormat[]>();

/** The formats compiled once per list. */
export function compileFormats(formats: readonly PatternDef[]): CompiledFormat[] {
  let c = cache.get(formats);
  if (!c) {
    c = formats.map((def) => ({ def, re: new RegExp(def.regex.source, def.regex.flags.replace(/[gyd]/g, '') + 'gd') }));
    cache.set(formats, c);
  }
  return c;
}

export interface FormatMatch {
  readonly start: number;
  readonly end: number;
  /** The `secret` group's span, or the whole match. */
  readonly secretStart: number;
  readonly secretEnd: number;
  readonly text: string;
  /** False when the format's validate rejected the match (it still took up that text). */
  readonly valid: boolean;
}

export function forEachFormatMatch(format: CompiledFormat, text: string, onMatch: (m: FormatMatch) => void): void {
  const { def, re } = format;
  re.lastIndex = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index;
    const end = start + m[0].length;
    if (end === start) {
      re.lastIndex = start + 1;
      continue;
    }
    const valid = def.validate ? def.validate(m[0]) : true;
    if (!valid) re.lastIndex = start + 1;
    const g = m.indices?.groups?.['secret'];
    onMatch({ start, end, secretStart: g ? g[0] : start, secretEnd: g ? g[1] : end, text: m[0], valid });
  }
}
