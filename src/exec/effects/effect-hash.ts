/**
 * The hash an operator's approval of a held effect set is bound to: the command, its working directory and every
 * change with the hash of its new content. Applying checks the retained upper layer still gives this hash.
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { nestedPath } from '../../core/index.js';
import type { EffectSet } from './types.js';

function fileDigest(abs: string): string {
  const h = createHash('sha256');
  const fd = openSync(abs, 'r');
  try {
    const buf = Buffer.alloc(1024 * 1024);
    for (let n = readSync(fd, buf); n > 0; n = readSync(fd, buf)) h.update(buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

export function effectSetHash(command: string, cwd: string, set: EffectSet, upper: string): string {
  const changes = set.effects.map((e) => ({
    path: e.path,
    change: e.change,
    from: e.from ?? null,
    bytes: e.bytes,
    mode: e.mode ?? null,
    link: e.linkTarget ?? null,
    before: e.before ? [e.before.ino, e.before.size, e.before.mtimeMs] : null,
    content:
      e.change === 'created' || e.change === 'modified' || e.modified ? fileDigest(nestedPath(upper, e.path)) : null,
  }));
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, tool: 'exec', command, cwd, changes }))
    .digest('hex');
}
