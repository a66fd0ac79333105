/**
 * Stream-safe redaction (L02 on SSE and CLI streams). Text is released as soon as nothing that arrives
 * later can change how it is redacted, and held only while it may still be part of a secret:
 *  - the trailing run of non-whitespace (a token being streamed: any format that holds no whitespace, a
 *    JWT, a vendor token, most known values, lies inside one such run);
 *  - from where the scan says something may still be under way (OutputScan.openFrom): a match reaching the
 *    end, the prefix of a format that spans whitespace (`-----BEGIN …`, `Authorization: Bearer `,
 *    `password = `), a known value's form cut short in any encoding, a canary form, prompt words that may
 *    grow into an extraction — each derived by its detector from what it matches;
 *  - and the release point never cuts through a valid match or a finding.
 * With nothing open the hold is the last word. Unscanned text is never emitted: `flush` scans what is left
 * before releasing it, and when the hold grows past `maxHold` (a single enormous token) the guard scans and
 * releases with every finding in the released part redacted.
 * Released text equals what the whole-text guard produces for the same response. `flush` ends a segment
 * (the turn loop flushes after every model step) and the filter stays usable for the next.
 *
 * When to scan: a push that comes `latencyMs` or more after the end of the last scan, and no sooner than that
 * scan took, is scanned at once (a live stream: every token, so the first words go out as soon as they are
 * complete); pushes that come faster are gathered until `releaseStep` new characters arrived (a burst: fewer scans, each paid by what it
 * brought). A scan costs the held text, so while much is held the next one also waits until the held text
 * grew by a quarter, or until the run that blocked the release has ended: total scan work stays linear in
 * the response length.
 */
import type { OutputFinding, OutputScan } from './output-guard-scan.js';
import { criticalSpans, REDACTED, RELEASABLE_RUN } from './output-guard-scan.js';

export interface StreamGuardOptions {
  /** Characters held back on top of what may still change (default 0). */
  readonly holdBack?: number;
  /** Upper bound of held characters before a forced release (default DEFAULT_MAX_HOLD, 240 KiB). */
  readonly maxHold?: number;
  /**
   * Characters of already-released text kept as left context for the next scan (default 64): a boundary,
   * look-behind or word boundary at the release point reads the characters before it. Nothing that may
   * still become a match is ever released, so no match needs more.
   */
  readonly context?: number;
  /** New characters gathered before the next scan while text arrives faster than `latencyMs` apart (default 16 KiB). */
  readonly releaseStep?: number;
  /** A push this long (ms) or longer after the last scan is scanned at once (default 1). */
  readonly latencyMs?: number;
  /** Clock in milliseconds (default performance.now). */
  readonly now?: () => number;
}

export interface StreamFilter {
  push(chunk: string): string;
  flush(): string;
}

/** A scan of `text`; with `open`, also what may still be under way at its end. */
export type StreamScan = (text: string, open: boolean) => OutputScan;

export const DEFAULT_HOLD_BACK = 0;
/** Tail kept on a forced release: longer than the longest bounded secret format. */
export const FORCED_TAIL = 20 * 1024;
/**
 * Each forced release scans the held text and keeps FORCED_TAIL of it for the next scan, so a stream of one
 * enormous run is scanned maxHold / (maxHold - FORCED_TAIL) times over: at 12 tails (240 KiB) 1.09 times, where
 * 6 tails read it 1.2 times and 64 KiB 1.45 times.
 */
export const DEFAULT_MAX_HOLD = 12 * FORCED_TAIL;
/**
 * New characters gathered before the next scan while text arrives back to back (a burst): every scan has a
 * fixed cost (the view, the open-form checks of the canary, the leak index and the prompt), so hostile text
 * pushed in small chunks paid it 4 times as often at 4 KiB. A live stream is scanned at every pause instead.
 */
export const DEFAULT_RELEASE_STEP = 16 * 1024;
/** Held text up to which every push after a pause is scanned (a long key arriving token by token). */
const LATENCY_HOLD = 4096;

const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;

/** Index of the last whitespace in `text`, or -1. */
function lastSpace(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (isSpace(text.charCodeAt(i))) return i;
  return -1;
}

/** Start of the non-whitespace run that contains position `b` (or `b` when a space precedes it). */
function runStart(text: string, b: number): number {
  let i = b;
  while (i > 0 && !isSpace(text.charCodeAt(i - 1))) i--;
  return i;
}

/**
 * Where an escape the secret view decodes (`%XX`, `\uXXXX`, `\xXX`, `\n`, …) may begin at the end of
 * `text` without being complete yet, or text.length. A lone high surrogate waits for its pair the same
 * way. What the view reads there can still change, so the scan stops before it (it is in the held run).
 */
function partialTail(text: string): number {
  const n = text.length;
  const last = text.charCodeAt(n - 1);
  if (last >= 0xd800 && last <= 0xdbff) return n - 1;
  for (let i = Math.max(0, n - 5); i < n; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x25 && c !== 0x5c) continue;
    const rest = text.slice(i);
    if (PENDING_ESCAPES.some((t) => cutShort(rest, t)) && (c === 0x25 || !escapedBackslash(text, i))) return i;
  }
  return n;
}

