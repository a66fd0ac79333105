/**
 * The hash an operator's approval of a held effect set is bound to: the command, its working directory and every
 * change with the hash of its new content. Applying checks the retained upper layer still gives this hash.
 *
 * The contents are read asynchronously: a held run may carry up to the write quota (L11.8) of new bytes, and the
 * daemon goes on serving other sessions while it hashes them.
 */
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { nestedPath } from '../../core/index.js';
import type { EffectSet } from './types.js';

const CHUNK = 1024 * 1024;

async function fileDigest(abs: string, buf: Buffer): Promise<string> {
  const h = createHash('sha256');
  const fh = await open(abs, 'r');
  try {
    for (let r = await fh.read(buf, 0, CHUNK); r.bytesRead > 0; r = await fh.read(buf, 0, CHUNK))
      h.update(buf.subarray(0, r.bytesRead));
  } finally {
    await fh.close();
  }
  return h.digest('hex');
}

export async function effectSetHash(command: string, cwd: string, set: EffectSet, upper: string): Promise<string> {
  const buf = Buffer.alloc(CHUNK);
  const changes = [];
  for (const e of set.effects)
    changes.push({
      path: e.path,
      change: e.change,
      from: e.from ?? null,
      bytes: e.bytes,
      mode: e.mode ?? null,
      link: e.linkTarget ?? null,
      before: e.before ? [e.before.ino, e.before.size, e.before.mtimeMs] : null,
      content:
        e.change === 'created' || e.change === 'modified' || e.modified
          ? await fileDigest(nestedPath(upper, e.path), buf)
          : null,
    });
  return createHash('sha256')
    .update(JSON.stringify({ v: 1, tool: 'exec', command, cwd, changes }))
    .digest('hex');
}
