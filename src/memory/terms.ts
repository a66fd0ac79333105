/**
 * The lexical view of memory text: lower-cased word terms with possessives and plural/verb endings folded, stop
 * words left out. The FTS5 index holds this view, and queries and the coverage score use the same function, so a
 * term found by the index is a term the score counts.
 */
const STOP = new Set(
  (
    'a an and are as at be been being but by can could did do does doing for from had has have having he her hers him ' +
    'his how i if in into is it its just me more most my myself no nor not now of off on once only or other our ours ' +
    'out over own same she should so some such than that the their theirs them then there these they this those through ' +
    'to too under until up very was we were what when where which while who whom why will with would you your yours ' +
    'yourself about again against all am any because before below between both during each few further here after ' +
    'also please tell know remember let us ok okay yes'
  ).split(' '),
);

const WORD = /[\p{L}\p{N}'’]+/gu;
/** Longest text the term view reads (a memory is at most memory.maxEntryChars; queries are cut here). */
const MAX_VIEW_CHARS = 200_000;
export const MAX_QUERY_TERMS = 32;

function fold(word: string): string {
  let w = word
    .toLowerCase()
    .replace(/['’]s$/u, '')
    .replace(/['’]/gu, '');
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 3 && w.endsWith('ed')) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('es') && /(ch|sh|x|ss)es$/u.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  return w;
}

/** The terms of a text, in order, repeats kept. */
export function termsOf(text: string): string[] {
  const out: string[] = [];
  for (const m of text.slice(0, MAX_VIEW_CHARS).matchAll(WORD)) {
    const word = m[0].replace(/^['’]+|['’]+$/gu, '');
    if (word === '') continue;
    const raw = word.toLowerCase();
    if (STOP.has(raw) || STOP.has(raw.replace(/['’].*$/u, ''))) continue;
    const t = fold(word);
    if (t.length < 2 && !/\p{N}/u.test(t)) continue;
    out.push(t);
  }
  return out;
}

/** The distinct terms of a text, at most `max`. */
export function distinctTerms(text: string, max = Number.POSITIVE_INFINITY): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const t of termsOf(text)) {
    if (seen.has(t)) continue;
    seen.add(t);
    out.push(t);
    if (out.length >= max) break;
  }
  return out;
}

/** What the FTS5 table indexes for an entry. */
export function indexView(text: string): string {
  return termsOf(text).join(' ');
}

/** An FTS5 MATCH expression: any of the query's terms, each quoted (no operator of the query language survives). */
export function matchExpression(terms: readonly string[]): string | undefined {
  if (terms.length === 0) return undefined;
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}

/**
 * Lexical score in [0, 1]: matched distinct terms over the smaller of the two term sets. "What is my dog's name?"
 * against "My dog's name is Biscuit" scores 1; a long message that shares one word with a long entry scores low.
 */
export function coverage(queryTerms: readonly string[], entryText: string): number {
  if (queryTerms.length === 0) return 0;
  const entry = new Set(termsOf(entryText));
  if (entry.size === 0) return 0;
  let hit = 0;
  for (const t of queryTerms) if (entry.has(t)) hit++;
  return hit / Math.min(queryTerms.length, entry.size);
}
