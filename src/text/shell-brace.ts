/**
 * Bash brace expansion of one word (`.e{n,}v` → `.env .ev`, `id_{rsa,ed25519}`, `f{1..3}`), for judging what a
 * command names: the shell expands braces before globs, so `cat .e{n,}v` reads `.env` though no word says it. Quotes
 * are not tracked (the caller passes the word's text), so a quoted brace is expanded too; that only ever adds a name.
 */

/** Words one expansion may yield at most; past it the rest is not listed. */
export const MAX_BRACE_WORDS = 256;

/** Index of the `}` closing the `{` at `open`, and the top-level commas between them; undefined when unclosed. */
function group(word: string, open: number): { close: number; commas: number[] } | undefined {
  let depth = 0;
  const commas: number[] = [];
  for (let i = open; i < word.length; i++) {
    const c = word[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return { close: i, commas };
    else if (c === ',' && depth === 1) commas.push(i);
  }
  return undefined;
}

/** `a..b` (integers or single letters, optional `..step`) as its items; undefined when it is no sequence. */
function sequence(body: string): string[] | undefined {
  const parts = body.split('..');
  const bound = (t: string | undefined) => t !== undefined && (/^-?\d+$/.test(t) || /^[A-Za-z]$/.test(t));
  if (parts.length < 2 || parts.length > 3 || !bound(parts[0]) || !bound(parts[1])) return undefined;
  if (parts[2] !== undefined && !/^-?\d+$/.test(parts[2])) return undefined;
  const [from, to] = [parts[0] as string, parts[1] as string];
  const numeric = /\d/.test(from);
  if (numeric !== /\d/.test(to)) return undefined;
  const a = numeric ? Number(from) : from.charCodeAt(0);
  const b = numeric ? Number(to) : to.charCodeAt(0);
  const step = Math.max(1, Math.abs(Number(parts[2] ?? 1)));
  const out: string[] = [];
  for (let v = a; a <= b ? v <= b : v >= b; v += a <= b ? step : -step) {
    out.push(numeric ? String(v) : String.fromCharCode(v));
    if (out.length >= MAX_BRACE_WORDS) break;
  }
  return out;
}

/**
 * The words `word` expands to (itself alone when it holds no expansion), at most MAX_BRACE_WORDS; a longer list is
 * cut there and `truncated` set, so a caller judging what the word names can hold it rather than judge a part.
 */
export function braceExpansions(word: string): string[] & { truncated?: true } {
  const out: string[] & { truncated?: true } = expand(word);
  if (out.length >= MAX_BRACE_WORDS) out.truncated = true;
  return out;
}

function expand(word: string): string[] {
  for (let open = word.indexOf('{'); open >= 0; open = word.indexOf('{', open + 1)) {
    if (open > 0 && word[open - 1] === '$') continue;
    const g = group(word, open);
    if (!g) return [word];
    const body = word.slice(open + 1, g.close);
    const items =
      g.commas.length > 0
        ? [open, ...g.commas].map((from, i) => word.slice(from + 1, [...g.commas, g.close][i]))
        : sequence(body);
    if (!items) continue;
    const prefix = word.slice(0, open);
    const suffix = word.slice(g.close + 1);
    const out: string[] = [];
    for (const item of items)
      for (const w of expand(`${prefix}${item}${suffix}`)) {
        out.push(w);
        if (out.length >= MAX_BRACE_WORDS) return out;
      }
    return out;
  }
  return [word];
}
