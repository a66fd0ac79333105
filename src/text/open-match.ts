/**
 * Where a match of a pattern may still be under way at the end of a text: the stream guard (L02) must
 * hold back every character that a match continued by later text could cover, and nothing else.
 *
 * The pattern is read from its syntax tree (regex-ast.ts) into a Thompson automaton whose language holds
 * every prefix of every match, and that automaton runs over the text with a thread started at each
 * candidate position (a Pike VM, linear in the text times the automaton). A thread still alive at the
 * end marks its start. The automaton over-approximates the pattern, never under: quantifiers with an
 * upper bound above EXPAND repeat without bound (the pattern's longest match then bounds a thread's
 * length instead), lookarounds that read more than one character pass, and at the end of the text every
 * assertion about the next character passes. So a start it reports may not become a match, but no
 * match that later text completes can start before the earliest one it reports.
 *
 * A leading boundary that consumes one character (`(?:^|[^A-Za-z0-9])`) is read as a look-behind when the
 * pattern names its `secret` group: that character is context and is never redacted, so it may be
 * released, and the match proper starts after it.
 */
import { parseRegex, type RegexNode } from './regex-ast.js';

/**
 * Quantifier bounds up to this are expanded exactly; larger ones repeat without bound. Small on purpose: every
 * expanded copy is a state a thread can sit in, and `[ A-Z0-9]{0,30}` expanded kept ~30 threads alive per
 * character of a hostile stream (a PEM header repeated). Holding a little more in rare text is the price.
 */
const EXPAND = 3;

/** What the stream guard cuts at: a match holding one of these cannot lie in one whitespace-free run. */
const CUT_SPACES = [' ', '\t', '\n', '\r'];

/** Automaton state kinds. */
const Kind = { Char: 0, Split: 1, Eps: 2, Assert: 3, Match: 4, Mark: 5 } as const;
type Kind = (typeof Kind)[keyof typeof Kind];

/** Assertion kinds. */
const Test = {
  Start: 0,
  End: 1,
  Word: 2,
  NonWord: 3,
  AheadIn: 4,
  AheadNot: 5,
  BehindIn: 6,
  BehindNot: 7,
} as const;
type Test = (typeof Test)[keyof typeof Test];

/** One code unit's membership in a character atom, with the engine's own semantics. */
class CharTest {
  private readonly ascii = new Uint8Array(128);
  private readonly re: RegExp;
  private readonly other = new Map<number, boolean>();
  constructor(source: string, flags: string) {
    this.re = new RegExp(`^(?:${source})$`, flags);
    for (let c = 0; c < 128; c++) this.ascii[c] = this.re.test(String.fromCharCode(c)) ? 1 : 0;
  }
  has(c: number): boolean {
    if (c < 128) return this.ascii[c] === 1;
    let v = this.other.get(c);
    if (v === undefined) {
      v = this.re.test(String.fromCharCode(c));
      if (this.other.size < 4096) this.other.set(c, v);
    }
    return v;
  }
}

