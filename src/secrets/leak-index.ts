/**
 * The leak index (DESIGN §3 "secrets are values the system knows"): every secret value handed out is
 * registered with its encoded forms; `scan` finds any of them in one linear pass (Aho-Corasick),
 * whatever the number of secrets. Values are held in memory only, never written anywhere.
 */
import type { LeakHit, LeakScanner } from '../core/leak.js';
import { MultiMatcher } from '../text/multi-match.js';
import { redactLeakHits } from '../text/leak-redact.js';
import { encodedForms, type LeakEncoding } from './encodings.js';

interface Entry {
  readonly secretName: string;
  readonly encoding: LeakEncoding;
}

export class LeakIndex implements LeakScanner {
  /** form text → who it belongs to (first registration wins for a shared form). */
  private readonly forms = new Map<string, Entry>();
  /** Values already registered, by name, so re-registering is cheap. */
  private readonly registered = new Map<string, Set<string>>();
  private matcher: MultiMatcher | undefined;
  private patterns: string[] = [];
  private entries: Entry[] = [];

  /**
   * Registers a value under a secret name. Previous values of the same name stay registered: an old
   * value that leaks is still a leak. Returns false when the value is too short to be indexed.
   */
  register(secretName: string, value: string): boolean {
    const known = this.registered.get(secretName) ?? new Set<string>();
    if (known.has(value)) return true;
    const forms = encodedForms(value);
    if (!forms.some((f) => f.encoding === 'raw')) return false;
    known.add(value);
    this.registered.set(secretName, known);
    for (const f of forms) {
      if (!this.forms.has(f.text)) {
        this.forms.set(f.text, { secretName, encoding: f.encoding });
        this.matcher = undefined;
      }
    }
    return true;
  }

  /** Number of distinct indexed forms. */
  get size(): number {
    return this.forms.size;
  }

  scan(text: string): readonly LeakHit[] {
    if (this.forms.size === 0 || text.length === 0) return [];
    const matcher = this.compiled();
    const hits: LeakHit[] = [];
    matcher.forEachMatch(text, (pattern, start, end) => {
      const e = this.entries[pattern] as Entry;
      hits.push({ start, end, secretName: e.secretName, encoding: e.encoding });
    });
    return hits;
  }

  /** Replaces every indexed form in `text` with `[REDACTED:<name>]`; overlapping hits are merged. */
  redact(text: string): { text: string; hits: readonly LeakHit[] } {
    const hits = this.scan(text);
    return { text: hits.length ? redactSpans(text, hits) : text, hits };
  }

  private compiled(): MultiMatcher {
    if (!this.matcher) {
      this.patterns = [...this.forms.keys()];
      this.entries = this.patterns.map((p) => this.forms.get(p) as Entry);
      this.matcher = new MultiMatcher(this.patterns);
    }
    return this.matcher;
  }
}

/** Replaces the union of the hit spans with one `[REDACTED:<name>]` per merged span. */
export const redactSpans = redactLeakHits;
