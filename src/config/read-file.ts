/**
 * Bounded reads of operator files (config.yaml, .env imports): only a regular file is read, never more than
 * the limit. A symlink to /dev/zero, a FIFO or a directory is refused up front instead of being read forever
 * (or, for a FIFO without a writer, blocking in open), unless the caller asks for pipes.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';

function kindOf(st: ReturnType<typeof fstatSync>): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

function limitText(bytes: number): string {
  return bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MB` : `${bytes} bytes`;
}

export interface BoundedReadOptions {
  /**
   * Also read a FIFO or pipe (e.g. `<(sops -d .env)` or `/dev/stdin` fed by a pipe), blocking until its writer
   * closes it, still never past the limit. Devices, directories and sockets stay refused.
   */
  readonly allowPipe?: boolean;
}

function openForRead(file: string, prefix: string, opts: BoundedReadOptions): Result<number, BulwarkError> {
  try {
    if (opts.allowPipe && statSync(file).isFIFO()) return ok(openSync(file, constants.O_RDONLY | constants.O_NOCTTY));
    return ok(openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return err(bulwarkError(`${prefix}.missing`, `${file} does not exist`));
    return err(bulwarkError(`${prefix}.unreadable`, `cannot read ${file}: ${describeCause(cause)}`));
  }
}

/**
 * The UTF-8 text of `file`, at most `maxBytes`. Error codes: `<prefix>.missing` (ENOENT, so callers can
 * fall back to defaults), `<prefix>.not_file`, `<prefix>.too_large`, `<prefix>.encoding`, `<prefix>.unreadable`.
 */
export function readTextFileBounded(
  file: string,
  maxBytes: number,
  prefix: string,
  opts: BoundedReadOptions = {},
): Result<string, BulwarkError> {
  const opened = openForRead(file, prefix, opts);
  if (!opened.ok) return opened;
  const fd = opened.value;
  try {
    const st = fstatSync(fd);
    const pipe = opts.allowPipe === true && st.isFIFO();
    if (!st.isFile() && !pipe)
      return err(
        bulwarkError(`${prefix}.not_file`, `${file} is ${kindOf(st)}, not a regular file; point it at a regular file`),
      );
    if (st.size > maxBytes)
      return err(
        bulwarkError(`${prefix}.too_large`, `${file} is larger than ${limitText(maxBytes)} (${st.size} bytes)`),
      );
    // One byte more than allowed tells a file that grew after the stat from one that is exactly at the limit.
    const buf = Buffer.alloc(maxBytes + 1);
    let total = 0;
    for (;;) {
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
      if (total > maxBytes)
        return err(bulwarkError(`${prefix}.too_large`, `${file} is larger than ${limitText(maxBytes)}`));
    }
    try {
      return ok(new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, total)));
    } catch (cause) {
      return err(bulwarkError(`${prefix}.encoding`, `${file} is not valid UTF-8 text (${describeCause(cause)})`));
    }
  } catch (cause) {
    return err(bulwarkError(`${prefix}.unreadable`, `cannot read ${file}: ${describeCause(cause)}`));
  } finally {
    closeSync(fd);
  }
}
