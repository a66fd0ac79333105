/**
 * Low-entropy filler in an egress candidate (L08.1): a key padded or interleaved with a repeated character (`AAAA`
 * between pieces of its base64, an `x` between its letters) has fewer bits per character than the key alone, under
 * the candidate threshold. The filler is taken out for a second look: runs of one character repeated three times or
 * more, then a character that alone still makes up a third or more of what is left. Ordinary tokens rarely hold
 * either, and a token that is all filler leaves too little to be judged.
 */

/** Shortest run of one character taken out as filler. */
const MIN_RUN = 3;
/** A character that makes up this share of a token after the runs are out is filler too. */
const DOMINANT_SHARE = 1 / 3;

/** `token` without its filler, or undefined when it has none. */
export function withoutFiller(token: string): string | undefined {
  const chars = [...token];
  let kept: string[] = [];
  for (let i = 0; i < chars.length;) {
    let j = i + 1;
    while (j < chars.length && chars[j] === chars[i]) j++;
    if (j - i < MIN_RUN) for (let k = i; k < j; k++) kept.push(chars[k] as string);
    i = j;
  }
  const counts = new Map<string, number>();
  for (const c of kept) counts.set(c, (counts.get(c) ?? 0) + 1);
  let top = '';
  let most = 0;
  for (const [c, n] of counts)
    if (n > most) {
      top = c;
      most = n;
    }
  if (kept.length > 0 && most >= kept.length * DOMINANT_SHARE) kept = kept.filter((c) => c !== top);
  return kept.length < chars.length ? kept.join('') : undefined;
}
