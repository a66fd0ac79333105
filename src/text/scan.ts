/**
 * The scanner engine shared by L01, L15, L23 and L24: canonicalise, build the detection view, correct
 * typoglycemia, run the pattern library, decode bounded encoded payloads and rescan them, and score.
 * Detectors only ever see the detection view; findings carry offsets into the raw text.
 */
import { canonicalise, detectionView, type Canonical, type DetectionView } from './canonical.js';
import type { Correction } from './typo.js';
import {
  MAX_POSITIONS as MAX_ANCHOR_POSITIONS,
  requirementsMet,
  scanAnchors,
  windowsFor,
  type AnchorScan,
} from './anchors.js';
import { INJECTION_PATTERNS } from './patterns/index.js';
import { ROT13_HINT } from './patterns/encoded.js';
import { findBlobs } from './blobs.js';
import type { PatternDef, PatternFamily, Severity } from './patterns/types.js';

export type FindingSource = 'text' | 'base64' | 'hex' | 'rot13' | 'invisible';

export interface Finding {
  readonly id: string;
  readonly family: PatternFamily;
  readonly severity: Severity;
  /** Weight after the code-block discount. */
  readonly weight: number;
  /** Offsets into the raw text (for decoded payloads: the encoded blob). */
  readonly start: number;
  readonly end: number;
  readonly source: FindingSource;
  readonly inCode: boolean;
}

export interface ScanOptions {
  readonly patterns?: readonly PatternDef[];
  /** Decode base64/hex/rot13 payloads and rescan them (default true). */
  readonly decode?: boolean;
  /**
   * Correct scrambled key words before matching (default true). Long technical documents (skills, references) are
   * read without it: among thousands of ordinary words, corrections make phrases nobody wrote.
   */
  readonly correctTypos?: boolean;
}

export interface ScanResult {
  readonly canonical: Canonical;
  readonly view: DetectionView;
  readonly findings: readonly Finding[];
  /** 1 - Π(1 - w) over the strongest finding of each pattern id, in [0, 1). */
  readonly score: number;
  /** Detection view with key-word typos corrected: the text classifiers should read. */
  readonly correctedView: string;
}

/** Families whose matches are often legitimate inside code blocks: discounted there, never ignored. */
const CODE_DISCOUNT: Partial<Record<PatternFamily, number>> = {
  dangerous_command: 0.4,
  credential_logging: 0.5,
  exfiltration: 0.5,
  role_marker: 0.5,
  encoded_payload: 0.5,
};

const MAX_BLOBS = 16;
const MAX_DECODED_CHARS = 64 * 1024;
const MAX_DECODE_DEPTH = 2;
/** Typo corrections applied per text; beyond this the text is already flagged as scrambled. */
const MAX_CORRECTIONS = 256;

export const SYNTHETIC_FINDINGS = {
  tagSmuggling: {
    id: 'encoded.tag_smuggling',
    family: 'encoded_payload',
    severity: 'critical',
    weight: 0.6,
    description: 'Unicode tag characters outside an emoji flag (ASCII smuggling)',
  },
  invisibleChars: {
    id: 'encoded.invisible_chars',
    family: 'encoded_payload',
    severity: 'info',
    weight: 0.15,
    description: 'several invisible/bidi characters stripped',
  },
  typoglycemia: {
    id: 'encoded.typoglycemia',
    family: 'encoded_payload',
    severity: 'info',
    weight: 0.1,
    description: 'scrambled or misspelt injection key words',
  },
} as const;

/** Fenced code block ranges (``` or ~~~) in the view; an unclosed fence runs to the end. */
function codeRanges(view: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  let from = 0;
  for (;;) {
    const a = nextFence(view, from);
    if (a < 0) break;
    const b = nextFence(view, a + 3);
    ranges.push([a, b < 0 ? view.length : b + 3]);
    if (b < 0) break;
    from = b + 3;
  }
  return ranges;
}

function nextFence(view: string, from: number): number {
  const x = view.indexOf('```', from);
  const y = view.indexOf('~~~', from);
  if (x < 0) return y;
  if (y < 0) return x;
  return Math.min(x, y);
}

function inRanges(ranges: Array<[number, number]>, i: number): boolean {
  for (const [a, b] of ranges) if (i >= a && i < b) return true;
  return false;
}