const isWordUnit = (c: number) =>
  (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;

/** The automaton, built once per pattern. */
class Automaton {
  readonly kind: number[] = [];
  readonly out1: number[] = [];
  readonly out2: number[] = [];
  /** Char: the test; Assert: the Test code. */
  readonly arg: number[] = [];
  /** Assert: the test of a one-character lookaround (-1 for none). */
  readonly lookTest: number[] = [];
  readonly tests: CharTest[] = [];
  private readonly testIds = new Map<string, number>();
  constructor(private readonly flags: string) {}

  state(kind: Kind, arg: number = 0, lookTest = -1): number {
    this.kind.push(kind);
    this.out1.push(-1);
    this.out2.push(-1);
    this.arg.push(arg);
    this.lookTest.push(lookTest);
    return this.kind.length - 1;
  }

  test(source: string): number {
    let id = this.testIds.get(source);
    if (id === undefined) {
      id = this.tests.length;
      this.tests.push(new CharTest(source, this.flags));
      this.testIds.set(source, id);
    }
    return id;
  }
}

/** A piece under construction: its entry state and the dangling exits (state * 2 + which out). */
interface Fragment {
  readonly start: number;
  readonly exits: number[];
}

function patch(a: Automaton, exits: readonly number[], to: number): void {
  for (const x of exits) (x & 1 ? a.out2 : a.out1)[x >> 1] = to;
}

function build(a: Automaton, node: RegexNode): Fragment {
  switch (node.kind) {
    case 'char': {
      const s = a.state(Kind.Char, a.test(node.source));
      return { start: s, exits: [s * 2] };
    }
    case 'group': {
      const inner = build(a, node.node);
      if (node.name !== 'secret') return inner;
      // Where the redacted part begins: a thread passing here records the position (secretOpenFrom).
      const mark = a.state(Kind.Mark);
      a.out1[mark] = inner.start;
      return { start: mark, exits: inner.exits };
    }
    case 'seq': {
      if (node.items.length === 0) return empty(a);
      let first: Fragment | undefined;
      let exits: number[] = [];
      for (const item of node.items) {
        const f = build(a, item);
        if (first) patch(a, exits, f.start);
        else first = f;
        exits = f.exits;
      }
      return { start: (first as Fragment).start, exits };
    }
    case 'alt': {
      const parts = node.options.map((o) => build(a, o));
      let start = (parts[parts.length - 1] as Fragment).start;
      for (let i = parts.length - 2; i >= 0; i--) {
        const s = a.state(Kind.Split);
        a.out1[s] = (parts[i] as Fragment).start;
        a.out2[s] = start;
        start = s;
      }
      return { start, exits: parts.flatMap((p) => p.exits) };
    }
    case 'repeat':
      return repeat(a, node.node, node.min, node.max);
    case 'anchor': {
      const code = { start: Test.Start, end: Test.End, word: Test.Word, nonword: Test.NonWord }[node.which];
      const s = a.state(Kind.Assert, code);
      return { start: s, exits: [s * 2] };
    }
    case 'look': {
      if (node.node.kind !== 'char') return empty(a); // reads more than one character: passes
      const code = node.ahead
        ? node.negate
          ? Test.AheadNot
          : Test.AheadIn
        : node.negate
          ? Test.BehindNot
          : Test.BehindIn;
      const s = a.state(Kind.Assert, code, a.test(node.node.source));
      return { start: s, exits: [s * 2] };
    }
  }
}

function empty(a: Automaton): Fragment {
  const s = a.state(Kind.Eps);
  return { start: s, exits: [s * 2] };
}

function repeat(a: Automaton, node: RegexNode, min: number, max: number): Fragment {
  const bounded = max <= EXPAND;
  const required = Math.min(min, EXPAND);
  const parts: Fragment[] = [];
  for (let i = 0; i < required; i++) parts.push(build(a, node));
  if (bounded) {
    for (let i = required; i < max; i++) {
      const s = a.state(Kind.Split);
      const f = build(a, node);
      a.out1[s] = f.start;
      parts.push({ start: s, exits: [...f.exits, s * 2 + 1] });
    }
  } else {
    const s = a.state(Kind.Split);
    const f = build(a, node);
    a.out1[s] = f.start;
    patch(a, f.exits, s);
    parts.push({ start: s, exits: [s * 2 + 1] });
  }
  if (parts.length === 0) return empty(a);
  for (let i = 1; i < parts.length; i++) patch(a, (parts[i - 1] as Fragment).exits, (parts[i] as Fragment).start);
  return { start: (parts[0] as Fragment).start, exits: (parts[parts.length - 1] as Fragment).exits };
}

function hasSecretGroup(node: RegexNode): boolean {
  switch (node.kind) {
    case 'group':
      return node.name === 'secret' || hasSecretGroup(node.node);
    case 'seq':
      return node.items.some(hasSecretGroup);
    case 'alt':
      return node.options.some(hasSecretGroup);
    case 'repeat':
    case 'look':
      return hasSecretGroup(node.node);
    default:
      return false;
  }
}

/** `(?:^|[class])` or `(?:^|\s)`: a group of alternatives that each take at most one character. */
function isBoundary(node: RegexNode): boolean {
  if (node.kind !== 'group' || node.name !== undefined || node.node.kind !== 'alt') return false;
  return node.node.options.every((o) => o.kind === 'char' || (o.kind === 'anchor' && o.which === 'start'));
}

/** The pattern with each top-level alternative's leading boundary read as a look-behind. */
function boundaryAsLookBehind(root: RegexNode): RegexNode {
  const convert = (seq: RegexNode): RegexNode => {
    if (seq.kind !== 'seq' || !isBoundary(seq.items[0] as RegexNode)) return seq;
    const boundary = (seq.items[0] as Extract<RegexNode, { kind: 'group' }>).node as Extract<
      RegexNode,
      { kind: 'alt' }
    >;
    const options: RegexNode[] = boundary.options.map((o) =>
      o.kind === 'char' ? { kind: 'look', ahead: false, negate: false, node: o } : o,
    );
    return { kind: 'seq', items: [{ kind: 'alt', options }, ...seq.items.slice(1)] };
  };
  return root.kind === 'alt' ? { kind: 'alt', options: root.options.map(convert) } : convert(root);
}

function spansSpace(node: RegexNode, flags: string): boolean {
  switch (node.kind) {
    case 'char': {
      const t = new CharTest(node.source, flags);
      return CUT_SPACES.some((s) => t.has(s.charCodeAt(0)));
    }
    case 'group':
      return spansSpace(node.node, flags);
    case 'seq':
      return node.items.some((i) => spansSpace(i, flags));
    case 'alt':
      return node.options.some((o) => spansSpace(o, flags));
    case 'repeat':
      return node.max > 0 && spansSpace(node.node, flags);
    default:
      return false; // lookarounds and anchors take no character
  }
}

export interface OpenMatcher {
  /**
   * True when a match can hold a space, tab or line break after its leading boundary. A pattern without
   * one has every match inside one whitespace-free run, which the stream guard holds anyway.
   */
  readonly spansWhitespace: boolean;
  /**
   * The earliest start p allowed by `starts` (sorted, disjoint, inclusive ranges [a0, b0, a1, b1, …]) from
   * which text[p, end) can still be continued into a match; text.length when there is none.
   */
  openFrom(text: string, starts: readonly number[]): number;
  /**
   * As openFrom, but the earliest position where the redacted part of such a match (its `secret` group, or
   * the whole match when it names none) may begin: text before it is context, never redacted.
   */
  secretOpenFrom(text: string, starts: readonly number[]): number;
  /**
   * openFrom by the forward reader (a thread from every allowed start, over the last maxLength characters): the
   * reference the backward pass is checked against. It may name an earlier start than openFrom where start
   * ranges merged in one state were clamped, never a later one.
   */
  openFromForward(text: string, starts: readonly number[]): number;
}

/** The open-match reader of `re`, whose longest match is `maxLength` code units. */
export function openMatcher(re: RegExp, maxLength: number): OpenMatcher {
  const flags = re.flags.replace(/[gyd]/g, '');
  let root = parseRegex(re);
  if (hasSecretGroup(root)) root = boundaryAsLookBehind(root);
  const a = new Automaton(flags);
  const f = build(a, root);
  const match = a.state(Kind.Match);
  patch(a, f.exits, match);
  return new PikeReader(a, f.start, maxLength, spansSpace(root, flags), hasSecretGroup(root));
}

/**
 * The states that read no character (split, ε, mark, assertion) in post-order over their ε-edges: each after
 * the states it leads to, so one pass computes them all. An ε-cycle is reported (the pass then repeats).
 */
function freeOrder(kind: Uint8Array, out1: Int32Array, out2: Int32Array): { states: number[]; cycle: boolean } {
  const n = kind.length;
  const reads = (s: number) => kind[s] === Kind.Char || kind[s] === Kind.Match;
  const state = new Uint8Array(n); // 0 new, 1 on the path, 2 done
  const states: number[] = [];
  let cycle = false;
  for (let root = 0; root < n; root++) {
    if (reads(root) || state[root] !== 0) continue;
    const path: Array<[number, number]> = [[root, 0]];
    state[root] = 1;
    while (path.length > 0) {
      const top = path[path.length - 1] as [number, number];
      const [s, k] = top;
      const succ = k === 0 ? out1[s] : kind[s] === Kind.Split && k === 1 ? out2[s] : -2;
      if (succ === -2 || succ === undefined) {
        state[s] = 2;
        states.push(s);
        path.pop();
        continue;
      }
      top[1] = k + 1;
      if (succ < 0 || reads(succ)) continue;
      if (state[succ] === 1) cycle = true;
      else if (state[succ] === 0) {
        state[succ] = 1;
        path.push([succ, 0]);
      }
    }
  }
  return { states, cycle };
}

class PikeReader implements OpenMatcher {
  private readonly kind: Uint8Array;
  private readonly out1: Int32Array;
  private readonly out2: Int32Array;
  private readonly arg: Int32Array;
  private readonly lookTest: Int32Array;
  private readonly tests: readonly CharTest[];
  /**
   * Two thread lists (current, next): states, earliest and latest start per state, the earliest start of the
   * redacted part (Infinity before a thread entered it), a generation mark.
   */
  private readonly lists: Array<{
    states: Int32Array;
    min: Float64Array;
    max: Float64Array;
    sec: Float64Array;
    mark: Uint32Array;
  }>;
  private readonly stack: Int32Array;
  /** The redacted part's start carried with each stack entry. */
  private readonly secs: Float64Array;
  private gen = 0;
  /** Character-reading states, and the states that read none in an order where successors come first. */
  private readonly chars: Int32Array;
  private readonly free: Int32Array;
  /** The free states have an ε-cycle (a repeat of something that may be empty): their pass runs to a fixpoint. */
  private readonly freeCycle: boolean;
  /** Backward pass: per state, whether a thread there at the position (current, next) is alive at the end. */
  private live: Uint8Array;
  private liveNext: Uint8Array;

  constructor(
    a: Automaton,
    private readonly start: number,
    private readonly maxLength: number,
    readonly spansWhitespace: boolean,
    private readonly secretGroup: boolean,
  ) {
    const n = a.kind.length;
    this.kind = Uint8Array.from(a.kind);
    this.out1 = Int32Array.from(a.out1);
    this.out2 = Int32Array.from(a.out2);
    this.arg = Int32Array.from(a.arg);
    this.lookTest = Int32Array.from(a.lookTest);
    this.tests = a.tests;
    const list = () => ({
      states: new Int32Array(n),
      min: new Float64Array(n),
      max: new Float64Array(n),
      sec: new Float64Array(n),
      mark: new Uint32Array(n),
    });
    this.lists = [list(), list()];
    // One closure visits each state at most twice (its start range is the closure's; the redacted part's start is
    // that or the closure's position, and a visit that widens nothing stops), pushing two successors at most.
    this.stack = new Int32Array(4 * n + 4);
    this.secs = new Float64Array(4 * n + 4);
    const chars: number[] = [];
    for (let s = 0; s < n; s++) if (this.kind[s] === Kind.Char) chars.push(s);
    this.chars = Int32Array.from(chars);
    const order = freeOrder(this.kind, this.out1, this.out2);
    this.free = Int32Array.from(order.states);
    this.freeCycle = order.cycle;
    this.live = new Uint8Array(n);
    this.liveNext = new Uint8Array(n);
  }

  /**
   * openFrom read backwards from the end: live[s] at position p says whether a thread in state s at p (before
   * its ε-closure) survives to the end of the text. At the end that is any thread that reaches a character-
   * reading or final state; one position earlier, a character state whose character is text[p] and whose
   * successor is live at p + 1. A start p is open when the start state is live at p. Once no character state
   * is live nothing earlier can be either, so the pass stops there: it reads only as far back as a match
   * could still reach, where the forward reader ran over the last maxLength characters with every thread.
   * Exact (the earliest open start within `starts`), where the forward reader's merged start ranges may name
   * an earlier one.
   */
  private back(text: string, starts: readonly number[]): number {
    const n = text.length;
    if (starts.length === 0) return n;
    const limit = Number.isFinite(this.maxLength) ? this.maxLength : Infinity;
    // A thread as long as the longest match cannot grow: an open start lies after n - limit.
    const lowest = Math.max(0, starts[0] as number, limit === Infinity ? 0 : n - limit + 1);
    let ri = starts.length - 2;
    let best = n;
    let live = this.live;
    let next = this.liveNext;
    for (let p = n; p >= lowest; p--) {
      let any = false;
      if (p === n) {
        for (let i = 0; i < this.chars.length; i++) live[this.chars[i] as number] = 1;
        any = this.chars.length > 0;
        for (let s = 0; s < live.length; s++) if (this.kind[s] === Kind.Match) live[s] = 1;
      } else {
        const c = text.charCodeAt(p);
        for (let i = 0; i < this.chars.length; i++) {
          const s = this.chars[i] as number;
          const v =
            next[this.out1[s] as number] === 1 && (this.tests[this.arg[s] as number] as CharTest).has(c) ? 1 : 0;
          live[s] = v;
          if (v) any = true;
        }
        for (let s = 0; s < live.length; s++) if (this.kind[s] === Kind.Match) live[s] = 0;
      }
      if (!any && p < n) break;
      this.closeFree(live, p, text);
      while (ri >= 0 && (starts[ri] as number) > p) ri -= 2;
      if (ri >= 0 && (starts[ri + 1] as number) >= p && live[this.start] === 1) best = p;
      [live, next] = [next, live];
    }
    this.live = live;
    this.liveNext = next;
    return best;
  }

  /** live[] of the states that read no character at `p`, from their successors'. */
  private closeFree(live: Uint8Array, p: number, text: string): void {
    for (let round = 0; ; round++) {
      let changed = false;
      for (let i = 0; i < this.free.length; i++) {
        const s = this.free[i] as number;
        let v: number;
        switch (this.kind[s]) {
          case Kind.Split:
            v = live[this.out1[s] as number] === 1 || live[this.out2[s] as number] === 1 ? 1 : 0;
            break;
          case Kind.Assert:
            v = live[this.out1[s] as number] === 1 && this.holds(s, p, text) ? 1 : 0;
            break;
          default:
            v = live[this.out1[s] as number] === 1 ? 1 : 0;
        }
        if (round > 0 && v !== live[s]) changed = true;
        live[s] = v;
      }
      if (!this.freeCycle || (round > 0 && !changed)) return;
    }
  }

  openFrom(text: string, starts: readonly number[]): number {
    return this.back(text, starts);
  }

  secretOpenFrom(text: string, starts: readonly number[]): number {
    return this.run(text, starts, true);
  }

  openFromForward(text: string, starts: readonly number[]): number {
    return this.run(text, starts, false);
  }

  private run(text: string, starts: readonly number[], secret: boolean): number {
    const n = text.length;
    if (starts.length === 0) return n;
    const limit = Number.isFinite(this.maxLength) ? this.maxLength : Infinity;
    let cur = this.lists[0] as PikeReader['lists'][number];
    let nxt = this.lists[1] as PikeReader['lists'][number];
    let count = 0;
    let ri = 0;
    let p = Math.max(0, starts[0] as number);
    this.gen += 2;
    let curGen = this.gen;
    for (;;) {
      while (ri < starts.length && (starts[ri + 1] as number) < p) ri += 2;
      if (ri < starts.length && (starts[ri] as number) <= p)
        count = this.add(cur, curGen, count, this.start, p, p, p, this.secretGroup ? Infinity : p, text);
      // A thread as long as the longest match cannot grow any further.
      if (count > 0 && p - limit >= 0) count = this.prune(cur, count, p - limit + 1);
      if (p >= n) break;
      if (count === 0) {
        if (ri >= starts.length) return n;
        const next = Math.max(p + 1, starts[ri] as number);
        if (next > n) return n;
        p = next;
        this.gen += 1;
        curGen = this.gen;
        continue;
      }
      const c = text.charCodeAt(p);
      this.gen += 1;
      const nextGen = this.gen;
      let nextCount = 0;
      for (let i = 0; i < count; i++) {
        const s = cur.states[i] as number;
        if (this.kind[s] !== Kind.Char || !(this.tests[this.arg[s] as number] as CharTest).has(c)) continue;
        nextCount = this.add(
          nxt,
          nextGen,
          nextCount,
          this.out1[s] as number,
          p + 1,
          cur.min[s] as number,
          cur.max[s] as number,
          cur.sec[s] as number,
          text,
        );
      }
      [cur, nxt] = [nxt, cur];
      count = nextCount;
      curGen = nextGen;
      p += 1;
    }
    let best = n;
    const at = secret ? cur.sec : cur.min;
    for (let i = 0; i < count; i++) best = Math.min(best, at[cur.states[i] as number] as number);
    return best;
  }

  /** Drops threads that started before `from`, and clamps the earliest start of the rest to it. */
  private prune(list: PikeReader['lists'][number], count: number, from: number): number {
    let k = 0;
    for (let i = 0; i < count; i++) {
      const s = list.states[i] as number;
      if ((list.max[s] as number) < from) continue;
      if ((list.min[s] as number) < from) list.min[s] = from;
      list.states[k++] = s;
    }
    return k;
  }

  /**
   * Adds state `s` and everything reachable from it without reading a character (assertions judged at
   * `pos`) to `list`, merging the start range [mn, mx] into each state's; a state whose range widens passes
   * the wider range on. Returns the new count of listed (character-reading or final) states.
   */
  private add(
    list: PikeReader['lists'][number],
    gen: number,
    count: number,
    s0: number,
    pos: number,
    mn: number,
    mx: number,
    sc0: number,
    text: string,
  ): number {
    const stack = this.stack;
    const secs = this.secs;
    let top = 0;
    secs[top] = sc0;
    stack[top++] = s0;
    while (top > 0) {
      const s = stack[--top] as number;
      const sc = secs[top] as number;
      if (s < 0) continue;
      if (list.mark[s] === gen) {
        if (mn >= (list.min[s] as number) && mx <= (list.max[s] as number) && sc >= (list.sec[s] as number)) continue;
        if (mn < (list.min[s] as number)) list.min[s] = mn;
        if (mx > (list.max[s] as number)) list.max[s] = mx;
        if (sc < (list.sec[s] as number)) list.sec[s] = sc;
      } else {
        list.mark[s] = gen;
        list.min[s] = mn;
        list.max[s] = mx;
        list.sec[s] = sc;
        const k = this.kind[s];
        if (k === Kind.Char || k === Kind.Match) list.states[count++] = s;
      }
      switch (this.kind[s]) {
        case Kind.Split:
          secs[top] = sc;
          stack[top++] = this.out2[s] as number;
          secs[top] = sc;
          stack[top++] = this.out1[s] as number;
          break;
        case Kind.Eps:
          secs[top] = sc;
          stack[top++] = this.out1[s] as number;
          break;
        case Kind.Mark:
          // Past this point the thread is inside the redacted part, which began here (or earlier).
          secs[top] = Math.min(sc, pos);
          stack[top++] = this.out1[s] as number;
          break;
        case Kind.Assert:
          secs[top] = sc;
          if (this.holds(s, pos, text)) stack[top++] = this.out1[s] as number;
          break;
        default:
          break;
      }
    }
    return count;
  }

  /** An assertion at `pos`; one about the character after the end passes (it is not known yet). */
  private holds(s: number, pos: number, text: string): boolean {
    const n = text.length;
    const look = this.lookTest[s] as number;
    switch (this.arg[s] as Test) {
      case Test.Start:
        return pos === 0;
      case Test.End:
        return pos === n;
      case Test.Word:
      case Test.NonWord: {
        if (pos >= n) return true;
        const before = pos > 0 && isWordUnit(text.charCodeAt(pos - 1));
        const boundary = before !== isWordUnit(text.charCodeAt(pos));
        return (this.arg[s] as Test) === Test.Word ? boundary : !boundary;
      }
      case Test.AheadIn:
        return pos >= n || (this.tests[look] as CharTest).has(text.charCodeAt(pos));
      case Test.AheadNot:
        return pos >= n || !(this.tests[look] as CharTest).has(text.charCodeAt(pos));
      case Test.BehindIn:
        return pos > 0 && (this.tests[look] as CharTest).has(text.charCodeAt(pos - 1));
      case Test.BehindNot:
        return pos === 0 || !(this.tests[look] as CharTest).has(text.charCodeAt(pos - 1));
    }
  }
}
