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
}

export const EMPTY_LEAK_SCANNER: LeakScanner = { scan: () => [] };
