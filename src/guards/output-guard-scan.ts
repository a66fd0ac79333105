/**
 * The one scan of L02/L17 over a piece of model output: secret formats, known secret values (leak
 * index, every encoding), canary tokens and system-prompt extraction, all on the secret view of the
 * text. Used for whole responses, for the stream guard's window and for tool-call arguments alike.
 *
 * For a stream (`open: true`) the scan also says from where text appended later could still change
 * what it found: the start of any match that reaches the end, and of anything that may still become
 * one — a format that spans whitespace with its prefix at the end (`-----BEGIN …`, `password = `), a
 * known value's form cut short in any encoding, a canary form cut short, prompt words that may grow into
 * an extraction. Each detector derives this from what it matches; a whitespace-free run at the very end
 * is left to the stream guard, which holds it anyway.
 */
import type { LeakScanner } from '../core/index.js';
import {
  type PatternDef,
  type Severity,
  SECRET_FORMATS,
  secretScanner,
  type SecretScanner,
  type CompiledFormat,
} from '../text/index.js';
import { canaryOpenFrom, findCanaries, type CanaryForm } from './canary.js';
import type { PromptFingerprint } from './prompt-extraction.js';
import { secretView } from './output-guard-view.js';
import { findKnownValues } from './known-values.js';
import { findEncodedPrompt, openEncodedPrompt, type PromptChecks } from './prompt-encoded.js';

export type FindingKind = 'secret_format' | 'known_secret' | 'canary' | 'prompt_extraction';

export interface OutputFinding {
  readonly kind: FindingKind;
  /** Pattern id (e.g. secret.aws_access_key_id, leak.known_value, canary.session, prompt.extraction); never a value. */
  readonly patternId: string;
  readonly severity: Severity;
  /** Raw offsets of the secret itself (what gets redacted). */
  readonly start: number;
  readonly end: number;
  /** Raw offsets of the whole match including context (assignment name, header), for stream boundaries. */
  readonly matchStart: number;
  readonly matchEnd: number;
  readonly encoding?: string;
  readonly secretName?: string;
}

export interface OutputScanDeps {
  readonly leakScanner: LeakScanner;
  readonly canaryForms: readonly CanaryForm[];
  readonly prompt?: PromptFingerprint | undefined;
  readonly formats?: readonly PatternDef[];
}

export interface OutputScan {
  readonly findings: readonly OutputFinding[];
  /**
   * Raw spans a stream must not cut through: every valid format match (warnings too: a match takes its
   * text from later matches of its format) and every match that reaches the end of the text. A rejected
   * match that ends before the end cannot change any more and takes nothing, so it is not here.
   */
  readonly matchSpans: ReadonlyArray<readonly [number, number]>;
  /**
   * Raw offset from which text appended later could still change the findings (with `open`); without
   * `open`, from which a match reaches the end of the text. text.length when none.
   */
  readonly openFrom: number;
  /**
   * With `open`: the earliest raw offset in the trailing whitespace-free run where a finding's redacted part
   * may still begin as text is appended, from what openFrom leaves to the stream guard — a whitespace-free
   * format's secret, a base64 run that may grow into an encoded prompt or widen a known value's hit;
   * text.length when none. The run's
   * start when the secret view differs from the raw text (not read exactly then). Text before it in the run
   * is context only: the stream guard may release it once its left context keeps the run whole. Absent: the
   * run is held whole.
   */
  readonly runFrom?: number;
}

export interface OutputScanOptions {
  /** Also find what may still be under way at the end of the text (for a stream). */
  readonly open?: boolean;
}

export const REDACTED = '[REDACTED]';

/** One format match, in raw offsets; `def` is undefined when the format's validation rejected it. */
interface FormatMatch {
  readonly def: PatternDef | undefined;
  readonly span: readonly [number, number];
  readonly secret: readonly [number, number];
  /** The match reaches the end of the scanned text and may still grow. */
  readonly open: boolean;
}

/** Every format match in `text` (rejected ones reaching its end too: a stream must not cut through them), in raw offsets. */
function scanFormats(
  scanner: SecretScanner,
  text: string,
  toRaw: (start: number, end: number) => [number, number],
  found: (m: FormatMatch) => void,
  onOpen?: (format: CompiledFormat, start: number) => void,
): void {
  scanner.forEachMatch(
    text,
    (format, m) => {
      const open = m.end >= text.length;
      const span = toRaw(m.start, m.end);
      if (!m.valid) return found({ def: undefined, span, secret: span, open });
      const secret = m.secretStart === m.start && m.secretEnd === m.end ? span : toRaw(m.secretStart, m.secretEnd);
      found({ def: format.def, span, secret, open });
    },
    onOpen,
  );
}

const identity = (start: number, end: number): [number, number] => [start, end];

