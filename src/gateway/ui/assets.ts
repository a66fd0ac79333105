/**
 * The web UI's static files, built by `npm run build` (scripts/build-web.ts) into dist/web/ and read into memory once
 * at start: requests are answered from an exact-name table, so no request path ever reaches the file system.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result, childPath } from '../../core/index.js';

export interface UiAsset {
  readonly body: Uint8Array;
  readonly type: string;
}

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
const MAX_ASSET_BYTES = 2 * 1024 * 1024;
const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** dist/web of this package: src/gateway/ui and dist/gateway/ui are both three levels below the package root. */
export function defaultAssetsDir(): string {
  return childPath(fileURLToPath(new URL('../../../', import.meta.url)), 'dist', 'web');
}

/** Reads every servable file of `dir` (flat: index.html, app.js, app.css, icon.svg). */
export function loadUiAssets(dir: string = defaultAssetsDir()): Result<ReadonlyMap<string, UiAsset>, BulwarkError> {
  const missing = (why: string) =>
    err(
      bulwarkError(
        'ui.not_built',
        `the web UI is not built (${why}): run "npm run build", which writes it to ${dir}, then restart the daemon`,
        { status: 503 },
      ),
    );
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    return missing(describeCause(cause));
  }
  const assets = new Map<string, UiAsset>();
  for (const name of names) {
    const ext = name.slice(name.lastIndexOf('.'));
    const type = TYPES[ext];
    if (type === undefined || !NAME.test(name)) continue;
    const file = childPath(dir, name);
    const size = statSync(file).size;
    if (size > MAX_ASSET_BYTES) return missing(`${name} is ${size} bytes, more than a UI file may be`);
    assets.set(name, { body: readFileSync(file), type });
  }
  if (!assets.has('index.html')) return missing('index.html is missing');
  return ok(assets);
}
