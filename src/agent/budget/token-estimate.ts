/**
 * L21's after-the-call estimate of how many tokens a text is, counted whenever the provider reports less. It is meant
 * to be honest but never above what byte-pair tokenizers produce for the same text (the fewer of cl100k and o200k,
 * measured per kind of text by `npm run eval -- token-estimate`), so an honest provider's figures stay at or above
 * it, and to stay above half of it (what a provider that reports nothing is still counted for):
 *  - a word (a run without whitespace) is at least one token — tokenizers split on spaces before merging;
 *  - ASCII letters 6 per token (a common word is one token however long; English averages 4–5 characters per
 *    token with its spaces), digits 3 (numbers are cut in groups of up to three), punctuation 3 (`":"`, `);` merge);
 *  - a run of 16+ characters that reads as encoded or random (base64, hex, keys: letters and digits mixed, or both
 *    cases, nearly no punctuation) 2.2 characters per token: such text merges poorly (1.7–1.9 measured);
 *  - CJK, kana and Hangul ~0.6 tokens per character, other letters (Cyrillic, Greek, Arabic, Devanagari…, accented
 *    Latin) 6 per token as o200k reads them (cl100k needs about twice as many), emoji and other symbols one each;
 *  - a letter or digit repeating the one before it 1/8 (`AAAA`), punctuation repeating itself 1/64 (80 `=` are one
 *    token);
 *  - whitespace is free (it merges into the next word), a line break a quarter token, one right after another 1/16.
 * Only content is counted (text, tool names, arguments, definitions), never the wire's JSON framing.
 */
const LETTER = 1 / 6;
const DIGIT = 1 / 3;
const PUNCT = 1 / 3;
const ENCODED = 1 / 2.2;
const IDEOGRAPH = 0.6;
const OTHER_LETTER = 1 / 6;
const SYMBOL = 1;
const LINE_BREAK = 1 / 4;
/** A line break right after another (blank lines merge into one token). */
const MORE_LINE_BREAK = 1 / 16;
const REPEAT = 1 / 8;
/** Punctuation repeating itself merges much further (`====…` of 80 is one token). */
const PUNCT_REPEAT = 1 / 64;
/** A run at least this long may be judged encoded. */
const ENCODED_MIN_RUN = 16;

const IDEOGRAPHIC = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}]/u;
const LETTER_OR_MARK = /[\p{L}\p{M}\p{N}]/u;
const MARK = /\p{M}/u;

/** Weight of one non-ASCII code point. */
function wide(cp: number): number {
  // The common blocks first (kana, CJK unified ideographs, Hangul syllables; Cyrillic): no regex per character.
  if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af))
    return IDEOGRAPH;
  if (cp >= 0x0410 && cp <= 0x044f) return OTHER_LETTER;
  const ch = String.fromCodePoint(cp);
  if (IDEOGRAPHIC.test(ch)) return IDEOGRAPH;
  if (MARK.test(ch)) return 0;
  if (LETTER_OR_MARK.test(ch)) return OTHER_LETTER;
  return SYMBOL;
}

/** Counts pieces of text pushed in any cut (a stream's deltas): the total does not depend on where text was cut. */
export class TokenEstimator {
  private total = 0;
  private runLength = 0;
  private upper = 0;
  private lower = 0;
  private digits = 0;
  private punct = 0;
  private wideWeight = 0;
  private repeats = 0;
  private punctRepeats = 0;
  private afterBreak = false;
  private previous = -1;
  private pendingHigh = 0;

  push(text: string): this {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        this.pendingHigh = 0;
        if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a || c === 0x0b || c === 0x0c) {
          this.endRun();
          if (c === 0x0a) {
            this.total += this.afterBreak ? MORE_LINE_BREAK : LINE_BREAK;
            this.afterBreak = true;
          }
          continue;
        }
        this.afterBreak = false;
        this.runLength++;
        if (c === this.previous) {
          const alnum = (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a);
          if (alnum) this.repeats++;
          else this.punctRepeats++;
          continue;
        }
        this.previous = c;
        if (c >= 0x41 && c <= 0x5a) this.upper++;
        else if (c >= 0x61 && c <= 0x7a) this.lower++;
        else if (c >= 0x30 && c <= 0x39) this.digits++;
        else this.punct++;
        continue;
      }
      if (c >= 0xd800 && c <= 0xdbff) {
        this.pendingHigh = c;
        continue;
      }
      let cp = c;
      if (c >= 0xdc00 && c <= 0xdfff && this.pendingHigh)
        cp = ((this.pendingHigh - 0xd800) << 10) + (c - 0xdc00) + 0x10000;
      this.pendingHigh = 0;
      this.afterBreak = false;
      if (cp === 0x85 || cp === 0xa0 || cp === 0x2028 || cp === 0x2029 || cp === 0x3000) {
        this.endRun();
        continue;
      }
      this.runLength++;
      if (cp === this.previous) {
        this.repeats++;
        continue;
      }
      this.previous = cp;
      this.wideWeight += wide(cp);
    }
    return this;
  }

  /** Tokens of everything pushed so far (the last run counted as it stands). */
  tokens(): number {
    return Math.ceil(this.total + this.runWeight());
  }

  private runWeight(): number {
    if (this.runLength === 0) return 0;
    const n = this.runLength - this.repeats - this.punctRepeats;
    const letters = this.upper + this.lower;
    const encoded =
      this.wideWeight === 0 &&
      n >= ENCODED_MIN_RUN &&
      this.punct * 10 <= n &&
      ((this.digits * 10 >= n && letters * 10 >= n) || (this.upper * 5 >= n && this.lower * 5 >= n));
    const weight = encoded
      ? n * ENCODED
      : letters * LETTER + this.digits * DIGIT + this.punct * PUNCT + this.wideWeight;
    return Math.max(1, weight + this.repeats * REPEAT + this.punctRepeats * PUNCT_REPEAT);
  }

  private endRun(): void {
    this.total += this.runWeight();
    this.runLength = this.upper = this.lower = this.digits = this.punct = this.repeats = this.punctRepeats = 0;
    this.wideWeight = 0;
    this.previous = -1;
  }
}

/** Estimated tokens of one piece of text (see the module comment). */
export function estimateTextTokens(text: string): number {
  return new TokenEstimator().push(text).tokens();
}
