/**
 * The L25 typosquat rule: a name is refused as imitating a popular package only when it is one of the edits
 * typosquats are made of — a dropped character, a doubled one, two neighbours swapped, a letter replaced by its
 * neighbour on the keyboard, a separator added, dropped or changed, a scope folded into the name (`@react/dom` for
 * `react-dom`). Edits that make a different word are not refused: a short name (under 5 characters: `uid`,
 * `nest`, `test` are words, not typos), a plural or singular (`color`/`colors`), a version suffix of a family
 * (`mysql2`, `boto`/`boto3`, `sqlite`/`sqlite3`), a new letter that doubles nothing (`preact`). PyPI names are
 * compared after PEP 503 normalisation, under which `python_dateutil` *is* `python-dateutil`.
 */
import { POPULAR_PACKAGES } from './popular-packages.js';

/** Candidates shorter than this are never refused as typosquats: at that length one edit makes another word. */
export const MIN_TYPOSQUAT_LENGTH = 5;

const KEYBOARD_ROWS = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** Letters next to each other on a QWERTY keyboard (same row, or the rows above and below at the same offset). */
function adjacentKeys(a: string, b: string): boolean {
  const at = (c: string): [number, number] | undefined => {
    for (let r = 0; r < KEYBOARD_ROWS.length; r++) {
      const col = KEYBOARD_ROWS[r]?.indexOf(c) ?? -1;
      if (col >= 0) return [r, col];
    }
    return undefined;
  };
  const pa = at(a);
  const pb = at(b);
  if (!pa || !pb) return false;
  const dr = Math.abs(pa[0] - pb[0]);
  const dc = pb[1] - pa[1];
  if (dr === 0) return Math.abs(dc) === 1;
  // Staggered rows: a key touches the two keys below it at the same and the previous column (and vice versa).
  if (dr !== 1) return false;
  const [upper, lower] = pa[0] < pb[0] ? [pa, pb] : [pb, pa];
  return lower[1] - upper[1] === 0 || lower[1] - upper[1] === -1;
}

/** Characters a squatter swaps for one that looks the same. */
const LOOKALIKE = new Set(['l1', '1l', 'o0', '0o', 'il', 'li', 'i1', '1i']);

const isSeparator = (c: string | undefined): boolean => c === '-' || c === '_' || c === '.';

/** The typo shape that turns `popular` into `name`, or undefined when one edit of those shapes does not. */
export function typoShape(name: string, popular: string): string | undefined {
  if (name === popular) return undefined;
  if (name.length === popular.length) {
    const diff: number[] = [];
    for (let i = 0; i < name.length && diff.length <= 2; i++) if (name[i] !== popular[i]) diff.push(i);
    const [i, j] = diff;
    if (i === undefined) return undefined;
    const a = popular[i] ?? '';
    const b = name[i] ?? '';
    if (diff.length === 1) {
      if (isSeparator(a) && isSeparator(b)) return 'separator changed';
      if (/\d/.test(a) && /\d/.test(b) && !/\d/.test(popular.slice(i + 1))) return undefined; // boto3 / boto4
      if (adjacentKeys(a, b)) return 'neighbouring key';
      if (LOOKALIKE.has(a + b)) return 'look-alike character';
      return undefined;
    }
    if (diff.length === 2 && j === i + 1 && name[i] === popular[j] && name[j] === popular[i]) return 'swapped';
    return undefined;
  }
  if (Math.abs(name.length - popular.length) !== 1) return undefined;
  const longer = name.length > popular.length ? name : popular;
  const shorter = longer === name ? popular : name;
  let i = 0;
  while (i < shorter.length && shorter[i] === longer[i]) i++;
  if (shorter.slice(i) !== longer.slice(i + 1)) return undefined;
  const extra = longer[i] ?? '';
  if (isSeparator(extra)) return longer === name ? 'separator added' : 'separator dropped';
  // A trailing digit or s on either side is a family member or a plural: another package, not a typo.
  if (i === shorter.length && (/\d/.test(extra) || (extra === 's' && !shorter.endsWith('s')))) return undefined;
  if (longer === name) return extra === longer[i - 1] || extra === longer[i + 1] ? 'doubled character' : undefined;
  return 'dropped character';
}

/** `@scope/pkg` → `scopepkg`, `scope-pkg` → `scopepkg`: the same letters however the scope is written. */
const flat = (s: string): string => s.replace(/^@/, '').replace(/[/_.-]/g, '');

/** PyPI's PEP 503 name (separator runs are one '-'), npm's lower-case name. */
export function normaliseName(ecosystem: string, name: string): string {
  const n = name.toLowerCase();
  return ecosystem.toLowerCase() === 'pypi' ? n.replace(/[-_.]+/g, '-') : n;
}

export interface Typosquat {
  readonly popular: string;
  readonly shape: string;
}

/** The popular package `name` imitates and how, if it is a typosquat shape of one (never the name itself). */
export function typosquatOf(
  ecosystem: string,
  name: string,
  allowNames: readonly string[] = [],
): Typosquat | undefined {
  const eco = ecosystem.toLowerCase();
  const n = normaliseName(eco, name);
  const list = (POPULAR_PACKAGES[eco] ?? []).map((p) => normaliseName(eco, p));
  if (list.includes(n) || allowNames.some((a) => normaliseName(eco, a) === n)) return undefined;
  if (!n.startsWith('@') && n.length < MIN_TYPOSQUAT_LENGTH) return undefined;
  for (const p of list) {
    if (p.length < 4) continue;
    if (n.includes('/') !== p.includes('/') && flat(n) === flat(p)) return { popular: p, shape: 'scope confusion' };
    const shape = typoShape(n, p);
    if (shape !== undefined) return { popular: p, shape };
    if (n !== p && flat(n) === flat(p)) return { popular: p, shape: 'separator changed' };
  }
  return undefined;
}