/** The escapes the view decodes into ASCII, one class per character: `%XX`, `\u00XX`, `\xXX`. */
const HEX = /[0-9a-fA-F]/;
const LOW = /[0-7]/;
const PENDING_ESCAPES: ReadonlyArray<ReadonlyArray<string | RegExp>> = [
  ['%', LOW, HEX],
  ['\\', 'u', '0', '0', LOW, HEX],
  ['\\', 'x', LOW, HEX],
];

/** True when `rest` is a proper prefix of an escape of `template`. */
function cutShort(rest: string, template: ReadonlyArray<string | RegExp>): boolean {
  if (rest.length >= template.length) return false;
  for (let i = 0; i < rest.length; i++) {
    const t = template[i] as string | RegExp;
    const ch = rest[i] as string;
    if (typeof t === 'string' ? t !== ch : !t.test(ch)) return false;
  }
  return true;
}

/** True when the backslash at `i` is the second half of `\\` (an escape already complete). */
function escapedBackslash(text: string, i: number): boolean {
  let k = i - 1;
  while (k >= 0 && text.charCodeAt(k) === 0x5c) k--;
  return (i - 1 - k) % 2 === 1;
}

/**
 * The tail of the released text kept as left context, cut at a whitespace so that no token is cut
 * (a cut token would look shorter than it is, and a format with a length bound would match it). A tail
 * without whitespace is prefixed with a word character so nothing can start at the cut either.
 */
function leftContext(released: string, size: number): string {
  if (released.length <= size) return released;
  const tail = released.slice(-size);
  for (let i = 0; i < tail.length; i++) if (isSpace(tail.charCodeAt(i))) return tail.slice(i);
  return 'x' + tail;
}

/**
 * The largest cut point c <= b (in buf) that starts a whitespace-separated run (or is 0) and lies
 * strictly inside no match span, r's spans being in buf + `off` coordinates. While a span straddles
 * the cut, the cut moves to the run start of that span's start; every point skipped is inside a span
 * or inside a run, and a span used once lies wholly at or after the new cut, so with the spans sorted by
 * start and a running maximum of their ends each move is a binary search: O(m log m) for m spans plus
 * one walk back over the buffer, where rescanning all spans until none straddles was O(m²).
 */
function cutOutsideMatches(buf: string, b: number, r: OutputScan, off: number): number {
  if (b <= 0 || r.matchSpans.length + r.findings.length === 0) return b;
  const spans: Array<readonly [number, number]> = [];
  for (const [s, e] of r.matchSpans) spans.push([s - off, e - off]);
  for (const f of r.findings) spans.push([f.matchStart - off, f.matchEnd - off]);
  spans.sort((x, y) => x[0] - y[0]);
  // Over spans[0..i]: the largest end (reach) and the start of the span that has it (from).
  const n = spans.length;
  const reach = new Float64Array(n);
  const from = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [s, e] = spans[i] as readonly [number, number];
    const prev = i > 0 && (reach[i - 1] as number) >= e;
    reach[i] = prev ? (reach[i - 1] as number) : e;
    from[i] = prev ? (from[i - 1] as number) : s;
  }
  let cut = b;
  while (cut > 0) {
    // Spans that start before the cut: spans[0, lo).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((spans[mid] as readonly [number, number])[0] < cut) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0 || (reach[lo - 1] as number) <= cut) break;
    cut = runStart(buf, Math.max(0, from[lo - 1] as number));
  }
  return cut;
}

