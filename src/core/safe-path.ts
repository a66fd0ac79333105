/**
 * The one module allowed to build filesystem paths (lint bans path.join/path.resolve elsewhere).
 *
 * - `safePath(root, untrusted)` confines a user- or model-supplied path to `root`: NUL bytes,
 *   absolute paths and `..` escapes are refused, and symlinks are resolved so a link that points
 *   out of the root is refused too.
 * - `childPath(base, ...names)` appends fixed, code-chosen names (e.g. "audit.jsonl") to a trusted
 *   base; a name with a separator or `..` is refused, so it cannot be abused for untrusted input.
 */
import { realpathSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { err, ok, type Result } from './result.js';
import { bulwarkError, type BulwarkError } from './errors.js';

function pathError(code: string, message: string): BulwarkError {
  return bulwarkError(code, message, { status: 400 });
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Real path of the deepest existing ancestor of `p`, with the not-yet-existing tail appended. */
function realpathOfExistingPrefix(p: string): string {
  const tail: string[] = [];
  let current = p;
  for (;;) {
    try {
      lstatSync(current);
      const real = realpathSync(current);
      return tail.length ? path.join(real, ...tail.reverse()) : real;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      const parent = path.dirname(current);
      if (parent === current) return p;
      tail.push(path.basename(current));
      current = parent;
    }
  }
}

export function safePath(root: string, untrusted: string): Result<string, BulwarkError> {
  if (typeof untrusted !== 'string' || untrusted.length === 0) {
    return err(pathError('path.empty', 'path must be a non-empty string'));
  }
  if (untrusted.includes('\0')) return err(pathError('path.nul', 'path contains a NUL byte'));
  if (untrusted.length > 4096) return err(pathError('path.too_long', 'path is longer than 4096 characters'));
  if (path.isAbsolute(untrusted) || /^[a-zA-Z]:[\\/]/.test(untrusted) || untrusted.startsWith('\\')) {
    return err(pathError('path.absolute', `absolute paths are not allowed: use a path relative to the workspace`));
  }
  let realRoot: string;
  try {
    realRoot = realpathSync(root);
  } catch {
    return err(pathError('path.no_root', 'the workspace does not exist'));
  }
  const lexical = path.resolve(realRoot, untrusted);
  if (!isInside(realRoot, lexical)) {
    return err(pathError('path.escape', `path "${untrusted}" leaves the workspace`));
  }
  let real: string;
  try {
    real = realpathOfExistingPrefix(lexical);
  } catch {
    return err(pathError('path.unreadable', `path "${untrusted}" cannot be resolved`));
  }
  if (!isInside(realRoot, real)) {
    return err(
      pathError('path.symlink_escape', `path "${untrusted}" resolves through a symlink to outside the workspace`),
    );
  }
  return ok(real);
}

export function childPath(base: string, ...names: string[]): string {
  for (const n of names) {
    if (n === '' || n === '.' || n === '..' || n.includes('/') || n.includes('\\') || n.includes('\0')) {
      throw new RangeError(`childPath: "${n}" is not a plain file name`);
    }
  }
  return path.join(base, ...names);
}

/**
 * A path below `base` from a relative, '/'-separated path whose every part is a plain name (as exec effects and the
 * journal record them). Throws RangeError on '', '.', '..' or a backslash in any part.
 */
export function nestedPath(base: string, rel: string): string {
  return rel === '' ? base : childPath(base, ...rel.split('/'));
}

/** Absolute form of an operator-supplied path (config, CLI flags), relative to `cwd`. */
export function absoluteFrom(cwd: string, operatorPath: string): string {
  return path.resolve(cwd, operatorPath);
}

export function relativeTo(root: string, p: string): string {
  return path.relative(root, p);
}
