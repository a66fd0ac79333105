/**
 * All secret formats in one pass. One Aho-Corasick automaton over every format's literals (prefixes
 * such as `ghp_`, `-----BEGIN`, key words such as `password`) reads the text once; each format's regex
 * then runs only where its literals are:
 *  - a prefix format (`reachBefore: 0`: every match starts at a literal) is tried at each hit alone;
 *  - any other runs in windows around its hits, merged where they overlap. A window reaches from
 *    `reachBefore` before a hit to one longest match (the bound read from the format's regex) after it,
 *    so it holds every match that contains the hit.
 * Every match contains a literal (a test checks it for the library), so the findings are those of
 * running every regex over the whole text, at the cost of one pass plus the places that matter. Text
 * without any literal costs the pass alone, however many formats there are.
 *
 * Formats without literals, or without a bound, run on the whole text (none in the shared library).
 *
 * For a stream, the same pass also says where a match may still be under way at the end of the text
 * (`onOpen`). A format whose matches hold no whitespace lies inside one whitespace-free run, which the
 * stream guard holds anyway; for each of the others (a PEM block, `Authorization: Bearer …`,
 * `password = …`) an automaton over every prefix of its matches (open-match.ts) runs from the places a
 * match could start: up to `reachBefore` before each of its literals, and before a literal that the end of
 * the text cuts short or that has not arrived yet.
 */
import { IntList } from './int-list.js';
import { asciiLower, MultiMatcher } from './multi-match.js';
import {
  compileFormats,
  forEachFormatMatch,
  secretSpan,
  ValidationMemo,
  type CompiledFormat,
  type FormatMatch,
} from './patterns/format-matches.js';
import type { PatternDef } from './patterns/types.js';
import { openMatcher, type OpenMatcher } from './open-match.js';
import { parseRegex, type RegexNode } from './regex-ast.js';
import { regexReach } from './regex-reach.js';
import { withoutCaptures } from './without-captures.js';

/** Context read on each side of a window (for \b and look-arounds); no match can start in it. */
const MARGIN = 16;

export interface SecretScanner {
  readonly formats: readonly CompiledFormat[];
  /**
   * Every match of every format, format by format, each in text order; a rejected one (`valid` false) only when it
   * reaches the end of the text.
   * With `onOpen`, also every format whose match may still be under way at the end of the text (a
   * whitespace-free run excepted: see above), with the earliest place such a match may start.
   */
  forEachMatch(
    text: string,
    onMatch: (format: CompiledFormat, m: FormatMatch) => void,
    onOpen?: (format: CompiledFormat, start: number) => void,
  ): void;
  /**
   * For a stream's trailing whitespace-free run text[from, end): the earliest position in it where the redacted
   * part (the `secret` group, or the whole match) of a format whose matches hold no whitespace may begin, in a
   * match that text appended later could complete; text.length when none. A prefix format is read from its
   * literals in the run and a literal cut short at the end; any other from every position of the run.
   */
  openSecretFrom(text: string, from: number): number;
}

interface Literal {
  readonly pattern: string;
  /** Exact text when the literal is case-sensitive (the automaton folds case). */
  readonly exact: string | undefined;
  readonly formats: number[];
}

interface Plan {
  readonly format: CompiledFormat;
  /** 'prefix': tried at each hit; 'window': run around hits; 'whole': run on the whole text. */
  readonly mode: 'prefix' | 'window' | 'whole';
  readonly before: number;
  /** Sticky copies of the format's regex and of its afterLiteral check. */
  readonly sticky: RegExp | undefined;
  readonly after: RegExp | undefined;
  /** Longest text the afterLiteral check reads: a hit closer than this to the end may still pass it. */
  readonly afterReach: number;
  /** Prefix formats: whether the code unit before a hit rules out a match there (see leadingGuard). */
  readonly blocks: ((c: number) => boolean) | undefined;
}

