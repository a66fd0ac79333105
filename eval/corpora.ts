/**
 * Where the third-party corpora live. They are read in place, never copied into this repository:
 * `../shared/corpora` next to the project root by default, or the folder named by $BULWARK_CORPORA
 * (relative to the working directory). The folder counts as present when it holds the corpora's
 * README.md (their list of sources); a clone without it skips every figure that needs them.
 *
 * The one module that resolves the root: the scorecard (eval/), the benchmarks (bench/), the training
 * and table-building scripts (scripts/) and the tests all ask it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const CORPORA_ENV = 'BULWARK_CORPORA';
const MARKER = 'README.md';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export type Corpora =
  | { readonly available: true; readonly root: string }
  | { readonly available: false; readonly root: string; readonly reason: string };

/** Resolves the corpora root now (the environment may change between calls, e.g. in tests). */
export function locateCorpora(): Corpora {
  const fromEnv = process.env[CORPORA_ENV];
  const root =
    fromEnv !== undefined && fromEnv !== ''
      ? path.resolve(fromEnv)
      : path.resolve(projectRoot, '..', 'shared', 'corpora');
  const origin = fromEnv
    ? `$${CORPORA_ENV}=${fromEnv}`
    : `the default ../shared/corpora (set $${CORPORA_ENV} to move it)`;
  if (!existsSync(root) || !statSync(root).isDirectory())
    return { available: false, root, reason: `no corpora folder at ${root} (${origin})` };
  if (!existsSync(path.join(root, MARKER)))
    return { available: false, root, reason: `${root} has no ${MARKER}, so it is not the corpora folder (${origin})` };
  return { available: true, root };
}

/**
 * Absolute path of `rel` (e.g. "ssrf/ssrf_cases.jsonl") under the corpora root. Throws when the
 * corpora are absent or the file is missing: callers that can do without them check
 * `locateCorpora()` first; a missing file inside a present folder is an error, never a skip.
 */
export function corpusPath(rel: string): string {
  const c = locateCorpora();
  if (!c.available) throw new Error(`corpus file ${rel} needed, but ${c.reason}`);
  const abs = path.resolve(c.root, rel);
  if (path.relative(c.root, abs).startsWith('..')) throw new Error(`corpus path ${rel} leaves ${c.root}`);
  if (!existsSync(abs))
    throw new Error(`corpus file ${rel} is missing from ${c.root}: is the corpora folder complete?`);
  return abs;
}

export function readCorpus(rel: string): string {
  return readFileSync(corpusPath(rel), 'utf8');
}

/** Files of `rels` that are missing under a present corpora root (empty when all are there). */
export function missingCorpusFiles(root: string, rels: readonly string[]): string[] {
  return rels.filter((rel) => !existsSync(path.resolve(root, rel)));
}
