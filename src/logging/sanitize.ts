/**
 * L09 layers 2 and 3 for free text: every log and audit line is capped at 1 MB before any regex runs,
 * then known secret values (the leak index, in all their encodings) and secret formats from the
 * pattern library are replaced by markers. The result never contains a registered value.
 */
import type { LeakScanner } from '../core/leak.js';
import type { PatternDef } from '../text/patterns/types.js';
import { replaceSpans } from '../text/multi-match.js';
import { LOCAL_SECRET_FORMATS } from './secret-formats-local.js';

/** Cap in UTF-16 code units (1 Mi): longer input is cut before any matching. */
export const MAX_LINE_CHARS = 1024 * 1024;
/** Token characters dropped at a cut, so a secret split by the cap does not leave its prefix. */
const TOKEN_TAIL_RE = /[A-Za-z0-9+/=_\-.%~]{1,1024}$/;

export type LineSanitizer = (line: string) => string;

export interface SanitizerOptions {
  readonly formats?: readonly PatternDef[];
  readonly maxChars?: number;
}

export function capLine(line: string, maxChars = MAX_LINE_CHARS): string {
  if (line.length <= maxChars) return line;
  const newline = line.endsWith('\n') ? '\n' : '';
  let head = line.slice(0, maxChars);
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  head = head.replace(TOKEN_TAIL_RE, '');
  return `${head}…[TRUNCATED ${line.length - head.length} chars by the 1 MB log cap]${newline}`;
}

function redactLeaks(line: string, leak: LeakScanner): string {
  return replaceSpans(line, leak.scan(line), (h) => `[REDACTED:${h.secretName}]`);
}

function redactFormats(line: string, formats: readonly PatternDef[]): string {
  let out = line;
  for (const f of formats) {
    const re = f.regex.global ? f.regex : new RegExp(f.regex.source, `${f.regex.flags}g`);
    re.lastIndex = 0;
    out = out.replace(re, (...args: unknown[]) => {
      const match = args[0] as string;
      const last = args[args.length - 1];
      const groups = typeof last === 'object' && last !== null ? (last as Record<string, string | undefined>) : undefined;
      if (f.validate && !f.validate(match)) return match;
      const v = groups?.v;
      if (v !== undefined) {
        const at = match.lastIndexOf(v);
        return `${match.slice(0, at)}[REDACTED:${f.id}]${match.slice(at + v.length)}`;
      }
      return `[REDACTED:${f.id}]`;
    });
  }
  return out;
}

/** `(line) => line` for createLogger's `sanitizeLine` and the AuditSink's `sanitize`. */
export function createSanitizer(leakIndex: LeakScanner, opts: SanitizerOptions = {}): LineSanitizer {
  const formats = opts.formats ?? LOCAL_SECRET_FORMATS;
  const max = opts.maxChars ?? MAX_LINE_CHARS;
  return (line: string) => redactFormats(redactLeaks(capLine(line, max), leakIndex), formats);
}
