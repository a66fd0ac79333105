/**
 * Shortest and longest match of a regular expression, in UTF-16 code units, read from its source.
 * The secret scanner runs a format only in a window around each of its literals; the window must hold
 * every match that contains the literal, so its size comes from the longest match. The stream guard's
 * hold-back is bounded by the same figures. Unbounded quantifiers give Infinity (the library test
 * refuses them); back-references are refused because their length is the referenced group's.
 */

export interface Reach {
  readonly min: number;
  readonly max: number;
}

interface Cursor {
  readonly src: string;
  readonly unicode: boolean;
  i: number;
}

/** min/max of the pattern in `re` (lookarounds and assertions count 0). */
export function regexReach(re: RegExp): Reach {
  const c: Cursor = { src: re.source, unicode: re.flags.includes('u') || re.flags.includes('v'), i: 0 };
  const r = alternation(c);
  if (c.i < c.src.length) throw new SyntaxError(`regexReach: unexpected ${c.src[c.i]} at ${c.i} in /${c.src}/`);
  return r;
}

function alternation(c: Cursor): Reach {
  let best = sequence(c);
  while (c.src[c.i] === '|') {
    c.i++;
    const next = sequence(c);
    best = { min: Math.min(best.min, next.min), max: Math.max(best.max, next.max) };
  }
  return best;
}

function sequence(c: Cursor): Reach {
  let min = 0;
  let max = 0;
  while (c.i < c.src.length && c.src[c.i] !== '|' && c.src[c.i] !== ')') {
    const atom = quantified(c);
    min += atom.min;
    max += atom.max;
  }
  return { min, max };
}

function quantified(c: Cursor): Reach {
  const a = atom(c);
  const q = quantifier(c);
  if (!q) return a;
  if (c.src[c.i] === '?') c.i++; // lazy
  return { min: a.min * q[0], max: q[1] === 0 ? 0 : a.max * q[1] };
}

const SIMPLE_QUANTIFIERS: Readonly<Record<string, [number, number]>> = {
  '*': [0, Infinity],
  '+': [1, Infinity],
  '?': [0, 1],
};

function quantifier(c: Cursor): [number, number] | undefined {
  const ch = c.src[c.i] ?? '';
  const simple = SIMPLE_QUANTIFIERS[ch];
  if (simple) {
    c.i++;
    return simple;
  }
  if (ch !== '{') return undefined;
  const close = c.src.indexOf('}', c.i);
  const parts = close < 0 ? [] : c.src.slice(c.i + 1, close).split(',');
  const digits = (p: string | undefined) =>
    p !== undefined && p.length > 0 && [...p].every((d) => d >= '0' && d <= '9');
  if (!digits(parts[0]) || parts.length > 2 || (parts.length === 2 && parts[1] !== '' && !digits(parts[1])))
    return undefined; // a literal brace
  c.i = close + 1;
  const lo = Number(parts[0]);
  const hi = parts.length === 1 ? lo : parts[1] === '' ? Infinity : Number(parts[1]);
  return [lo, hi];
}

function atom(c: Cursor): Reach {
  const ch = c.src[c.i] as string;
  const one = c.unicode ? { min: 1, max: 2 } : { min: 1, max: 1 };
  if (ch === '(') return group(c);
  if (ch === '[') {
    charClass(c);
    return one;
  }
  if (ch === '^' || ch === '$') {
    c.i++;
    return { min: 0, max: 0 };
  }
  if (ch === '\\') return escape(c, one);
  c.i++;
  // A literal astral character is two code units of source, read as two atoms of one: its length.
  return ch === '.' ? one : { min: 1, max: 1 };
}

function group(c: Cursor): Reach {
  c.i++; // (
  let lookaround = false;
  if (c.src[c.i] === '?') {
    const rest = c.src.slice(c.i);
    if (rest.startsWith('?:')) c.i += 2;
    else if (rest.startsWith('?=') || rest.startsWith('?!') || rest.startsWith('?<=') || rest.startsWith('?<!')) {
      c.i += rest[1] === '<' ? 3 : 2;
      lookaround = true;
    } else if (rest.startsWith('?<')) c.i = c.src.indexOf('>', c.i) + 1;
    else throw new SyntaxError(`regexReach: unsupported group at ${c.i} in /${c.src}/`);
  }
  const inner = alternation(c);
  if (c.src[c.i] !== ')') throw new SyntaxError(`regexReach: unclosed group in /${c.src}/`);
  c.i++;
  return lookaround ? { min: 0, max: 0 } : inner;
}

function charClass(c: Cursor): void {
  c.i++; // [
  if (c.src[c.i] === '^') c.i++;
  if (c.src[c.i] === ']') c.i++; // a leading ] is literal
  while (c.i < c.src.length && c.src[c.i] !== ']') c.i += c.src[c.i] === '\\' ? 2 : 1;
  if (c.src[c.i] !== ']') throw new SyntaxError(`regexReach: unclosed class in /${c.src}/`);
  c.i++;
}

function escape(c: Cursor, one: Reach): Reach {
  const next = c.src[c.i + 1] ?? '';
  c.i += 2;
  if (next === 'b' || next === 'B') return { min: 0, max: 0 };
  if (/[1-9k]/.test(next)) throw new SyntaxError(`regexReach: back-references have no fixed reach (/${c.src}/)`);
  if (next === 'u') {
    if (c.src[c.i] === '{') c.i = c.src.indexOf('}', c.i) + 1;
    else c.i += 4;
    return one;
  }
  if (next === 'x') c.i += 2;
  else if (next === 'c') c.i += 1;
  else if ((next === 'p' || next === 'P') && c.src[c.i] === '{') c.i = c.src.indexOf('}', c.i) + 1;
  return /[dDwWsSpP.]/.test(next) ? one : { min: 1, max: 1 };
}
