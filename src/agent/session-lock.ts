/**
 * One turn at a time per session (in-process: the daemon is one process). A second turn on a busy
 * session queues behind the running one, for a bounded time and up to a bounded queue length;
 * past either bound it gets `session.busy` (HTTP 409) and can retry. Different sessions never wait
 * for each other.
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';

/** Turns that may wait behind the running one on a single session. */
export const MAX_SESSION_WAITERS = 4;

export type ReleaseSession = () => void;

interface Waiter {
  readonly grant: () => void;
}

interface Held {
  readonly waiters: Waiter[];
}

export interface AcquireOptions {
  /** Longest wait for the session, in ms. */
  readonly waitMs: number;
  /** The caller went away: stop waiting. */
  readonly signal?: AbortSignal;
}

export class SessionLocks {
  private readonly held = new Map<string, Held>();

  constructor(private readonly maxWaiters = MAX_SESSION_WAITERS) {}

  /** Resolves with a release function once this caller holds the session; call it exactly once. */
  acquire(sessionId: string, options: AcquireOptions): Promise<Result<ReleaseSession, BulwarkError>> {
    const entry = this.held.get(sessionId);
    if (!entry) {
      this.held.set(sessionId, { waiters: [] });
      return Promise.resolve(ok(this.releaser(sessionId)));
    }
    if (options.signal?.aborted) return Promise.resolve(err(cancelled(sessionId)));
    if (entry.waiters.length >= this.maxWaiters)
      return Promise.resolve(err(busy(sessionId, `${entry.waiters.length} more turns are already waiting for it`)));

    return new Promise((resolve) => {
      const leave = (): void => {
        const i = entry.waiters.indexOf(waiter);
        if (i >= 0) entry.waiters.splice(i, 1);
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter = {
        grant: () => {
          leave();
          resolve(ok(this.releaser(sessionId)));
        },
      };
      const timer = setTimeout(() => {
        leave();
        resolve(err(busy(sessionId, `it stayed busy for ${options.waitMs} ms`)));
      }, options.waitMs);
      timer.unref();
      const onAbort = (): void => {
        leave();
        resolve(err(cancelled(sessionId)));
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      entry.waiters.push(waiter);
    });
  }

  /** Sessions with a running turn (for tests and status). */
  get busySessions(): number {
    return this.held.size;
  }

  private releaser(sessionId: string): ReleaseSession {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const entry = this.held.get(sessionId);
      if (!entry) return;
      const next = entry.waiters[0];
      // The session passes straight to the next waiter, so no newcomer can slip in between.
      if (next) next.grant();
      else this.held.delete(sessionId);
    };
  }
}

function busy(sessionId: string, why: string): BulwarkError {
  return bulwarkError(
    'session.busy',
    `another turn is still running on session ${sessionId} and ${why}; retry when it has finished`,
    { status: 409 },
  );
}

function cancelled(sessionId: string): BulwarkError {
  return bulwarkError('session.wait_cancelled', `the turn was cancelled while it waited for session ${sessionId}`);
}
