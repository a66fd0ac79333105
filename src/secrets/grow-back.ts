/**
 * Growing a window hit over the rest of the value around it. A high-entropy value is indexed as windows too (so a
 * piece of it is found), but a value longer than 64 windows gets them at a stride, and a value written in pieces may
 * be matched from its middle only (a piece that reads like a word ends the separated region before it): the hit
 * alone leaves the value's other characters readable. So a window hit grows backwards and forwards over the text
 * that still spells the value's neighbouring characters, in any ASCII letter case, skipping separators (at most
 * GROW_SEPARATOR_RUN in a row besides the value's own there).
 *
 * What this asks of a stream: a hit can grow back over text that arrived long before it. The text it grows over and
 * the hit itself spell one substring of the value (separators aside), so at every moment before the hit is complete,
 * the text from where it will grow to the stream's end spells a substring of the value too. A stream therefore holds
 * from the earliest character from which its end spells a substring of some windowed value (`spelledFrom`): no later
 * hit grows back past that point, and streamed output equals whole-text output. In ordinary text that suffix is a
 * character or two, inside the word the stream holds anyway.
 */
import { isSeparatorUnit, SubstringAutomaton } from '../text/index.js';

/**
 * Longest run of separators added to the value that a hit grows over (the value's own separators there come on
 * top): a line break and indentation between two lines of a folded value. Looser than separated writing's bound (7):
 * growing only reads text that spells the value's next characters exactly, which ordinary text does for a character
 * or two at most.
 */
export const GROW_SEPARATOR_RUN = 16;

/** A value as a hit grows over it: without separators and ASCII lower-cased, and the separators it has. */
export interface GrowValue {
  readonly kept: string;
  /** The value as registered, and per kept character its index there. */
  readonly raw: string;
  readonly rawAt: Int32Array;
}

/**
 * A window of a value: the window without separators, ASCII lower-cased, and every place it stands in `value.kept`
 * (a value that repeats a piece has a window more than once; a hit grows from each).
 */
export interface WindowOrigin {
  readonly value: GrowValue;
  readonly form: string;
  readonly at: readonly number[];
}

/** Every place `form` stands in `value.kept`, overlapping ones too. */
export function windowPlaces(value: GrowValue, form: string): number[] {
  const places: number[] = [];
  // An empty form (a window of separators only) stands everywhere, and indexOf would find it at the end forever.
  if (form.length === 0) return places;
  for (let i = value.kept.indexOf(form); i >= 0; i = value.kept.indexOf(form, i + 1)) places.push(i);
  return places;
}

export function growValue(raw: string): GrowValue {
  const rawAt = new Int32Array(raw.length);
  let kept = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (isSeparatorUnit(c)) continue;
    rawAt[kept.length] = i;
    kept += String.fromCharCode(lower(c));
  }
  return { kept, raw, rawAt: rawAt.subarray(0, kept.length) };
}

/** The separators the value has between its kept characters `a` and `a + 1`. */
function ownSeparators(v: GrowValue, a: number): string {
  return v.raw.slice((v.rawAt[a] as number) + 1, v.rawAt[a + 1] as number);
}

/** The longest run of separators text may have between the value's kept characters `a` and `a + 1`. */
const runLimit = (v: GrowValue, a: number) =>
  GROW_SEPARATOR_RUN + (v.rawAt[a + 1] as number) - (v.rawAt[a] as number) - 1;

/** The longest run of separators the value has: what `spelledFrom` allows on top of GROW_SEPARATOR_RUN. */
export function longestOwnRun(v: GrowValue): number {
  let longest = 0;
  for (let a = 0; a + 1 < v.kept.length; a++) longest = Math.max(longest, runLimit(v, a) - GROW_SEPARATOR_RUN);
  return longest;
}

/** A hit the scan found, with the window it matched when it matched one. */
export interface GrowableHit {
  start: number;
  end: number;
  readonly secretName: string;
  readonly window?: WindowOrigin | undefined;
}

const lower = (c: number) => (c >= 0x41 && c <= 0x5a ? c + 32 : c);

/**
 * The first and one past the last kept character of text[s, e) when it spells the window (separators dropped, runs
 * of them no longer than `runLimit`), else undefined: a hit found in character codes or a decoded run does not
 * spell its window in the raw text, and growing it there would read something else.
 */
function spelledSpan(text: string, s: number, e: number, w: WindowOrigin): [number, number] | undefined {
  const form = w.form;
  let j = 0;
  let run = 0;
  let first = -1;
  let last = -1;
  for (let i = s; i < e; i++) {
    const c = text.charCodeAt(i);
    if (isSeparatorUnit(c)) {
      if (first >= 0) run++;
      continue;
    }
    if (j >= form.length || lower(c) !== form.charCodeAt(j)) return undefined;
    if (run > 0 && run > runLimit(w.value, (w.at[0] as number) + j - 1)) return undefined;
    run = 0;
    j++;
    if (first < 0) first = i;
    last = i;
  }
  return j === form.length ? [first, last + 1] : undefined;
}

