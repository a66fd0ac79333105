/**
 * A syntax tree of a regular expression's source, for analyses that read a pattern's structure (where
 * whitespace can occur in a match, which prefixes of a match are still open at the end of a text). It
 * covers the syntax the pattern library uses without the `u` or `v` flag: alternation, groups (capturing,
 * named, non-capturing), lookarounds, greedy and lazy quantifiers, classes, escapes and anchors. A
 * character atom keeps its source so that its meaning is the engine's own (ranges, escapes, case folding).
 * Back-references and unicode-mode patterns are refused: no analysis here could read them exactly.
 */

export type RegexNode =
  /** One code unit that `source` (a literal, a class, an escape or `.`) matches. */
  | { readonly kind: 'char'; readonly source: string }
  | { readonly kind: 'seq'; readonly items: readonly RegexNode[] }
  | { readonly kind: 'alt'; readonly options: readonly RegexNode[] }
  | { readonly kind: 'repeat'; readonly node: RegexNode; readonly min: number; readonly max: number }
  | { readonly kind: 'group'; readonly node: RegexNode; readonly name: string | undefined }
  | { readonly kind: 'look'; readonly ahead: boolean; readonly negate: boolean; readonly node: RegexNode }
  | { readonly kind: 'anchor'; readonly which: 'start' | 'end' | 'word' | 'nonword' };

interface Cursor {
  readonly src: string;
  i: number;
}

export function parseRegex(re: RegExp): RegexNode {
  if (re.flags.includes('u') || re.flags.includes('v'))
    throw new SyntaxError(`parseRegex: unicode-mode patterns are not supported (/${re.source}/${re.flags})`);
  const c: Cursor = { src: re.source, i: 0 };
  const node = alternation(c);
  if (c.i < c.src.length) throw new SyntaxError(`parseRegex: unexpected ${c.src[c.i]} at ${c.i} in /${c.src}/`);
  return node;
}

function alternation(c: Cursor): RegexNode {
  const options = [sequence(c)];
  while (c.src[c.i] === '|') {
    c.i++;
    options.push(sequence(c));
  }
  return options.length === 1 ? (options[0] as RegexNode) : { kind: 'alt', options };
}

function sequence(c: Cursor): RegexNode {
  const items: RegexNode[] = [];
  while (c.i < c.src.length && c.src[c.i] !== '|' && c.src[c.i] !== ')') items.push(quantified(c));
  return items.length === 1 ? (items[0] as RegexNode) : { kind: 'seq', items };
}

function quantified(c: Cursor): RegexNode {
  const node = atom(c);
  const q = quantifier(c);
  if (!q) return node;
  if (c.src[c.i] === '?') c.i++; // lazy: the same language
  return { kind: 'repeat', node, min: q[0], max: q[1] };
}

const SIMPLE: Readonly<Record<string, [number, number]>> = { '*': [0, Infinity], '+': [1, Infinity], '?': [0, 1] };

function quantifier(c: Cursor): [number, number] | undefined {
  const ch = c.src[c.i] ?? '';
  const simple = SIMPLE[ch];
  if (simple) {
    c.i++;
    return simple;
  }
  if (ch !== '{') return undefined;
  const close = c.src.indexOf('}', c.i);
  if (close < 0) return undefined; // a literal brace
  const [low, high, ...more] = c.src.slice(c.i + 1, close).split(',');
  const digits = (t: string | undefined) =>
    t !== undefined && t.length > 0 && [...t].every((d) => d >= '0' && d <= '9');
  if (!digits(low) || more.length > 0 || (high !== undefined && high !== '' && !digits(high))) return undefined;
  c.i = close + 1;
  const lo = Number(low);
  const hi = high === undefined ? lo : high === '' ? Infinity : Number(high);
  return [lo, hi];
}

function atom(c: Cursor): RegexNode {
  const ch = c.src[c.i] as string;
  if (ch === '(') return group(c);
  if (ch === '[') return charClass(c);
  if (ch === '^' || ch === '$') {
    c.i++;
    return { kind: 'anchor', which: ch === '^' ? 'start' : 'end' };
  }
  if (ch === '\\') return escape(c);
  if (ch === '*' || ch === '+' || ch === '?') throw new SyntaxError(`parseRegex: nothing to repeat in /${c.src}/`);
  c.i++;
  return { kind: 'char', source: ch };
}

function group(c: Cursor): RegexNode {
  c.i++; // (
  const rest = c.src.slice(c.i);
  let look: { ahead: boolean; negate: boolean } | undefined;
  let name: string | undefined;
  if (rest.startsWith('?:')) c.i += 2;
  else if (rest.startsWith('?=') || rest.startsWith('?!')) {
    look = { ahead: true, negate: rest[1] === '!' };
    c.i += 2;
  } else if (rest.startsWith('?<=') || rest.startsWith('?<!')) {
    look = { ahead: false, negate: rest[2] === '!' };
    c.i += 3;
  } else if (rest.startsWith('?<')) {
    const close = c.src.indexOf('>', c.i);
    name = c.src.slice(c.i + 2, close);
    c.i = close + 1;
  } else if (rest.startsWith('?')) throw new SyntaxError(`parseRegex: unsupported group at ${c.i} in /${c.src}/`);
  const node = alternation(c);
  if (c.src[c.i] !== ')') throw new SyntaxError(`parseRegex: unclosed group in /${c.src}/`);
  c.i++;
  return look ? { kind: 'look', ...look, node } : { kind: 'group', node, name };
}

function charClass(c: Cursor): RegexNode {
  const from = c.i;
  c.i++; // [
  if (c.src[c.i] === '^') c.i++;
  if (c.src[c.i] === ']') c.i++; // a leading ] is literal
  while (c.i < c.src.length && c.src[c.i] !== ']') c.i += c.src[c.i] === '\\' ? 2 : 1;
  if (c.src[c.i] !== ']') throw new SyntaxError(`parseRegex: unclosed class in /${c.src}/`);
  c.i++;
  return { kind: 'char', source: c.src.slice(from, c.i) };
}

function escape(c: Cursor): RegexNode {
  const from = c.i;
  const next = c.src[c.i + 1] ?? '';
  c.i += 2;
  if (next === 'b' || next === 'B') return { kind: 'anchor', which: next === 'b' ? 'word' : 'nonword' };
  if (/[1-9k]/.test(next)) throw new SyntaxError(`parseRegex: back-references are not supported (/${c.src}/)`);
  if (next === 'u') c.i += 4;
  else if (next === 'x') c.i += 2;
  else if (next === 'c') c.i += 1;
  else if (next === 'p' || next === 'P')
    throw new SyntaxError(`parseRegex: property escapes need unicode mode (/${c.src}/)`);
  return { kind: 'char', source: c.src.slice(from, c.i) };
}
