/**
 * How the L01 classifier's concepts are addressed: the model is linear, so "ignore … instructions" weighs the same
 * in an article that shows it as an example as in a message that says it. This tracker, fed the same character and
 * word stream as the feature pass, labels each concept occurrence by where it stands — inside a code span or fence,
 * inside quotation marks or a quoted line, in a sentence that cites an example ("for example", "e.g.", "such as",
 * "attackers"), at the start of a sentence (an imperative to the reader), or elsewhere. The first three become
 * `concept × place` features, so the model can learn that a concept counts less where it is shown than where it is
 * said. It also names how far into the text the first sentence-leading concept is: an instruction to the model
 * opens a message; a document reaches its vocabulary in passing, deep inside.
 */
import { CONCEPT_NAMES } from './concepts.js';
import { hashWordUnit, WORD_OFFSET } from './word-units.js';

type Place = 'code' | 'quoted' | 'cited' | 'lead' | 'plain';
/** The places that make a feature: a concept leading its sentence or standing elsewhere in it adds nothing to
 * the concept feature itself (measured: doing so raised benign messages that use the same words, README). */
const SHOWN: readonly Place[] = ['code', 'quoted', 'cited'];

/** A concept within this many words of its sentence's start leads the sentence. */
const LEAD_WORDS = 3;

const hashWord = (word: string): number => {
  let h = WORD_OFFSET;
  for (let i = 0; i < word.length; i++) h = hashWordUnit(h, word.charCodeAt(i));
  return h >>> 0;
};

/** Words after which the rest of a sentence is an example, not an instruction. */
const CITES = new Set(
  [
    'example',
    'examples',
    'eg',
    'instance',
    'such',
    'attacker',
    'attackers',
    'adversary',
    'adversaries',
    'malicious',
    'phrase',
    'phrases',
    'technique',
    'techniques',
    'injection',
    'injections',
    'jailbreak',
    'jailbreaks',
  ].map(hashWord),
);
/** "e.g." reaches the word stream as the two words "e" and "g". */
const E = hashWord('e');
const G = hashWord('g');

const OPEN_QUOTES = new Set([0x201c, 0x201e, 0xab, 0x300c, 0x300e]);
const CLOSE_QUOTES = new Set([0x201d, 0xbb, 0x300d, 0x300f]);
const SENTENCE_ENDS = new Set([0x2e, 0x21, 0x3f, 0x3b, 0x0a, 0x3002, 0xff01, 0xff1f]);

export class AddressTracker {
  private readonly places = new Uint8Array(CONCEPT_NAMES.length);
  private quoted = false;
  private quotedLine = false;
  private inlineCode = false;
  private fence = false;
  private ticks = 0;
  private lineStart = true;
  private cited = false;
  private sentenceWords = 0;
  private words = 0;
  private previous = -1;
  private firstLead = -1;

  /** Every character of the window, before the feature pass folds it. */
  char(c: number): void {
    if (c === 0x60) {
      this.ticks++;
      this.lineStart = false;
      return;
    }
    if (this.ticks > 0) {
      if (this.ticks >= 3) this.fence = !this.fence;
      else if (this.ticks % 2 === 1) this.inlineCode = !this.inlineCode;
      this.ticks = 0;
    }
    // Letters and digits change nothing but the line start: the common case, kept cheap.
    if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a)) {
      this.lineStart = false;
      return;
    }
    if (this.lineStart && c === 0x3e) this.quotedLine = true;
    if (c !== 0x20 && c !== 0x09) this.lineStart = false;
    if (c === 0x22) this.quoted = !this.quoted;
    else if (OPEN_QUOTES.has(c)) this.quoted = true;
    else if (CLOSE_QUOTES.has(c)) this.quoted = false;
    if (c === 0x0a) {
      this.quoted = false;
      this.quotedLine = false;
      this.inlineCode = false;
      this.lineStart = true;
    }
    // "e.g." and "i.e." must not end the sentence they cite in.
    if (SENTENCE_ENDS.has(c) && !(c === 0x2e && this.previous === E) && !(c === 0x2e && this.previous === G)) {
      this.cited = false;
      this.sentenceWords = 0;
    }
  }

  /** Every word end, with the word's hash (as features.ts computes it), before its concepts are looked up. */
  word(w: number): void {
    this.words++;
    this.sentenceWords++;
    if (CITES.has(w) || (w === G && this.previous === E)) this.cited = true;
    this.previous = w;
  }

  /**
   * A concept found at the latest word, or (`unspaced`) inside a run of Chinese, Japanese, Korean or Thai text, where a
   * whole clause is one word of this stream: there it cannot be told to lead its sentence.
   */
  concept(k: number, unspaced = false): void {
    const place: Place =
      this.fence || this.inlineCode
        ? 'code'
        : this.quoted || this.quotedLine
          ? 'quoted'
          : this.cited
            ? 'cited'
            : this.sentenceWords <= LEAD_WORDS && !unspaced
              ? 'lead'
              : 'plain';
    if (place === 'lead') {
      if (this.firstLead < 0) this.firstLead = this.words;
    } else if (place !== 'plain') this.places[k] = (this.places[k] as number) | (1 << SHOWN.indexOf(place));
  }

  /** Feature names: `addr:<concept>:<place>` for each place a concept stood in, and `addr:first:<bucket>`. */
  signals(): string[] {
    const out: string[] = [];
    this.places.forEach((bits, k) => {
      SHOWN.forEach((p, i) => {
        if (bits & (1 << i)) out.push(`addr:${CONCEPT_NAMES[k]}:${p}`);
      });
    });
    if (this.firstLead >= 0)
      out.push(`addr:first:${this.firstLead <= 8 ? 0 : this.firstLead <= 40 ? 1 : this.firstLead <= 200 ? 2 : 3}`);
    return out;
  }
}
