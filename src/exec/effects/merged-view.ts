/**
 * The workspace as it would be after applying a run's upper layer, read without applying it: what the
 * host-executed judge looks at (a directory becoming a git directory, a config file's full content).
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { nestedPath } from '../../core/safe-path.js';
import type { ResultView } from './host-executed-stub.js';
import type { UpperDir, UpperEntry } from './types.js';
import { join } from './upper-scan.js';

/** Largest file the view reads for a judge. */
const READ_MAX = 1024 * 1024;

type Where = { readonly layer: 'upper' | 'lower'; readonly rel: string; readonly dir?: UpperDir } | undefined;

export function mergedView(root: UpperDir, upper: string, workspace: string): ResultView {
  function resolve(p: string): Where {
    const parts = p === '' ? [] : p.split('/');
    let dir: UpperDir | undefined = root;
    let lower: string | undefined = '';
    for (const [i, name] of parts.entries()) {
      const last = i === parts.length - 1;
      const e: UpperEntry | undefined = dir?.entries.get(name);
      if (e) {
        if (e.kind === 'whiteout') return undefined;
        if (e.kind === 'dir') {
          dir = e.dir;
          lower = e.dir.lowerSource;
          continue;
        }
        return last ? { layer: 'upper', rel: parts.slice(0, i + 1).join('/') } : undefined;
      }
      if (lower === undefined) return undefined;
      const next = join(lower, name);
      let isDir: boolean;
      try {
        isDir = lstatSync(nestedPath(workspace, next)).isDirectory();
      } catch {
        return undefined;
      }
      if (!last && !isDir) return undefined;
      dir = undefined;
      lower = next;
      if (last) return { layer: 'lower', rel: next };
    }
    return dir ? { layer: 'upper', rel: dir.path, dir } : { layer: 'lower', rel: lower ?? '' };
  }
  return {
    exists: (p) => resolve(p) !== undefined,
    readFile(p) {
      const r = resolve(p);
      if (!r || r.dir) return undefined;
      const abs = nestedPath(r.layer === 'upper' ? upper : workspace, r.rel);
      try {
        const st = lstatSync(abs);
        if (!st.isFile() || st.size > READ_MAX) return undefined;
        return readFileSync(abs);
      } catch {
        return undefined;
      }
    },
    list(p) {
      const r = resolve(p);
      if (!r) return [];
      const names = new Set<string>();
      const lowerDir = r.dir ? r.dir.lowerSource : r.layer === 'lower' ? r.rel : undefined;
      if (
        lowerDir !== undefined &&
        lstatSync(nestedPath(workspace, lowerDir), { throwIfNoEntry: false })?.isDirectory()
      )
        for (const n of readdirSync(nestedPath(workspace, lowerDir))) names.add(n);
      if (r.dir)
        for (const [n, e] of r.dir.entries) {
          if (e.kind === 'whiteout') names.delete(n);
          else names.add(n);
        }
      return [...names].sort();
    },
  };
}
