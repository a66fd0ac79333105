/**
 * Automatic capture: the fact-like sentences of a turn (first-person statements, preferences, "remember that …")
 * become memory candidates. They go through the memory-write pipeline like any other write: the user's own words
 * at the caller's trust, the agent's at `agent` or, after a tainting tool result, `external`. Questions, echoes of
 * the recall block and texts already remembered are left out.
 */
import { RECALL_MARKER } from './recall.js';
import { indexView } from './terms.js';
import type { MemoryKind } from './types.js';

export interface CaptureCandidate {
  readonly text: string;
  readonly kind: MemoryKind;
}

const PREFERENCE = [
  /\b(?:i|we) (?:prefer|like|love|hate|dislike|enjoy|want)\b/i,
  /\b(?:i|we) (?:really|usually|always) (?:prefer|like|love|hate|dislike|enjoy|want)\b/i,
  /\bmy\s+fav(?:ou)?rite\b/i,
  /\b(?:always|never) (?:use|reply|answer|write|call|format|send)\b/i,
  /\b(?:the\s+user|you)\s+(?:prefer|like|love|hate|dislike|want)s?\b/i,
];
const FACT = [
  /\bmy\s+[\p{L}\p{N}' -]{1,40}?\s+(?:is|are|was|were)\b/iu,
  /\bi\s*(?:am|'m|was|were|live[ds]?|work(?:ed|s)?|grew up|studied|have|had|own(?:ed)?|use[ds]?|moved|speak|drive)\b/i,
  /\b(?:remember|note)\s+(?:that\b|:)/i,
  /\bcall\s+me\b/i,
  /\bour\s+[\p{L}\p{N}' -]{1,30}?\s+(?:is|are|uses?)\b/iu,
  /\bwe\s+(?:use|deploy|run|are)\b/i,
  /\b(?:the\s+user|you)(?:'s|\s+(?:is|are|live|work|use|have|own))\b/i,
  /\bi(?:'ll|\s+will)\s+remember\b/i,
];

const MIN_CHARS = 8;
const MAX_CHARS = 400;
export const MAX_CANDIDATES_PER_MESSAGE = 5;

function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/u)
    .map((s) => s.replace(/\s+/gu, ' ').trim())
    .filter((s) => s.length > 0);
}

/** Drops the recall block (and any imitation of it) from a text before capture reads it. */
export function withoutRecallBlock(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let inside = false;
  for (const line of lines) {
    if (line.includes(`[${RECALL_MARKER}`)) {
      inside = true;
      continue;
    }
    if (line.includes(`[end of ${RECALL_MARKER}`)) {
      inside = false;
      continue;
    }
    if (!inside) out.push(line);
  }
  return out.join('\n');
}

/** Candidates of one message; `known` are the lexical views of texts already remembered or recalled this turn. */
export function captureCandidates(text: string, known: ReadonlySet<string> = new Set()): CaptureCandidate[] {
  const out: CaptureCandidate[] = [];
  const seen = new Set<string>();
  for (const s of sentences(withoutRecallBlock(text))) {
    if (s.length < MIN_CHARS || s.length > MAX_CHARS || s.endsWith('?')) continue;
    const kind: MemoryKind | undefined = PREFERENCE.some((re) => re.test(s))
      ? 'preference'
      : FACT.some((re) => re.test(s))
        ? 'fact'
        : undefined;
    if (!kind) continue;
    const view = indexView(s);
    if (view === '' || known.has(view) || seen.has(view)) continue;
    seen.add(view);
    out.push({ text: s, kind });
    if (out.length >= MAX_CANDIDATES_PER_MESSAGE) break;
  }
  return out;
}
