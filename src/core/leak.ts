/**
 * Interface of the leak index (implemented in src/secrets/): every secret value the system knows,
 * in its encoded forms. Lower rooms (guards, logging) depend on this interface, not on the vault.
 */
export interface LeakHit {
  /** Offsets in the scanned text. */
  readonly start: number;
  readonly end: number;
  /** Name of the secret whose value (in some encoding) was found; never the value itself. */
  readonly secretName: string;
  /** raw, case-folded, base64, base64url, base32, hex, url, json, reversed, rot13, spaced, partial, char-codes */
  readonly encoding: string;
}

export interface LeakScanner {
  scan(text: string): readonly LeakHit[];
  /**
   * For streams: the earliest offset of `text` from which a known value may still be completed, in any
   * form `scan` finds, by text appended later; text.length when none. Every way `scan` reads a form (an
   * encoding, a pass that drops separators, joins lines or folds case) must be covered, or a stream would
   * release the first characters of a form before the rest arrives.
   */
  openFrom(text: string): number;
}

export const EMPTY_LEAK_SCANNER: LeakScanner = { scan: () => [], openFrom: (text) => text.length };