/** Applies corrections to a view and returns the corrected text plus a map back to view offsets. */
function applyCorrections(
  text: string,
  corrections: readonly Correction[],
): { text: string; toView: (i: number) => number } {
  if (corrections.length === 0) return { text, toView: (i) => i };
  const parts: string[] = [];
  const starts: number[] = []; // corrected offset where each correction's effect begins
  const deltas: number[] = []; // cumulative (view - corrected) offset after each correction
  let last = 0;
  let outLength = 0;
  let delta = 0;
  for (const c of corrections) {
    parts.push(text.slice(last, c.start), c.replacement);
    outLength += c.start - last;
    starts.push(outLength);
    outLength += c.replacement.length;
    delta += c.end - c.start - c.replacement.length;
    deltas.push(delta);
    last = c.end;
  }
  parts.push(text.slice(last));
  const toView = (i: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    let k = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((starts[mid] ?? 0) <= i) {
        k = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return Math.max(0, i + (k >= 0 ? (deltas[k] ?? 0) : 0));
  };
  return { text: parts.join(''), toView };
}

/**
 * Anchors of the corrected view without a second full pass: only the part up to the last correction is
 * rescanned; anchors after it are the first pass's, shifted by the corrections' total length change.
 */
function rescanAfterCorrections(
  first: AnchorScan,
  corrections: readonly Correction[],
  correctedText: string,
  viewLength: number,
  patterns: readonly PatternDef[],
): AnchorScan {
  const last = corrections[corrections.length - 1];
  if (!last) return first;
  let delta = 0;
  for (const c of corrections) delta += c.end - c.start - c.replacement.length;
  const cut = last.end - delta; // corrected offset right after the last corrected token (a non-word character follows)
  if (cut >= correctedText.length || last.end >= viewLength) return scanAnchors(correctedText, patterns, 0);
  const head = scanAnchors(correctedText.slice(0, cut), patterns, 0);
  const positions = new Map<string, number[]>();
  for (const [anchor, list] of head.positions) positions.set(anchor, [...list]);
  for (const [anchor, list] of first.positions) {
    const out = positions.get(anchor) ?? [];
    for (const p of list) {
      if (out.length > MAX_ANCHOR_POSITIONS) break;
      if (p >= last.end) out.push(p - delta);
    }
    if (out.length > 0) positions.set(anchor, out);
  }
  return { positions, typos: [] };
}

function matchPatterns(
  text: string,
  patterns: readonly PatternDef[],
  onMatch: (p: PatternDef, start: number, end: number) => void,
  anchors: AnchorScan = scanAnchors(text, patterns, 0),
): void {
  let wordsTrusted: boolean | undefined;
  for (const p of patterns) {
    if (p.requires && !requirementsMet(p, anchors, (wordsTrusted ??= !text.includes("'")))) continue;
    const windows = windowsFor(p, anchors, text.length);
    if (windows === undefined) {
      const m = p.regex.exec(text);
      if (m && (!p.validate || p.validate(m[0]))) onMatch(p, m.index, m.index + m[0].length);
      continue;
    }
    for (const [a, b] of windows) {
      // A window may start mid-line; line-anchored patterns then see a false "^": start at a line break when one is near.
      const nl = a > 0 ? text.lastIndexOf('\n', a) : -1;
      const from = a > 0 && nl >= 0 && a - nl < 200 ? nl : a;
      const m = p.regex.exec(text.slice(from, b));
      if (m && (!p.validate || p.validate(m[0]))) {
        onMatch(p, from + m.index, from + m.index + m[0].length);
        break;
      }
    }
  }
}

function decodeBase64(blob: string): string | undefined {
  if (blob.length % 4 === 1) return undefined;
  const bytes = Buffer.from(blob.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return printableText(bytes);
}

function decodeHex(blob: string): string | undefined {
  return printableText(Buffer.from(blob.length % 2 === 0 ? blob : blob.slice(0, -1), 'hex'));
}

/** UTF-8 text when at least 90 % of it is printable, otherwise undefined (binary data, not a payload). */
function printableText(bytes: Buffer): string | undefined {
  if (bytes.length < 8) return undefined;
  const s = bytes.toString('utf8');
  let printable = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c !== 0x7f && c !== 0xfffd) || c === 0x0a || c === 0x0d || c === 0x09) printable++;
  }
  return printable / s.length >= 0.9 ? s : undefined;
}