export function createStreamGuard(
  scan: StreamScan,
  onFindings: (findings: readonly OutputFinding[]) => void,
  options: StreamGuardOptions = {},
): StreamFilter {
  const holdBack = options.holdBack ?? DEFAULT_HOLD_BACK;
  const maxHold = Math.max(options.maxHold ?? DEFAULT_MAX_HOLD, holdBack * 2, FORCED_TAIL * 2);
  const contextSize = options.context ?? 64;
  const releaseStep = options.releaseStep ?? DEFAULT_RELEASE_STEP;
  const latencyMs = options.latencyMs ?? 1;
  const now = options.now ?? (() => performance.now());
  let buf = '';
  let ctx = '';
  /** buf.length right after the last scan. */
  let heldAfterScan = 0;
  let lastScanAt = Number.NEGATIVE_INFINITY;
  /** How long the last scan took (ms). */
  let lastScanCost = 0;
  /** Index in buf of its last whitespace, -1 while there is none. */
  let lastWs = -1;
  /** The last scan could release nothing past the run starting here (in buf); -1 when something else held it. */
  let blockedRun = -1;

  /** Releases what can go, keeps the rest; `all` releases everything. */
  function release(all: boolean): string {
    const started = now();
    const out = scanAndRelease(all);
    // A pause is counted from the end of the scan, and must be at least as long as the scan took: text that
    // arrives back to back (a burst, or a hostile stream) is gathered, and scanning never takes more than
    // about half of the time a live stream gives it.
    lastScanAt = now();
    lastScanCost = lastScanAt - started;
    heldAfterScan = buf.length;
    lastWs = lastSpace(buf);
    return out;
  }

  function scanAndRelease(all: boolean): string {
    blockedRun = -1;
    if (buf.length === 0) return '';
    // One run longer than the hold limit has no cut point, and a forced release keeps its tail whatever an open
    // scan would say: a closed scan (no open-match reading, the costly part on hostile text) is enough.
    if (!all && lastWs < 0 && buf.length > maxHold) return forcedRelease(undefined);
    const off = ctx.length;
    const end = all ? buf.length : partialTail(buf);
    const r = scan(ctx + buf.slice(0, end), !all);
    let b = buf.length;
    if (!all) {
      const run = lastWs + 1;
      const open = r.openFrom - off;
      b = Math.min(buf.length - holdBack, runReleasable(r, off, end, run) ? buf.length : run, open);
      b = cutOutsideMatches(buf, b >= buf.length ? buf.length : runStart(buf, Math.max(0, b)), r, off);
      // Held only by the trailing run: its end is worth a scan however much is held.
      if (b === Math.max(0, run) && run <= open) blockedRun = run - b;
      if (b <= 0 && buf.length > maxHold) {
        // One enormous run (minified JSON, a base64 blob) or a match that never ends: scan it whole and
        // release all but a tail as long as the longest secret format (a PEM key, a JWT) that may still be
        // completing, redacting every finding in it.
        return forcedRelease(end === buf.length ? r : undefined);
      }
      if (b <= 0) return '';
    }
    return releaseTo(b, r, off);
  }

  /**
   * The trailing run may go out whole: the scan read all of it, no redacted part can begin in it (runFrom), and
   * the left context kept after its release holds it whole and what precedes it, so a match that later text
   * completes from inside it is still found there (it begins at a whitespace, or the stream's start).
   */
  function runReleasable(r: OutputScan, off: number, end: number, run: number): boolean {
    if (r.runFrom === undefined || end < buf.length || r.runFrom - off < buf.length) return false;
    if (buf.length - run > Math.min(RELEASABLE_RUN, contextSize - 16)) return false;
    return run > 0 || ctx.length === 0 || isSpace(ctx.charCodeAt(ctx.length - 1));
  }

  /** `whole`: a scan of all of ctx + buf already made (findings do not depend on `open`). */
  function forcedRelease(whole: OutputScan | undefined): string {
    const off = ctx.length;
    const r = whole ?? scan(ctx + buf, false);
    let b = buf.length - Math.max(holdBack, FORCED_TAIL);
    for (const f of r.findings) {
      if (f.severity === 'critical' && f.start - off < b && f.end - off > b)
        b = Math.max(b, Math.min(buf.length, f.end - off));
    }
    return releaseTo(b, r, off);
  }

  /** Emits buf[0, b) with the findings of `r` that touch it redacted, and keeps the rest. */
  function releaseTo(b: number, r: OutputScan, off: number): string {
    const released = r.findings.filter((f) => f.end - off > 0 && f.start - off < b);
    let out = '';
    let at = 0;
    // The same span merge as the whole-text guard, on the findings clipped to the released part.
    for (const [s, e] of criticalSpans(
      released.map((f) => ({ ...f, start: Math.max(0, f.start - off), end: Math.min(b, f.end - off) })),
    )) {
      out += buf.slice(at, s) + REDACTED;
      at = e;
    }
    out += buf.slice(at, b);
    if (released.length)
      onFindings(
        released.map((f) => ({
          ...f,
          start: f.start - off,
          end: f.end - off,
          matchStart: f.matchStart - off,
          matchEnd: f.matchEnd - off,
        })),
      );
    // The context is read from the tail of what was released: joining all of it first copied every release.
    ctx = leftContext(b > contextSize ? buf.slice(b - contextSize - 1, b) : ctx + buf.slice(0, b), contextSize);
    buf = buf.slice(b);
    return out;
  }

  return {
    push(chunk: string): string {
      const before = buf.length;
      buf += chunk;
      const ws = lastSpace(chunk);
      if (ws >= 0) lastWs = before + ws;
      const grown = buf.length - heldAfterScan;
      if (buf.length <= holdBack || grown <= 0) return '';
      // Held text without a whitespace is one run: no cut point until a whitespace or the hold limit, unless
      // the whole run may go out (a first word that can begin no secret).
      if (lastWs < 0 && buf.length > RELEASABLE_RUN && buf.length <= maxHold) return '';
      const growing = grown * 4 >= heldAfterScan;
      const due =
        (buf.length > maxHold && heldAfterScan <= maxHold) ||
        (grown >= releaseStep && growing) ||
        (blockedRun >= 0 && lastWs >= blockedRun) ||
        ((heldAfterScan <= LATENCY_HOLD || growing) && now() - lastScanAt >= Math.max(latencyMs, lastScanCost));
      return due ? release(false) : '';
    },
    flush(): string {
      return release(true);
    },
  };
}