/** The open-match reader of each format whose matches can hold whitespace (built on first use). */
function openers(plans: readonly Plan[]): Array<OpenMatcher | undefined> {
  return plans.map((p) => {
    const m = openMatcher(p.format.def.regex, p.format.maxLength);
    return m.spansWhitespace ? m : undefined;
  });
}

const cache = new WeakMap<readonly PatternDef[], SecretScanner>();

function planOf(format: CompiledFormat): Plan {
  const d = format.def;
  const bounded = Number.isFinite(format.maxLength) && (d.literals?.length ?? 0) > 0;
  const mode = !bounded ? 'whole' : d.reachBefore === 0 ? 'prefix' : 'window';
  const flags = d.regex.flags.replace(/[gyd]/g, '');
  return {
    format,
    mode,
    before: d.reachBefore ?? format.maxLength,
    sticky: mode === 'prefix' ? new RegExp(withoutCaptures(d.regex.source), flags + 'y') : undefined,
    after: d.afterLiteral
      ? new RegExp(d.afterLiteral.source, d.afterLiteral.flags.replace(/[gy]/g, '') + 'y')
      : undefined,
    afterReach: d.afterLiteral ? regexReach(d.afterLiteral).max : 0,
    blocks: mode === 'prefix' ? leadingGuard(d) : undefined,
  };
}

const WORD_UNIT = /[A-Za-z0-9_]/;

/**
 * For a prefix format whose every match begins with `\b` before a word character, or with a negative look-behind
 * of one character class (`(?<![A-Za-z0-9])`): the test that the code unit before a hit rules a match out there.
 * Text made of the prefix repeated (`EAAEAA…`) has a hit every few characters that such a format can never match
 * at; read this way it costs a table lookup each, not a regex run and a stored start.
 */
function leadingGuard(def: PatternDef): ((c: number) => boolean) | undefined {
  let first: RegexNode;
  try {
    const root = parseRegex(def.regex);
    first = root.kind === 'seq' ? (root.items[0] as RegexNode) : root;
  } catch {
    // A pattern the parser does not read (unicode mode): every hit is tried.
    return undefined;
  }
  let unit: RegExp;
  if (first.kind === 'anchor' && first.which === 'word') {
    // `\b` before the literal rules out a word character only when the literal begins with one.
    if (!(def.literals ?? []).every((l) => WORD_UNIT.test(l.charAt(0)))) return undefined;
    unit = WORD_UNIT;
  } else if (first.kind === 'look' && !first.ahead && first.negate && first.node.kind === 'char') {
    unit = new RegExp(first.node.source, def.regex.flags.replace(/[gyd]/g, ''));
  } else return undefined;
  const ascii = new Uint8Array(128);
  for (let c = 0; c < 128; c++) ascii[c] = unit.test(String.fromCharCode(c)) ? 1 : 0;
  return (c) => (c < 128 ? ascii[c] === 1 : unit.test(String.fromCharCode(c)));
}