export function scanOutput(raw: string, deps: OutputScanDeps, options: OutputScanOptions = {}): OutputScan {
  const view = secretView(raw);
  const text = view.text;
  const findings: OutputFinding[] = [];
  const matchSpans: Array<readonly [number, number]> = [];
  let openFrom = raw.length;
  const hold = (viewStart: number) => {
    if (viewStart < text.length) openFrom = Math.min(openFrom, view.toRaw(viewStart, viewStart + 1)[0]);
  };

  // The formats run on the view and, when it differs, on the raw text as well: a decoded escape or tag
  // character glued to a token (`…%47`, `…\u0047`) removes the word boundary a format ends at, which
  // the raw text still has. A match both passes find is one finding.
  const formats = secretScanner(deps.formats ?? SECRET_FORMATS);
  const seen = text !== raw ? new Set<string>() : undefined;
  const found = ({ def, span, secret, open }: FormatMatch) => {
    if (!def && !open) return;
    // Only findings are de-duplicated: a rejected span seen twice costs nothing but an entry, while a key
    // per rejected match made hostile text with one escape in it several times slower.
    if (seen && def) {
      const key = `${def.id}:${span[0]}:${span[1]}:${secret[0]}:${secret[1]}`;
      if (seen.has(key)) return;
      seen.add(key);
    }
    matchSpans.push(span);
    if (open) openFrom = Math.min(openFrom, span[0]);
    if (def)
      findings.push({
        kind: 'secret_format',
        patternId: def.id,
        severity: def.severity,
        start: secret[0],
        end: secret[1],
        matchStart: span[0],
        matchEnd: span[1],
      });
  };
  const stream = options.open === true;
  const redacting = (format: CompiledFormat) => format.def.severity === 'critical';
  scanFormats(
    formats,
    text,
    (s, e) => view.toRaw(s, e),
    found,
    stream ? (format, start) => redacting(format) && hold(start) : undefined,
  );
  if (seen)
    scanFormats(
      formats,
      raw,
      identity,
      found,
      stream ? (format, start) => redacting(format) && (openFrom = Math.min(openFrom, start)) : undefined,
    );
  if (stream) {
    openFrom = Math.min(openFrom, deps.leakScanner.openFrom(raw));
    if (text !== raw) hold(deps.leakScanner.openFrom(text));
    hold(canaryOpenFrom(text, deps.canaryForms));
  }

  for (const h of findKnownValues(raw, deps.leakScanner, view)) {
    const s = h.start;
    const e = h.end;
    findings.push({
      kind: 'known_secret',
      patternId: 'leak.known_value',
      severity: 'critical',
      start: s,
      end: e,
      matchStart: s,
      matchEnd: e,
      encoding: h.encoding,
      secretName: h.secretName,
    });
  }

  for (const h of findCanaries(text, deps.canaryForms)) {
    const [s, e] = view.toRaw(h.start, h.end);
    findings.push({
      kind: 'canary',
      patternId: h.ownSession ? 'canary.session' : 'canary.foreign',
      severity: 'critical',
      start: s,
      end: e,
      matchStart: s,
      matchEnd: e,
      encoding: h.encoding,
    });
  }

  if (deps.prompt?.enabled) {
    const r = deps.prompt.scan(text);
    for (const sp of r.spans) {
      const [s, e] = view.toRaw(sp.start, sp.end);
      findings.push({
        kind: 'prompt_extraction',
        patternId: 'prompt.extraction',
        severity: 'critical',
        start: s,
        end: e,
        matchStart: s,
        matchEnd: e,
        ...(sp.form === 'raw' ? {} : { encoding: sp.form }),
      });
    }
    if (r.openFrom >= 0) hold(r.openFrom);
    // The prompt encoded (base64, base32, hex, character codes, spelled-out letters): see prompt-encoded.ts.
    const checks: PromptChecks | undefined = stream ? new Map() : undefined;
    for (const f of findEncodedPrompt(text, deps.prompt, checks)) {
      const [s, e] = view.toRaw(f.start, f.end);
      findings.push({
        kind: 'prompt_extraction',
        patternId: 'prompt.extraction',
        severity: 'critical',
        start: s,
        end: e,
        matchStart: s,
        matchEnd: e,
        encoding: f.encoding,
      });
    }
    if (stream) {
      const open = openEncodedPrompt(text, deps.prompt, checks);
      if (open >= 0) hold(open);
    }
  }

  findings.sort((a, b) => a.start - b.start || b.end - a.end);
  return { findings, matchSpans, openFrom, runFrom: stream ? trailingRunFrom(raw, text, formats) : raw.length };
}

const isCut = (c: number) => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
const inBase64Run = (c: number) =>
  (c >= 0x30 && c <= 0x39) ||
  (c >= 0x41 && c <= 0x5a) ||
  (c >= 0x61 && c <= 0x7a) ||
  c === 0x2b ||
  c === 0x2f ||
  c === 0x5f ||
  c === 0x2d ||
  c === 0x3d;

/** Longest trailing run the stream guard may release before it ends (well inside the left context it keeps). */
export const RELEASABLE_RUN = 48;

/** OutputScan.runFrom; a longer run than RELEASABLE_RUN is not read (it is held whole). */
function trailingRunFrom(raw: string, text: string, formats: SecretScanner): number {
  const n = raw.length;
  let run = n;
  while (run > 0 && !isCut(raw.charCodeAt(run - 1))) run--;
  if (run === n || text !== raw || n - run > RELEASABLE_RUN) return run;
  // A trailing stretch of the base64 (and base32) alphabet is held from its start: an encoded prompt is
  // redacted from the start of its run, and a known value's base64 or base32 hit is widened over up to 7
  // alphabet characters before it, so a value glued to the stretch may take part of it.
  let b = n;
  while (b > run && inBase64Run(raw.charCodeAt(b - 1))) b--;
  if (b < n) return b;
  return formats.openSecretFrom(raw, run);
}

/** Merged raw spans of the critical findings. */
export function criticalSpans(findings: readonly OutputFinding[]): Array<[number, number]> {
  const spans = findings
    .filter((f) => f.severity === 'critical' && f.end > f.start)
    .map((f) => [f.start, f.end] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const s of spans) {
    const last = merged[merged.length - 1];
    if (last && s[0] < last[1]) last[1] = Math.max(last[1], s[1]);
    else merged.push([s[0], s[1]]);
  }
  return merged;
}

/** Replaces every merged critical span with `[REDACTED]`. */
export function redact(raw: string, findings: readonly OutputFinding[]): string {
  let out = '';
  let at = 0;
  for (const [s, e] of criticalSpans(findings)) {
    out += raw.slice(at, s) + REDACTED;
    at = e;
  }
  return out + raw.slice(at);
}