function rot13(s: string): string {
  return s.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));
}

export function scoreOf(findings: readonly Finding[]): number {
  const best = new Map<string, number>();
  for (const f of findings) best.set(f.id, Math.max(best.get(f.id) ?? 0, f.weight));
  let keep = 1;
  for (const w of best.values()) keep *= 1 - Math.min(0.99, Math.max(0, w));
  return 1 - keep;
}

export function scanText(raw: string, options: ScanOptions = {}, depth = 0): ScanResult {
  const patterns = options.patterns ?? INJECTION_PATTERNS;
  const canonical = canonicalise(raw);
  const view = detectionView(raw);
  const first = scanAnchors(view.text, patterns, options.correctTypos === false ? 0 : MAX_CORRECTIONS);
  const corrections = first.typos;
  const corrected = applyCorrections(view.text, corrections);
  const anchors =
    corrections.length === 0
      ? first
      : rescanAfterCorrections(first, corrections, corrected.text, view.text.length, patterns);
  const code = codeRanges(view.text);
  const findings: Finding[] = [];

  const add = (
    p: { id: string; family: PatternFamily; severity: Severity; weight: number },
    vs: number,
    ve: number,
    source: FindingSource,
    rawSpan?: [number, number],
  ) => {
    const inCode = code.length > 0 && inRanges(code, vs);
    const discount = inCode ? (CODE_DISCOUNT[p.family] ?? 1) : 1;
    const [start, end] = rawSpan ?? view.toOriginal(vs, ve);
    findings.push({
      id: p.id,
      family: p.family,
      severity: p.severity,
      weight: p.weight * discount,
      start,
      end,
      source,
      inCode,
    });
  };

  matchPatterns(
    corrected.text,
    patterns,
    (p, s, e) => add(p, corrected.toView(s), corrected.toView(e), 'text'),
    anchors,
  );
  if (corrections.length > 0 && findings.length > 0) {
    const c = corrections[0];
    if (c) add(SYNTHETIC_FINDINGS.typoglycemia, c.start, c.end, 'text');
  }
  if (canonical.stripped.tags > 0 && view.decodedTags > 0)
    add(SYNTHETIC_FINDINGS.tagSmuggling, 0, view.text.length, 'invisible', [0, raw.length]);
  if (canonical.stripped.total - canonical.stripped.tags >= 4)
    add(SYNTHETIC_FINDINGS.invisibleChars, 0, view.text.length, 'invisible', [0, raw.length]);

  if (options.decode !== false && depth < MAX_DECODE_DEPTH) {
    decodePayloads(raw, canonical.text, patterns, depth, (p, span, source) => add(p, 0, 0, source, span));
    if (ROT13_HINT.test(view.text)) {
      matchPatterns(rot13(view.text), patterns, (p, s, e) => add(p, s, e, 'rot13'));
    }
  }
  return { canonical, view, findings, score: scoreOf(findings), correctedView: corrected.text };
}

function decodePayloads(
  raw: string,
  canonicalText: string,
  patterns: readonly PatternDef[],
  depth: number,
  onFinding: (p: Finding, span: [number, number], source: FindingSource) => void,
): void {
  let blobs = 0;
  let decodedChars = 0;
  const seen = new Set<string>();
  const found = findBlobs(canonicalText, MAX_BLOBS * 4);
  for (const [candidates, decode, source] of [
    [found.base64, decodeBase64, 'base64'],
    [found.hex, decodeHex, 'hex'],
  ] as const) {
    for (const blob of candidates) {
      if (blobs >= MAX_BLOBS || decodedChars >= MAX_DECODED_CHARS) return;
      const decoded = decode(blob);
      if (!decoded) continue;
      blobs++;
      decodedChars += decoded.length;
      const inner = scanText(decoded.slice(0, MAX_DECODED_CHARS), { patterns, decode: true }, depth + 1);
      const at = raw.indexOf(blob);
      const span: [number, number] = at >= 0 ? [at, at + blob.length] : [0, raw.length];
      for (const f of inner.findings) {
        const key = `${f.id}:${span[0]}`;
        if (seen.has(key)) continue;
        seen.add(key);
        onFinding(f, span, source);
      }
    }
  }
}
