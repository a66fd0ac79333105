/**
 * Typoglycemia and near-miss spellings of the few key words injections rely on: "ignroe all
 * prevoius isntructions" reads fine to a model, so detectors must read it too. A token that keeps
 * first and last letter and permutes the inner ones, or (for long key words) is one edit away,
 * is rewritten to the key word in a corrected copy of the view.
 */
const KEYWORDS = [
  'ignore',
  'ignoring',
  'disregard',
  'forget',
  'previous',
  'prior',
  'above',
  'instruction',
  'instructions',
  'instructed',
  'directions',
  'directives',
  'guidelines',
  'restrictions',
  'rules',
  'system',
  'prompt',
  'prompts',
  'password',
  'passwords',
  'secret',
  'reveal',
  'override',
  'bypass',
  'jailbreak',
  'developer',
  'everything',
  'earlier',
  'pretend',
  'unrestricted',
  'unfiltered',
  'uncensored',
  'anweisungen',
  'vorherigen',
  'reveal',
  'repeat',
  'initial',
];
const KEYSET = new Set(KEYWORDS);
const MIN_FUZZY_LENGTH = 7;
const byFirst = new Map<string, string[]>();
for (const k of new Set(KEYWORDS)) {
  const list = byFirst.get(k[0] ?? '') ?? [];
  list.push(k);
  byFirst.set(k[0] ?? '', list);
}

const sortInner = (w: string) => [...w.slice(1, -1)].sort().join('');
const SORTED_KEY = new Map([...KEYSET].map((k) => [k, sortInner(k)]));

/** `tokenInner`: sortInner(token), computed by the caller at most once per token. */
function isTypoglycemia(token: string, key: string, tokenInner: () => string): boolean {
  return (
    token.length === key.length &&
    token.length >= 4 &&
    token[token.length - 1] === key[key.length - 1] &&
    tokenInner() === SORTED_KEY.get(key)
  );
}

/** Damerau-Levenshtein distance <= 1 (insertion, deletion, substitution or adjacent swap). */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (a.length === b.length) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true;
    return a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  }
  return a.length > b.length ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

export interface Correction {
  readonly start: number;
  readonly end: number;
  readonly replacement: string;
}

/** FNV-1a hashes of the key words themselves: a token with one of these hashes is (almost surely) not a typo. */
export const KEYWORD_HASHES: ReadonlySet<number> = new Set(
  [...KEYSET].map((k) => {
    let h = 0x811c9dc5;
    for (let i = 0; i < k.length; i++) h = Math.imul(h ^ k.charCodeAt(i), 0x01000193);
    return h >>> 0;
  }),
);

// Cheap prefilters on char codes, so that only plausible tokens are ever sliced.
const MAX_KEY = 20;
const firstLetter = new Uint8Array(128);
const lenLast = new Uint8Array((MAX_KEY + 2) << 8); // [(length << 8) | last char code] = 1, for typoglycemia
const fuzzyLen = new Uint8Array(128 << 8); // [(first char code << 8) | length] = 1, for one-edit matches
for (const k of KEYSET) {
  const f = k.charCodeAt(0);
  firstLetter[f] = 1;
  lenLast[(k.length << 8) | k.charCodeAt(k.length - 1)] = 1;
  if (k.length >= MIN_FUZZY_LENGTH) for (const d of [-1, 0, 1]) fuzzyLen[(f << 8) | (k.length + d)] = 1;
}

/** The key word that the token view[start, end) scrambles or misspells, if any (the token itself excluded). */
export function typoAt(view: string, start: number, end: number): string | undefined {
  const len = end - start;
  if (len < 4 || len > MAX_KEY) return undefined;
  const f = view.charCodeAt(start);
  if (f >= 128 || firstLetter[f] !== 1) return undefined;
  const last = view.charCodeAt(end - 1);
  const typo = last < 256 && lenLast[(len << 8) | last] === 1;
  const fuzzy = len >= MIN_FUZZY_LENGTH && fuzzyLen[(f << 8) | len] === 1;
  if (!typo && !fuzzy) return undefined;
  const token = view.slice(start, end);
  // Tokens repeat (prose is Zipf-distributed, adversarial input more so): results are memoised per token.
  const memo = typoMemo.get(token);
  if (memo !== undefined) return memo === '' ? undefined : memo;
  const key = typoOf(token, fuzzy);
  if (typoMemo.size >= MAX_MEMO) typoMemo.clear();
  typoMemo.set(token, key ?? '');
  return key;
}

const MAX_MEMO = 4096;
/** token → key word it scrambles, or '' for none. `fuzzy` is a function of the token, so the memo is exact. */
const typoMemo = new Map<string, string>();

function typoOf(token: string, fuzzy: boolean): string | undefined {
  if (KEYSET.has(token)) return undefined;
  let inner: string | undefined;
  const tokenInner = () => (inner ??= sortInner(token));
  for (const key of byFirst.get(token[0] ?? '') ?? []) {
    if (
      isTypoglycemia(token, key, tokenInner) ||
      (key.length >= MIN_FUZZY_LENGTH && fuzzy && withinOneEdit(token, key))
    )
      return key;
  }
  return undefined;
}
