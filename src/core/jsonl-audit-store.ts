/**
 * The embedded audit store: audit.jsonl, one line per audited event, opened append-only (lines are never
 * rewritten) with mode 0600. Appends queue in memory and one writer drains the queue in order, a batch per write
 * followed by one fdatasync, so the event loop never waits for the disk and lines keep the order of the calls.
 * `close()` writes everything still queued before the file is closed.
 */
import { closeSync, constants, existsSync, fdatasync, fstatSync, openSync, write } from 'node:fs';
import { open as openFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { bulwarkError, describeCause, type BulwarkError } from './errors.js';
import { MAX_RECENT_AUDIT_BYTES, MAX_RECENT_AUDIT_LINES, type AuditStore } from './audit.js';
import { err, ok, type Result } from './result.js';
import { DEFAULT_AUDIT_ROTATION, rotatedPath, shiftRotated, type RotationPolicy } from './rotating-file.js';
import { storeClosed, storeFailure } from './store.js';

const writeAsync = promisify(write);
const datasyncAsync = promisify(fdatasync);

/** Bytes written per batch at most (one write call, one fdatasync). */
const MAX_BATCH_BYTES = 1024 * 1024;

interface Pending {
  readonly bytes: Buffer;
  readonly resolve: () => void;
  readonly reject: (cause: unknown) => void;
}

export class JsonlAuditStore implements AuditStore {
  private fd: number | undefined;
  private readonly queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  /** Settles after the most recent append has been written (or has failed). */
  private last: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string,
    fd: number,
    private readonly rotation: RotationPolicy,
  ) {
    this.fd = fd;
  }

  /**
   * Opens (creating it 0600 if needed) the file for appending; a file that cannot be opened is an error now. Once it
   * reaches `rotation.maxBytes` it becomes audit.jsonl.1 (… up to `keep` files) and a new one starts.
   */
  static open(file: string, rotation: RotationPolicy = DEFAULT_AUDIT_ROTATION): Result<JsonlAuditStore, BulwarkError> {
    try {
      return ok(new JsonlAuditStore(file, openAppend(file), rotation));
    } catch (cause) {
      return err(
        bulwarkError(
          'store.unavailable',
          `cannot open the audit log ${file} for appending (${describeCause(cause)}): check that the data dir exists and belongs to the user bulwark runs as`,
        ),
      );
    }
  }

  append(line: string): Promise<void> {
    if (this.closing) return Promise.reject(storeClosed('audit'));
    if (/[\r\n]/.test(line))
      return Promise.reject(
        storeFailure(
          'store.bad_input',
          'an audit line must be one JSON object on one line: a line break would let one event write a second, forged line',
        ),
      );
    const done = new Promise<void>((resolve, reject) => {
      this.queue.push({ bytes: Buffer.from(`${line}\n`, 'utf8'), resolve, reject });
    });
    this.last = done.then(
      () => undefined,
      () => undefined,
    );
    this.draining ??= this.drain();
    return done;
  }

  flush(): Promise<void> {
    return this.last;
  }

  /**
   * Reads backwards from the end of audit.jsonl, and of audit.jsonl.1 when that is not enough, at most
   * MAX_RECENT_AUDIT_BYTES in all; a line cut by that bound is left out, never returned in part.
   */
  async recent(limit: number): Promise<string[]> {
    const want = Math.max(0, Math.min(MAX_RECENT_AUDIT_LINES, Math.floor(limit)));
    if (want === 0) return [];
    await this.last;
    let budget = MAX_RECENT_AUDIT_BYTES;
    const out: string[] = [];
    for (const file of [this.file, rotatedPath(this.file, 1)]) {
      if (out.length >= want || budget <= 0 || !existsSync(file)) continue;
      try {
        const { lines, bytesRead } = await tailLines(file, budget, want - out.length);
        out.unshift(...lines);
        budget -= bytesRead;
      } catch (cause) {
        throw storeFailure(
          'store.io',
          `reading the audit log ${file} failed (${describeCause(cause)}): check that it belongs to the user bulwark runs as`,
        );
      }
    }
    return out;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.last;
      if (this.fd !== undefined) closeSync(this.fd);
      this.fd = undefined;
    })();
    return this.closing;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.writeAll(Buffer.concat(batch.map((p) => p.bytes)));
          for (const p of batch) p.resolve();
        } catch (cause) {
          const failure = storeFailure(
            'store.io',
            `writing the audit log ${this.file} failed (${describeCause(cause)}): check the free space and health of the disk that holds the data dir`,
          );
          for (const p of batch) p.reject(failure);
        }
      }
    } finally {
      this.draining = undefined;
    }
  }

  private takeBatch(): Pending[] {
    let bytes = 0;
    let n = 0;
    while (n < this.queue.length && (n === 0 || bytes + (this.queue[n] as Pending).bytes.length <= MAX_BATCH_BYTES)) {
      bytes += (this.queue[n] as Pending).bytes.length;
      n++;
    }
    return this.queue.splice(0, n);
  }

  private async writeAll(buffer: Buffer): Promise<void> {
    const fd = this.fd;
    if (fd === undefined) throw new Error('the file is closed');
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesWritten } = await writeAsync(fd, buffer, offset, buffer.length - offset);
      offset += bytesWritten;
    }
    await datasyncAsync(fd);
    // Bounded on disk: past its size the file rotates (lines other processes appended count too).
    if (fstatSync(fd).size >= this.rotation.maxBytes) {
      closeSync(fd);
      this.fd = undefined;
      shiftRotated(this.file, this.rotation.keep);
      this.fd = openAppend(this.file);
    }
  }
}

/** The last `max` whole lines of `file`, reading at most `budget` bytes from its end. */
async function tailLines(file: string, budget: number, max: number): Promise<{ lines: string[]; bytesRead: number }> {
  const handle = await openFile(file, 'r');
  try {
    const size = (await handle.stat()).size;
    const start = Math.max(0, size - budget);
    const buffer = Buffer.alloc(size - start);
    let read = 0;
    while (read < buffer.length) {
      const { bytesRead } = await handle.read(buffer, read, buffer.length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const parts = buffer.subarray(0, read).toString('utf8').split('\n');
    // The text before the first line break is part of a line that began before what was read.
    if (start > 0) parts.shift();
    const lines = parts.filter((l) => l.length > 0);
    return { lines: lines.slice(-max), bytesRead: read };
  } finally {
    await handle.close();
  }
}

function openAppend(file: string): number {
  return openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
}
