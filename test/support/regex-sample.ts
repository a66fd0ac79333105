/**
 * Deterministic sample strings of a regular expression (the subset the secret formats use: classes,
 * bounded quantifiers, groups, alternation, escapes; look-arounds and \b produce nothing). Used to
 * write test tokens from a family's documented shape — its regex — instead of copying anyone's example.
 * Built at run time, never a real credential.
 */
import { lcg } from './seeded-text.js';

interface Cursor {
  readonly src: string;
  i: number;
  readonly rnd: (n: number) => number;
}

function next(c: Cursor, n: number): number {
  return c.rnd(n);
}

/** One string matching `re` (best effort on the subset above); `extra` bounds how far past a minimum count to go. */
export function sampleRegex(re: RegExp, seed: number, extra = 8): string {
  // The first alternative of a top-level `\bX|X(?!…)` pair is the format itself.
  const c: Cursor = { src: re.source, i: 0, rnd: lcg(seed + 1) };
  return alternation(c, extra, true);
}

function alternation(c: Cursor, extra: number, top = false): string {
  const alts: string[] = [];
  const starts: number[] = [c.i];
  let depth = 0;
  // Find the alternatives of this level without evaluating them.
  for (let i = c.i; i < c.src.length; i++) {
    const ch = c.src[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '[') {
      i++;
      while (i < c.src.length && c.src[i] !== ']') i += c.src[i] === '\\' ? 2 : 1;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) break;
      depth--;
    } else if (ch === '|' && depth === 0) starts.push(i + 1);
  }
  const pick = top ? 0 : next(c, starts.length);
  c.i = starts[pick] as number;
  const out = sequence(c, extra);
  // Skip the remaining alternatives up to the closing parenthesis of this level.
  depth = 0;
  for (; c.i < c.src.length; c.i++) {
    const ch = c.src[c.i];
    if (ch === '\\') {
      c.i++;
      continue;
    }
    if (ch === '[') {
      c.i++;
      while (c.i < c.src.length && c.src[c.i] !== ']') c.i += c.src[c.i] === '\\' ? 2 : 1;
      continue;
    }
    if (ch === '(') depth++;
    else if (ch === ')') {
      if (depth === 0) break;
      depth--;
    }
  }
  alts.push(out);
  return out;
}

function sequence(c: Cursor, extra: number): string {
  let out = '';
  while (c.i < c.src.length && c.src[c.i] !== '|' && c.src[c.i] !== ')') out += quantified(c, extra);
  return out;
}

function quantified(c: Cursor, extra: number): string {
  const start = c.i;
  const first = atom(c, extra);
  const q = quantifier(c);
  if (!q) return first.text;
  if (c.src[c.i] === '?') c.i++;
  const [lo, hi] = q;
  const count = lo + next(c, Math.min(hi, lo + extra) - lo + 1);
  if (count === 0 || first.zeroWidth) return '';
  let out = first.text;
  const end = c.i;
  for (let k = 1; k < count; k++) {
    c.i = start;
    out += atom(c, extra).text;
  }
  c.i = end;
  return out;
}

function quantifier(c: Cursor): [number, number] | undefined {
  const ch = c.src[c.i];
  if (ch === '*') return (c.i++, [0, 3]);
  if (ch === '+') return (c.i++, [1, 4]);
  if (ch === '?') return (c.i++, [0, 1]);
  if (ch !== '{') return undefined;
  const close = c.src.indexOf('}', c.i);
  const parts = c.src.slice(c.i + 1, close).split(',');
  c.i = close + 1;
  const lo = Number(parts[0]);
  return [lo, parts.length === 1 ? lo : parts[1] === '' ? lo + 8 : Number(parts[1])];
}

function atom(c: Cursor, extra: number): { text: string; zeroWidth: boolean } {
  const ch = c.src[c.i] as string;
  if (ch === '(') {
    c.i++;
    let zero = false;
    if (c.src.startsWith('?:', c.i)) c.i += 2;
    else if (/^\?<?[=!]/.test(c.src.slice(c.i, c.i + 3))) {
      zero = true;
      c.i += c.src[c.i + 1] === '<' ? 3 : 2;
    } else if (c.src.startsWith('?<', c.i)) c.i = c.src.indexOf('>', c.i) + 1;
    const inner = alternation(c, extra);
    c.i++; // )
    return { text: zero ? '' : inner, zeroWidth: zero };
  }
  if (ch === '[') return { text: fromClass(c), zeroWidth: false };
  if (ch === '^' || ch === '$') {
    c.i++;
    return { text: '', zeroWidth: true };
  }
  if (ch === '\\') {
    const e = c.src[c.i + 1] as string;
    c.i += 2;
    if (e === 'b' || e === 'B') return { text: '', zeroWidth: true };
    if (e === 'd') return { text: String(next(c, 10)), zeroWidth: false };
    if (e === 's') return { text: ' ', zeroWidth: false };
    if (e === 'w') return { text: 'k', zeroWidth: false };
    if (e === 'r') return { text: '\r', zeroWidth: false };
    if (e === 'n') return { text: '\n', zeroWidth: false };
    if (e === 't') return { text: '\t', zeroWidth: false };
    return { text: e, zeroWidth: false };
  }
  c.i++;
  return { text: ch === '.' ? 'x' : ch, zeroWidth: false };
}

function fromClass(c: Cursor): string {
  c.i++; // [
  const negated = c.src[c.i] === '^';
  if (negated) c.i++;
  const chars: string[] = [];
  while (c.i < c.src.length && c.src[c.i] !== ']') {
    const ch = c.src[c.i] as string;
    if (ch === '\\') {
      const e = c.src[c.i + 1] as string;
      c.i += 2;
      if (e === 's') chars.push(' ');
      else if (e === 'r') chars.push('\r');
      else if (e === 'n') chars.push('\n');
      else if (e === 't') chars.push('\t');
      else if (e === 'd') chars.push(...'0123456789');
      else chars.push(e);
      continue;
    }
    c.i++;
    if (c.src[c.i] === '-' && c.src[c.i + 1] !== ']' && c.src[c.i + 1] !== undefined) {
      const to = c.src[c.i + 1] as string;
      c.i += 2;
      for (let k = ch.charCodeAt(0); k <= to.charCodeAt(0); k++) chars.push(String.fromCharCode(k));
      continue;
    }
    chars.push(ch);
  }
  c.i++; // ]
  if (negated) {
    const allowed = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
      .split('')
      .filter((x) => !chars.includes(x));
    return allowed[next(c, allowed.length)] ?? 'q';
  }
  return chars[next(c, chars.length)] ?? '';
}
