/**
 * The one loop over a secret format's matches, shared by the output guard (L02), the log sanitizer (L09)
 * and the plaintext audit (through src/text/secret-scan.ts, which runs it only around the format's
 * literals). A match that fails validation is retried one character later: going on after it (as
 * `String.replace` or `matchAll` do) would let a rejected `host=db:port=…` hide the `password=…` inside
 * its span. That stays linear because no format can start a long match inside its own failed body (see
 * secret-formats.ts).
 */
import { regexReach } from '../regex-reach.js';
import { withoutCaptures } from '../without-captures.js';
import type { PatternDef } from './types.js';

export interface CompiledFormat {
  readonly def: PatternDef;
  /** Global, for finding matches; without captures (a match's text and offset are all it gives). */
  readonly re: RegExp;
  /** Sticky with match indices (`d`), re-run at a valid match's start for the named group `secret` (indices cost every exec). */
  readonly indices: RegExp | undefined;
  /** Longest possible match (code units); Infinity for a format without a bound. */
  readonly maxLength: number;
  readonly minLength: number;
}

const cache = new WeakMap<readonly PatternDef[], CompiledFormat[]>();

export function compileFormat(def: PatternDef): CompiledFormat {
  const reach = regexReach(def.regex);
  const flags = def.regex.flags.replace(/[gyd]/g, '');
  return {
    def,
    re: new RegExp(withoutCaptures(def.regex.source), flags + 'g'),
    indices: def.regex.source.includes('(?<secret>') ? new RegExp(def.regex.source, flags + 'yd') : undefined,
    maxLength: reach.max,
    minLength: reach.min,
  };
}

/** The formats compiled once per list. */
export function compileFormats(formats: readonly PatternDef[]): CompiledFormat[] {
  let c = cache.get(formats);
  if (!c) {
    c = formats.map(compileFormat);
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
  /**
   * False when the format's validate rejected the match. A rejected match is reported only when it reaches the end
   * of the text (a stream must not cut through it); elsewhere no reader needs it.
   */
  readonly valid: boolean;
}

/**
 * Verdicts of `validate` by matched text, for one scan. Hostile repetitions hand the same candidate to a
 * validator tens of thousands of times; remembering the verdict keeps that to one call per distinct text.
 */
export class ValidationMemo {
  private readonly seen = new Map<string, boolean>();
  /**
   * The last text asked about and its verdict: repetitions ask about one text in a row, and comparing it with the
   * last is cheaper than hashing a fresh string for the map.
   */
  private last: string | undefined;
  private lastVerdict = false;
  constructor(private readonly limit = 4096) {}
  verdict(validate: (m: string) => boolean, match: string): boolean {
    if (match === this.last) return this.lastVerdict;
    this.last = match;
    this.lastVerdict = this.lookup(validate, match);
    return this.lastVerdict;
  }
  /** The verdict on text[start, end), read in place when it repeats the last text asked about. */
  verdictAt(validate: (m: string) => boolean, text: string, start: number, end: number): boolean {
    const last = this.last;
    if (last !== undefined && last.length === end - start && text.startsWith(last, start)) return this.lastVerdict;
    return this.verdict(validate, text.slice(start, end));
  }
  private lookup(validate: (m: string) => boolean, match: string): boolean {
    const known = this.seen.get(match);
    if (known !== undefined) return known;
    const v = validate(match);
    if (this.seen.size >= this.limit) this.seen.clear();
    this.seen.set(match, v);
    return v;
  }
}

/**
 * Every match of `format` in `text[from, to)`, offsets in `text`. A window that does not start at 0
 * is read with `margin` characters of context on each side (for \b and look-arounds); matches are
 * reported only from `from` on — callers choose windows so that no match can start in the margin.
 */
export function forEachFormatMatch(
  format: CompiledFormat,
  text: string,
  onMatch: (m: FormatMatch) => void,
  window?: { readonly from: number; readonly to: number; readonly margin: number; readonly memo?: ValidationMemo },
): void {
  const { def, re } = format;
  const base = window ? Math.max(0, window.from - window.margin) : 0;
  const end = window ? Math.min(text.length, window.to + window.margin) : text.length;
  const part = base === 0 && end === text.length ? text : text.slice(base, end);
  const memo = window?.memo;
  re.lastIndex = window ? window.from - base : 0;
  for (let m = re.exec(part); m !== null; m = re.exec(part)) {
    const start = m.index;
    const stop = start + m[0].length;
    if (stop === start) {
      re.lastIndex = start + 1;
      continue;
    }
    const valid = def.validate ? (memo ? memo.verdict(def.validate, m[0]) : def.validate(m[0])) : true;
    if (!valid) {
      re.lastIndex = start + 1;
      if (stop + base < text.length) continue;
    }
    const g = valid ? secretSpan(format, part, start) : undefined;
    onMatch({
      start: start + base,
      end: stop + base,
      secretStart: (g ? g[0] : start) + base,
      secretEnd: (g ? g[1] : stop) + base,
      valid,
    });
  }
}

/** The `secret` group's span of the match at `start`, when the format has that group. */
export function secretSpan(format: CompiledFormat, text: string, start: number): readonly [number, number] | undefined {
  const re = format.indices;
  if (!re) return undefined;
  re.lastIndex = start;
  return re.exec(text)?.indices?.groups?.['secret'];
}
