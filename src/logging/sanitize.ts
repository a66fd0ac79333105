/**
 * L09 layers 2 and 3 for free text: every log and audit line is capped at 1 MB before any regex runs,
 * then known secret values (the leak index, in all their encodings) and secret formats from the
 * pattern library are replaced by markers. The result never contains a registered value.
 */
import type { LeakScanner } from '../core/index.js';
import {
  type PatternDef,
  redactLeakHits,
  SECRET_FORMATS,
  replaceSpans,
  secretScanner,
  type SecretScanner,
} from '../text/index.js';

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
  // Only the end can match: running the anchored regex over the whole 1 MB head tries it from every position.
  const tail = head.slice(-2048).replace(TOKEN_TAIL_RE, '');
  head = head.slice(0, Math.max(0, head.length - 2048)) + tail;
  return `${head}…[TRUNCATED ${line.length - head.length} chars by the 1 MB log cap]${newline}`;
}

function redactLeaks(line: string, leak: LeakScanner): string {
  return redactLeakHits(line, leak.scan(line));
}

/**
 * Formats a log must not carry: every format of the shared library except markers that only say a
 * secret is nearby (they hold no value themselves).
 */
export const LOG_SECRET_FORMATS: readonly PatternDef[] = SECRET_FORMATS.filter((f) => !f.id.endsWith('_marker'));

/**
 * Replaces each validated match (only its `secret` group when the format has one). One pass finds every
 * format's matches; overlapping ones merge into the marker of the one that starts first.
 */
function redactFormats(line: string, formats: SecretScanner): string {
  const spans: Array<{ start: number; end: number; id: string }> = [];
  formats.forEachMatch(line, (format, m) => {
    if (m.valid) spans.push({ start: m.secretStart, end: m.secretEnd, id: format.def.id });
  });
  return replaceSpans(line, spans, (s) => `[REDACTED:${s.id}]`);
}

const MAX_JSON_DEPTH = 32;

function redactJsonValue(v: unknown, formats: SecretScanner, depth: number): unknown {
  if (typeof v === 'string') return redactFormats(v, formats);
  if (v === null || typeof v !== 'object' || depth > MAX_JSON_DEPTH) return v;
  if (Array.isArray(v)) return v.map((x) => redactJsonValue(x, formats, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = redactJsonValue(x, formats, depth + 1);
  return out;
}

/**
 * Formats are matched against what was logged, not its JSON encoding: in a JSON line whose strings
 * carry escapes (newlines of a PEM block, a serialized body), each string is decoded, redacted and
 * re-encoded. Other lines (and lines that are not JSON) are matched as they are.
 */
function redactFormatsInLine(line: string, formats: SecretScanner): string {
  const newline = line.endsWith('\n') ? '\n' : '';
  const body = newline ? line.slice(0, -1) : line;
  if (body.startsWith('{') && body.includes('\\')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) return JSON.stringify(redactJsonValue(parsed, formats, 0)) + newline;
  }
  return redactFormats(line, formats);
}

/** `(line) => line` for createLogger's `sanitizeLine` and the AuditSink's `sanitize`. */
export function createSanitizer(leakIndex: LeakScanner, opts: SanitizerOptions = {}): LineSanitizer {
  const formats = secretScanner(opts.formats ?? LOG_SECRET_FORMATS);
  const max = opts.maxChars ?? MAX_LINE_CHARS;
  return (line: string) => redactFormatsInLine(redactLeaks(capLine(line, max), leakIndex), formats);
}
