/**
 * An append-only file that rotates by size: once it reaches `maxBytes`, `file` becomes `file.1` (`file.1` becomes
 * `file.2`, …, and the oldest beyond `keep` is deleted) and a new `file` starts. So a log's total size is bounded by
 * about (keep + 1) × maxBytes, whatever is written to it. The size is read from the file itself after each write,
 * so lines other processes append (the CLI writes audit lines too) count as well. Files are created 0600.
 */
import { closeSync, constants, fstatSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';

export interface RotationPolicy {
  /** Rotate once the file reaches this many bytes. */
  readonly maxBytes: number;
  /** Rotated files kept (file.1 … file.keep). */
  readonly keep: number;
}

export const DEFAULT_LOG_ROTATION: RotationPolicy = { maxBytes: 10 * 1024 * 1024, keep: 5 };
export const DEFAULT_AUDIT_ROTATION: RotationPolicy = { maxBytes: 50 * 1024 * 1024, keep: 10 };

export function rotatedPath(file: string, n: number): string {
  return `${file}.${n}`;
}

export class RotatingFile {
  private fd: number | undefined;

  constructor(
    readonly file: string,
    private readonly policy: RotationPolicy,
    /** fsync after every write (the audit log). */
    private readonly durable = false,
  ) {}

  /** Opens (creating) the file now; writes open it on their own. */
  open(): number {
    this.fd ??= openSync(this.file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
    return this.fd;
  }

  /** Appends `text` (whole lines), then rotates when the file has reached its size. */
  write(text: string): void {
    const fd = this.open();
    writeSync(fd, text);
    if (this.durable) fsyncSync(fd);
    if (fstatSync(fd).size >= this.policy.maxBytes) this.rotate();
  }

  /** Moves file → file.1 → … → file.keep (dropping the oldest) and starts a new file. */
  rotate(): void {
    this.close();
    shiftRotated(this.file, this.policy.keep);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** file → file.1 → … → file.keep, the oldest beyond `keep` deleted; the caller reopens `file`. */
export function shiftRotated(file: string, keep: number): void {
  unlinkIfPresent(rotatedPath(file, keep));
  for (let n = keep - 1; n >= 1; n--) renameIfPresent(rotatedPath(file, n), rotatedPath(file, n + 1));
  renameIfPresent(file, rotatedPath(file, 1));
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (cause) {
    // Another process rotated first, or there is no such file yet: nothing to move.
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
  }
}

function unlinkIfPresent(file: string): void {
  try {
    unlinkSync(file);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
  }
}