/**
 * Kept characters a piece after a run of separators needs to be taken at the edge of a grown span: a value cut short
 * and followed by ` -- keep` must not take the `k` (so a value spelled out in pieces of one or two keeps its last
 * piece readable when nothing follows it).
 */
const MIN_EDGE_PIECE = 3;

/**
 * The edge of the span grown from text position `from` (exclusive; `dir` 1 forwards, -1 backwards) while the text
 * spells value[j], value[j + dir], …: the position past the last kept character taken.
 */
function growEdge(text: string, from: number, dir: 1 | -1, v: GrowValue, j0: number): number {
  const value = v.kept;
  let edge = from;
  /** Edge before the current piece, and the kept characters of that piece (a piece starts after separators). */
  let beforePiece = from;
  let piece = -1;
  let run = 0;
  let j = j0;
  // A separator run the value has too (the `-` of `dk-…`) joins; any other starts a new piece.
  for (let p = dir > 0 ? from : from - 1; p >= 0 && p < text.length && j >= 0 && j < value.length; p += dir) {
    const c = text.charCodeAt(p);
    if (isSeparatorUnit(c)) {
      if (++run > runLimit(v, dir > 0 ? j - 1 : j)) break;
      continue;
    }
    if (lower(c) !== value.charCodeAt(j)) break;
    // Separators other than the value's own there start a piece.
    if (
      run > 0 &&
      text.slice(dir > 0 ? p - run : p + 1, dir > 0 ? p : p + 1 + run) !== ownSeparators(v, dir > 0 ? j - 1 : j)
    ) {
      beforePiece = edge;
      piece = 0;
    }
    if (piece >= 0) piece++;
    edge = dir > 0 ? p + 1 : p;
    run = 0;
    j += dir;
  }
  return piece >= 0 && piece < MIN_EDGE_PIECE ? beforePiece : edge;
}

/**
 * Grows every window hit of `hits` in place (see the module comment). Hits of one secret are taken by start; a
 * hit inside the grown span of the previous one, at the same place in the value, would grow to that same span and
 * is skipped, so text that repeats a long value costs one walk per copy, not one per window.
 */
export function growWindowHits(text: string, hits: readonly GrowableHit[]): void {
  const windows = hits.filter((h) => h.window !== undefined).sort((a, b) => a.start - b.start);
  /** Per secret: the last grown span, and a cursor in it (a kept character and its index in the value). */
  const last = new Map<string, { end: number; value: GrowValue; pos: number; index: number }>();
  for (const h of windows) {
    const w = h.window as WindowOrigin;
    const kept = spelledSpan(text, h.start, h.end, w);
    if (!kept) continue;
    const prev = last.get(h.secretName);
    const aligned = prev && prev.value === w.value && kept[0] < prev.end && alignedAt(text, prev, kept[0], w.at);
    // A window standing in one place grows to the span already grown; one of several may grow further from another.
    if (aligned && w.at.length === 1) continue;
    let furthest = { end: -1, index: 0 };
    for (const at of w.at) {
      const s = growEdge(text, kept[0], -1, w.value, at - 1);
      const e = growEdge(text, kept[1], 1, w.value, at + w.form.length);
      h.start = Math.min(h.start, s);
      h.end = Math.max(h.end, e);
      if (e > furthest.end) furthest = { end: e, index: at };
    }
    if (!aligned) last.set(h.secretName, { end: furthest.end, value: w.value, pos: kept[0], index: furthest.index });
  }
}

/**
 * Moves the cursor of a grown span (which spells its value from the cursor on) forward to text position `to`, and
 * tells whether `to` is at one of the value indexes `at` there.
 */
function alignedAt(text: string, cursor: { pos: number; index: number }, to: number, at: readonly number[]): boolean {
  for (let p = cursor.pos; p < to; p++) if (!isSeparatorUnit(text.charCodeAt(p))) cursor.index++;
  cursor.pos = Math.max(cursor.pos, to);
  return at.includes(cursor.index);
}

/** `text` with its UTF-16 code units in reverse order (`spelledFrom` reads the text backwards by code unit). */
export function reversedUnits(text: string): string {
  let out = '';
  for (let i = text.length - 1; i >= 0; i--) out += text[i];
  return out;
}

/**
 * For a stream: the earliest kept character from which the end of `text` spells a substring of a value the
 * automaton holds (built from the values reversed, and read backwards), separators skipped as `growEdge` skips them
 * (runs of up to GROW_SEPARATOR_RUN + `ownRun`, the longest the values have: at least what `growEdge` allows);
 * text.length when none.
 */
export function spelledFrom(text: string, reversedValues: SubstringAutomaton, ownRun = 0): number {
  let from = text.length;
  let state = SubstringAutomaton.START;
  let run = 0;
  for (let p = text.length - 1; p >= 0; p--) {
    const c = text.charCodeAt(p);
    if (isSeparatorUnit(c)) {
      if (++run > GROW_SEPARATOR_RUN + ownRun) break;
      continue;
    }
    state = reversedValues.step(state, lower(c));
    if (state < 0) break;
    from = p;
    run = 0;
  }
  return from;
}
