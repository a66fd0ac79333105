/**
 * How a contract suite gets a store to test: any backend passes the same suites (test/stores/*.contract.ts).
 * A PostgreSQL adapter would add one `describe` per store in its own test file with its own `open`.
 */
export interface StoreSubject<S> {
  readonly store: S;
  /** The same data through a new handle (a daemon restart). */
  reopen(): Promise<S>;
  /** Releases everything `open` made (files, connections). */
  close(): Promise<void>;
}

export type OpenSubject<S> = () => Promise<StoreSubject<S>>;

/** An error a store rejected with: the `BulwarkError` inside the failure. */
export async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (cause) {
    const e = (cause as { error?: { code: string; message: string } }).error;
    if (e) return e;
    throw new Error(`rejected without a BulwarkError: ${String(cause)}`, { cause });
  }
  throw new Error('expected a rejection, but the call succeeded');
}

/** Text with lone surrogates (which UTF-8 cannot hold) and what every store gives back for it. */
export const NOT_UNICODE = { stored: 'a\uD800b\uDC00c \u{1F600}', read: 'a\uFFFDb\uFFFDc \u{1F600}' };