export function secretScanner(defs: readonly PatternDef[]): SecretScanner {
  const known = cache.get(defs);
  if (known) return known;
  const formats = compileFormats(defs);
  const plans = formats.map(planOf);
  const literals: Literal[] = [];
  const byKey = new Map<string, Literal>();
  plans.forEach((plan, i) => {
    if (plan.mode === 'whole') return;
    const sensitive = plan.format.def.literalCase === 'sensitive';
    for (const text of plan.format.def.literals ?? []) {
      const key = `${sensitive ? 's' : 'i'}:${sensitive ? text : text.toLowerCase()}`;
      let lit = byKey.get(key);
      if (!lit) {
        lit = { pattern: text, exact: sensitive ? text : undefined, formats: [] };
        byKey.set(key, lit);
        literals.push(lit);
      }
      if (!lit.formats.includes(i)) lit.formats.push(i);
    }
  });
  const wholeFormats = plans.flatMap((p, i) => (p.mode === 'whole' ? [i] : []));
  const matcher = new MultiMatcher(
    literals.map((l) => l.pattern),
    { asciiCaseInsensitive: true },
  );

  let readers: Array<OpenMatcher | undefined> | undefined;
  /** The open-match reader of every format whose matches hold no whitespace (the others are read by forEachMatch). */
  let runReaders: Array<OpenMatcher | undefined> | undefined;
  /** Every prefix of a prefix format's literal, ASCII lower-cased → the formats it begins (built on first use). */
  let literalPrefixes: Map<string, number[]> | undefined;
  const windowed = plans.flatMap((p, i) => (p.mode === 'prefix' ? [] : [i]));

  const scanner: SecretScanner = {
    formats,
    openSecretFrom,
    forEachMatch(text, onMatch, onOpen) {
      // Per format: hit starts (prefix formats) or merged windows [from, to) as a flat list. Hostile text makes
      // a hit every few characters: the starts go to typed lists, and a start already recorded is not again.
      const starts: Array<IntList | undefined> = new Array<IntList | undefined>(plans.length);
      const found: Array<number[] | undefined> = new Array<number[] | undefined>(plans.length);
      /** Formats with a hit, then every format without literals. */
      const touched: number[] = [...wholeFormats];
      const open = onOpen ? (readers ??= openers(plans)) : undefined;
      /** Per format that can span whitespace: hit starts from which an open match is looked for. */
      const openHits: Array<IntList | undefined> | undefined = open ? new Array(plans.length) : undefined;
      const tail = matcher.forEachMatch(text, (id, start, end) => {
        const lit = literals[id] as Literal;
        const exact = lit.exact === undefined || text.startsWith(lit.exact, start);
        const formatsOfLit = lit.formats;
        for (let k = 0; k < formatsOfLit.length; k++) {
          const fi = formatsOfLit[k] as number;
          const plan = plans[fi] as Plan;
          // The afterLiteral check, read at most once per hit and format.
          let passes: boolean | undefined;
          // A hit more than the longest match before the end begins no match still under way (see openStarts).
          if (open && openHits && open[fi] && start >= text.length - plan.format.maxLength) {
            if (end + plan.afterReach >= text.length || (passes = passesAfter(plan, text, end))) {
              const h = (openHits[fi] ??= new IntList());
              if (h.last() !== start) h.push(start);
            }
          }
          if (!exact) continue;
          if (plan.mode === 'prefix') {
            if (plan.blocks && start > 0 && plan.blocks(text.charCodeAt(start - 1))) continue;
            if (plan.after && !(passes ?? passesAfter(plan, text, end))) continue;
            let l = starts[fi];
            if (!l) {
              l = starts[fi] = new IntList();
              touched.push(fi);
            }
            if (l.last() !== start) l.push(start);
            continue;
          }
          const from = Math.max(0, start - plan.before);
          const to = Math.min(text.length, start + plan.format.maxLength);
          let w = found[fi];
          const last = w ? w.length - 1 : -1;
          const merges = w !== undefined && last > 0 && from <= (w[last] as number);
          // A hit whose window meets the last one widens it without its afterLiteral check: a window only bounds
          // where the regex runs (every match lies in one), so the regex reads at most the distance between such
          // hits more, where text made of the literal repeated (`a://a:…`) paid a check at every repetition.
          if (!merges && plan.after && !(passes ?? passesAfter(plan, text, end))) continue;
          if (!w) {
            w = found[fi] = [];
            touched.push(fi);
          }
          // Hits arrive by their end: with literals of different lengths a start can be a little earlier than
          // the last one, so a merged window also takes the smaller start.
          if (merges) {
            w[last - 1] = Math.min(w[last - 1] as number, from);
            w[last] = Math.max(w[last] as number, to);
          } else w.push(from, to);
        }
      });
      if (touched.length > 1) touched.sort((a, b) => a - b);
      for (const fi of touched) {
        const plan = plans[fi] as Plan;
        const { format } = plan;
        const report = (m: FormatMatch) => onMatch(format, m);
        if (plan.mode === 'whole') {
          forEachFormatMatch(format, text, report);
          continue;
        }
        const memo = new ValidationMemo();
        if (plan.mode === 'prefix') {
          prefixMatches(plan, text, (starts[fi] as IntList).view(), memo, report);
          continue;
        }
        const windows = mergedWindows(found[fi] as number[]);
        for (let k = 0; k < windows.length; k += 2)
          forEachFormatMatch(format, text, report, {
            from: windows[k] as number,
            to: windows[k + 1] as number,
            margin: MARGIN,
            memo,
          });
      }
      if (open && openHits && onOpen) {
        open.forEach((reader, fi) => {
          if (!reader) return;
          const plan = plans[fi] as Plan;
          // A match still under way at the end is shorter than the longest one: it starts after n - maxLength.
          const from = Number.isFinite(plan.format.maxLength) ? Math.max(0, text.length - plan.format.maxLength) : 0;
          const starts =
            plan.mode === 'whole'
              ? [from, text.length]
              : openStarts(openHits[fi]?.view(), plan.before, Math.max(0, tail), text.length, from);
          if (starts.length === 0) return;
          const start = reader.openFrom(text, starts);
          if (start < text.length) onOpen(plan.format, start);
        });
      }
    },
  };
  function openSecretFrom(text: string, from: number): number {
    const n = text.length;
    if (from >= n) return n;
    runReaders ??= plans.map((p) => {
      const m = openMatcher(p.format.def.regex, p.format.maxLength);
      return m.spansWhitespace ? undefined : m;
    });
    const run = text.slice(from);
    const hits = new Map<number, number[]>();
    const tail = matcher.forEachMatch(run, (id, start) => {
      const formatsOfLit = (literals[id] as Literal).formats;
      for (let k = 0; k < formatsOfLit.length; k++) {
        const fi = formatsOfLit[k] as number;
        const list = hits.get(fi);
        if (list) list.push(from + start);
        else hits.set(fi, [from + start]);
      }
    });
    let best = n;
    const read = (fi: number, starts: number[]) => {
      const reader = runReaders?.[fi];
      if (reader && starts.length > 0) best = Math.min(best, reader.secretOpenFrom(text, starts));
    };
    // A literal cut short at the end may begin a match of the prefix formats it belongs to: from the earliest
    // place whose rest of the text begins one of their literals (reading every prefix format from there cost
    // most of a stream's scan of a short trailing run).
    const cutAt = new Map<number, number>();
    if (tail > 0) {
      const rest = asciiLower(text.slice(n - tail));
      for (let q = n - tail; q < n; q++)
        for (const fi of (literalPrefixes ??= prefixesOfLiterals(plans)).get(rest.slice(q - (n - tail))) ?? [])
          if (!cutAt.has(fi)) cutAt.set(fi, q);
    }
    plans.forEach((plan, fi) => {
      if (plan.mode !== 'prefix' || !runReaders?.[fi]) return;
      const at = hits.get(fi);
      const cut = cutAt.get(fi);
      if (!at && cut === undefined) return;
      const ranges: number[] = [];
      for (const h of (at ?? []).sort((a, b) => a - b)) ranges.push(h, h);
      if (cut !== undefined) ranges.push(cut, n);
      read(fi, mergedWindows(ranges));
    });
    for (const fi of windowed) read(fi, [Math.max(from, n - (plans[fi] as Plan).format.maxLength), n]);
    return best;
  }
  cache.set(defs, scanner);
  return scanner;
}

