/**
 * What every store behind the storage seam shares, whatever its backend: how a storage failure reaches a caller
 * (a rejected Promise carrying a `BulwarkFailure` whose message names the store and the fix) and the rule for text
 * that is not valid Unicode (each lone surrogate is stored as U+FFFD, so every backend returns the same string).
 *
 * The seam: the rooms declare the interfaces (agent: SessionStore, agent/budget: UsageStore, policy: ApprovalStore,
 * core: AuditStore); the composition root (src/stores.ts) opens one backend's implementations of all of them.
 * Outcomes a caller must handle (an unknown session, a request that is no longer pending) are `Result`s;
 * a store that cannot do its job (disk, corruption, closed) rejects.
 */
import { bulwarkError, type BulwarkError } from './errors.js';
import { BulwarkFailure } from './result.js';

/** A storage failure as a rejection: `error.code` starts with `store.`. */
export function storeFailure(code: string, message: string): BulwarkFailure {
  return new BulwarkFailure(bulwarkError(code, message, { status: 500 }));
}

export function storeClosed(store: string): BulwarkFailure {
  return storeFailure('store.closed', `the ${store} store is closed: nothing more can be read or written through it`);
}

/** The error a store rejected with, when it is one of ours. */
export function storeErrorOf(cause: unknown): BulwarkError | undefined {
  return cause instanceof BulwarkFailure ? cause.error : undefined;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** `text` with each lone surrogate (which no UTF-8 store can hold) replaced by U+FFFD. */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}
