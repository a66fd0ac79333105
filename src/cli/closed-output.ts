/**
 * A closed stdout (the reader of `bulwark … | head -3` went away) ends the command quietly with exit code 0, as
 * other Unix tools do, instead of an EPIPE stack trace. Writes after the close are dropped; a command with something
 * to shut down (the daemon) registers its own handler, otherwise the process exits at once.
 */
import type { Writable } from 'node:stream';

const CLOSED_CODES = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

export interface GuardedOutput {
  /** Writes unless the stream is closed. */
  write(text: string): void;
  readonly closed: boolean;
}

/**
 * Watches `stream` for the reader going away: `onClosed` runs once. Any other write error is reported through
 * `onError` (never swallowed).
 */
export function guardOutput(stream: Writable, onClosed: () => void, onError: (error: Error) => void): GuardedOutput {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== undefined && CLOSED_CODES.has(error.code)) {
      if (closed) return;
      closed = true;
      onClosed();
      return;
    }
    onError(error);
  });
  return {
    write: (text) => {
      if (!closed) stream.write(text);
    },
    get closed() {
      return closed;
    },
  };
}
