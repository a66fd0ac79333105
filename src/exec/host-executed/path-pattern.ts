/**
 * The table's path patterns: names separated by '/', `*` for any part of one name, `**` for any number of names.
 * Matching is case-insensitive and linear in the path for the table's patterns (at most one `**` each).
 */

export interface PathPattern {
  readonly text: string;
  readonly segs: readonly string[];
}

export function compilePattern(text: string): PathPattern {
  return { text, segs: text.toLowerCase().split('/') };
}

/** One name against one pattern name with `*` wildcards (greedy, no backtracking beyond the last star). */
export function nameMatches(pattern: string, name: string): boolean {
  if (!pattern.includes('*')) return pattern === name;
  const parts = pattern.split('*');
  const first = parts[0] as string;
  const last = parts[parts.length - 1] as string;
  if (name.length < first.length + last.length || !name.startsWith(first) || !name.endsWith(last)) return false;
  let at = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const found = name.indexOf(part, at);
    if (found === -1 || found + part.length > end) return false;
    at = found + part.length;
  }
  return true;
}

/** Whether names[from..] is matched entirely by pattern segments segs[at..]. */
function fullFrom(segs: readonly string[], at: number, names: readonly string[], from: number): boolean {
  if (at === segs.length) return from === names.length;
  const s = segs[at] as string;
  if (s === '**') {
    for (let k = from; k <= names.length; k++) if (fullFrom(segs, at + 1, names, k)) return true;
    return false;
  }
  return from < names.length && nameMatches(s, names[from] as string) && fullFrom(segs, at + 1, names, from + 1);
}

/** Whether names[from..] could be the start of a path the pattern matches (a directory above such a file). */
function prefixFrom(segs: readonly string[], at: number, names: readonly string[], from: number): boolean {
  if (from === names.length) return at < segs.length;
  if (at === segs.length) return false;
  const s = segs[at] as string;
  if (s === '**') return true;
  return nameMatches(s, names[from] as string) && prefixFrom(segs, at + 1, names, from + 1);
}

/** `names` (already lowercased) starting at `from` is exactly a path the pattern matches. */
export function matchesAt(p: PathPattern, names: readonly string[], from: number): boolean {
  return fullFrom(p.segs, 0, names, from);
}

/** `names` starting at `from` is a directory above a path the pattern matches (not the path itself). */
export function isAboveAt(p: PathPattern, names: readonly string[], from: number): boolean {
  return prefixFrom(p.segs, 0, names, from);
}