function prefixesOfLiterals(plans: readonly Plan[]): Map<string, number[]> {
  const out = new Map<string, number[]>();
  plans.forEach((plan, fi) => {
    if (plan.mode !== 'prefix') return;
    for (const lit of plan.format.def.literals ?? []) {
      const lower = asciiLower(lit);
      for (let k = 1; k <= lower.length; k++) {
        const list = out.get(lower.slice(0, k));
        if (!list) out.set(lower.slice(0, k), [fi]);
        else if (!list.includes(fi)) list.push(fi);
      }
    }
  });
  return out;
}

function passesAfter(plan: Plan, text: string, end: number): boolean {
  if (!plan.after) return true;
  plan.after.lastIndex = end;
  return plan.after.test(text);
}

/**
 * Where a match that may still be under way can start, as sorted inclusive ranges [a, b, …] at or after `from`:
 * up to `before` before each literal hit, and before a literal that begins in the last `tail` characters or
 * after the end. Every hit range has the same width, so sorting the hits sorts the ranges.
 */
function openStarts(hits: Int32Array | undefined, before: number, tail: number, n: number, from: number): number[] {
  const out: number[] = [];
  if (hits) {
    sortAscending(hits);
    for (let k = 0; k < hits.length; k++) {
      const h = hits[k] as number;
      if (h < from) continue;
      const a = Math.max(from, h - before);
      const last = out.length - 1;
      if (last > 0 && a <= (out[last] as number) + 1) out[last] = Math.max(out[last] as number, h);
      else out.push(a, h);
    }
  }
  // The range at the end reaches past every other: it takes in each range it meets.
  let a = Math.max(from, n - tail - before);
  while (out.length > 0 && (out[out.length - 1] as number) + 1 >= a) {
    a = Math.min(a, out[out.length - 2] as number);
    out.length -= 2;
  }
  out.push(a, n);
  return out;
}

