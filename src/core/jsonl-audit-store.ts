/**
 * The embedded audit store: audit.jsonl, one line per audited event, opened append-only (lines are never
 * rewritten) with mode 0600. Appends queue in memory and one writer drains the queue in order, a batch per write
 * followed by one fdatasync, so the event loop never waits for the disk and lines keep the order of the calls.
 * `close()` writes everything still queued before the file is closed.
 */
import { closeSync, constants, fdatasync, fstatSync, openSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { bulwarkError, describeCause, type BulwarkError } from './errors.js';
import type { AuditStore } from './audit.js';
import { err, ok, type Result } from './result.js';
import { DEFAULT_AUDIT_ROTATION, shiftRotated, type RotationPolicy } from './rotating-file.js';
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

function openAppend(file: string): number {
  return openSync(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
}
