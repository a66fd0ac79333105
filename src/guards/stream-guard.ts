/**
 * Stream-safe redaction (L02 on SSE and CLI streams). Text is held back until it can no longer be
 * part of a secret that is still arriving, then released scanned and redacted:
 *  - the last `holdBack` characters are always held;
 *  - so is the trailing run of non-whitespace (a token being streamed) and any match, validated or
 *    not, that reaches the end of the buffer (it may still grow);
 *  - the release point is moved back so it never cuts through a match.
 * Unscanned text is never emitted: `flush` scans what is left before releasing it, and when the
 * hold grows past `maxHold` (a single enormous token) the guard scans and releases with every
 * finding in the released part redacted.
 * Released text equals what the whole-text guard produces for the same response. `flush` ends a
 * segment (the turn loop flushes after every model step) and the filter stays usable for the next.
 *
 * Rescans are geometric: a scan costs the held length, so rescanning a held 64 KiB token every 128
 * new characters was quadratic (seconds of event loop per response). A scan runs when the held text
 * grew by `releaseStep` and by a quarter of what the last scan left held, or once when the first
 * run of the held text has ended (a whitespace more than `holdBack` characters back) and can go.
 * Held text without any whitespace has no cut point at all, so it is not scanned before the hold
 * limit. Every scan is then paid for by the characters that arrived since the one before, or by the
 * scan that armed it: total scan work stays linear in the response length.
 */
import type { OutputFinding, OutputScan } from './output-guard-scan.js';
import { criticalSpans, REDACTED } from './output-guard-scan.js';

export interface StreamGuardOptions {
  /** Characters always held back (default 256; longer than any context a format needs before its value). */
  readonly holdBack?: number;
  /** Upper bound of held characters before a forced release (default 64 KiB). */
  readonly maxHold?: number;
  /** Characters of already-released text kept as left context for the next scan (default 192; longer than the left reach of any format). */
  readonly context?: number;
  /**
   * New characters gathered before the next scan-and-release attempt (default 128); fewer scans, a
   * little more latency. While more than `4 × releaseStep` characters are held, the next scan also
   * waits until the held text has grown by a quarter (or until the run that blocks the release ends).
   */
  readonly releaseStep?: number;
}

export interface StreamFilter {
  push(chunk: string): string;
  flush(): string;
}

export const DEFAULT_HOLD_BACK = 256;
export const DEFAULT_MAX_HOLD = 64 * 1024;
/** Tail kept on a forced release: longer than the longest bounded secret format. */
export const FORCED_TAIL = 20 * 1024;

const isSpace = (c: string | undefined) => c === ' ' || c === '\n' || c === '\t' || c === '\r';

/** Index of the first whitespace in `text`, or -1. */
function firstSpace(text: string): number {
  for (let i = 0; i < text.length; i++) if (isSpace(text[i])) return i;
  return -1;
}

/** Start of the non-whitespace run that contains position `b` (or `b` when a space precedes it). */
function runStart(text: string, b: number): number {
  let i = b;
  while (i > 0 && !isSpace(text[i - 1])) i--;
  return i;
}

/**
 * The tail of the released text kept as left context, cut at a whitespace so that no token is cut
 * (a cut token would look shorter than it is, and a format with a length bound would match it). A tail
 * without whitespace is prefixed with a word character so nothing can start at the cut either.
 */
function leftContext(released: string, size: number): string {
  if (released.length <= size) return released;
  const tail = released.slice(-size);
  for (let i = 0; i < tail.length; i++) if (isSpace(tail[i])) return tail.slice(i);
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
  scan: (text: string) => OutputScan,
  onFindings: (findings: readonly OutputFinding[]) => void,
  options: StreamGuardOptions = {},
): StreamFilter {
  const holdBack = options.holdBack ?? DEFAULT_HOLD_BACK;
  const maxHold = Math.max(options.maxHold ?? DEFAULT_MAX_HOLD, holdBack * 2, FORCED_TAIL * 2);
  const contextSize = options.context ?? 192;
  const releaseStep = options.releaseStep ?? 128;
  let buf = '';
  let ctx = '';
  /** buf.length right after the last scan. */
  let heldAfterScan = 0;
  /** Index in buf of its first whitespace, -1 while there is none. */
  let firstWs = -1;
  /** The last scan left a first run that had not visibly ended: its end may trigger one scan. */
  let wsArmed = false;
  const runEnded = () => firstWs >= 0 && buf.length - holdBack > firstWs;

  /** Releases buf[0, b) redacted, keeps the rest; `all` releases everything. */
  function release(all: boolean): string {
    const out = scanAndRelease(all);
    heldAfterScan = buf.length;
    firstWs = firstSpace(buf);
    wsArmed = !runEnded();
    return out;
  }

  function scanAndRelease(all: boolean): string {
    if (buf.length === 0) return '';
    const text = ctx + buf;
    const off = ctx.length;
    const r = scan(text);
    let b = buf.length;
    if (!all) {
      b = Math.min(buf.length - holdBack, r.openFrom - off);
      b = cutOutsideMatches(buf, runStart(buf, Math.max(0, b)), r, off);
      if (b <= 0 && buf.length > maxHold) {
        // One enormous run (minified JSON, a base64 blob): release all but a tail as long as the longest
        // secret format (a PEM key, a JWT) that may still be completing, redacting every finding in it.
        b = buf.length - Math.max(holdBack, FORCED_TAIL);
        for (const f of r.findings) {
          if (f.severity === 'critical' && f.start - off < b && f.end - off > b)
            b = Math.max(b, Math.min(buf.length, f.end - off));
        }
      }
      if (b <= 0) return '';
    }
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
    ctx = leftContext(ctx + buf.slice(0, b), contextSize);
    buf = buf.slice(b);
    return out;
  }

  return {
    push(chunk: string): string {
      const before = buf.length;
      buf += chunk;
      if (firstWs < 0) {
        const i = firstSpace(chunk);
        if (i >= 0) firstWs = before + i;
      }
      const grown = buf.length - heldAfterScan;
      if (buf.length <= holdBack || grown < releaseStep) return '';
      // Held text without a whitespace is one run: no cut point until a whitespace or the hold limit.
      if (firstWs < 0 && buf.length <= maxHold) return '';
      const due =
        grown * 4 >= heldAfterScan || (buf.length > maxHold && heldAfterScan <= maxHold) || (wsArmed && runEnded());
      return due ? release(false) : '';
    },
    flush(): string {
      return release(true);
    },
  };
}