/** Sorts in place unless already in order (hits arrive by their end, nearly always by their start too). */
function sortAscending(values: Int32Array): void {
  for (let k = 1; k < values.length; k++) {
    if ((values[k] as number) < (values[k - 1] as number)) {
      values.sort();
      return;
    }
  }
}

/**
 * Windows [from, to) in start order with overlapping ones merged (they arrive nearly sorted: a window
 * that starts a little before the last one's end was merged into it already, except across two).
 */
function mergedWindows(w: number[]): number[] {
  let sorted = true;
  for (let k = 2; k < w.length && sorted; k += 2) sorted = (w[k] as number) > (w[k - 1] as number);
  if (sorted) return w;
  const pairs: Array<[number, number]> = [];
  for (let k = 0; k < w.length; k += 2) pairs.push([w[k] as number, w[k + 1] as number]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [from, to] of pairs) {
    const last = out.length - 1;
    if (last > 0 && from <= (out[last] as number)) out[last] = Math.max(out[last] as number, to);
    else out.push(from, to);
  }
  return out;
}

/**
 * A prefix format tried at each hit, in text order, as a scan over the whole text would find it: after a
 * valid match the next one starts at its end or later; after a rejected one, at the next hit.
 */
function prefixMatches(
  plan: Plan,
  text: string,
  starts: Int32Array,
  memo: ValidationMemo,
  report: (m: FormatMatch) => void,
): void {
  const re = plan.sticky as RegExp;
  const validate = plan.format.def.validate;
  // The automaton reports hits by their end: literals of different lengths can arrive out of order.
  sortAscending(starts);
  let next = 0;
  let prev = -1;
  // Indexed, as the matcher's loops (multi-match.ts, emit): no iterator per start.
  for (let k = 0; k < starts.length; k++) {
    const s = starts[k] as number;
    if (s < next || s === prev) continue;
    prev = s;
    re.lastIndex = s;
    // `test`, not `exec`: the end is where the sticky regex stopped, and a candidate that validation rejects
    // (hostile text makes one at every repetition) allocates no match array and, repeating the last one, no string.
    if (!re.test(text)) continue;
    const end = re.lastIndex;
    if (end === s) continue;
    const valid = validate ? memo.verdictAt(validate, text, s, end) : true;
    if (!valid && end < text.length) continue;
    if (valid) next = end;
    const g = valid ? secretSpan(plan.format, text, s) : undefined;
    report({ start: s, end, secretStart: g ? g[0] : s, secretEnd: g ? g[1] : end, valid });
  }
}
