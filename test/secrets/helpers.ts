import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(tmpdir(), `bulwark-${prefix}-`));
}

/** Data dir and a key file outside it, as in production. */
export function layout(): { dataDir: string; keyFile: string; root: string } {
  const root = tempDir('secrets');
  return { root, dataDir: path.join(root, 'data'), keyFile: path.join(root, 'config', 'master.key') };
}

/** Every file under `dir`, recursively. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

/** Every way the value may be written, produced independently of the product code. */
export function encodingsOf(value: string): Record<string, string> {
  const b = Buffer.from(value);
  return {
    raw: value,
    base64: b.toString('base64'),
    base64url: b.toString('base64url'),
    hex: b.toString('hex'),
    hexUpper: b.toString('hex').toUpperCase(),
    url: encodeURIComponent(value),
    // Every character percent-encoded, not only the reserved ones (encodeURIComponent leaves letters and digits).
    percentAll: [...b].map((x) => `%${x.toString(16).padStart(2, '0').toUpperCase()}`).join(''),
    json: JSON.stringify(value).slice(1, -1),
  };
}

/** Files under `dir` containing the value in any encoding, as "file: encoding". */
export function tracesOf(value: string, files: readonly string[]): string[] {
  const found: string[] = [];
  for (const f of files) {
    const bytes = readFileSync(f);
    for (const [kind, form] of Object.entries(encodingsOf(value))) {
      if (bytes.includes(Buffer.from(form))) found.push(`${f}: ${kind}`);
    }
  }
  return found;
}

export function randomSecret(prefix = 'sk-test-'): string {
  return `${prefix}${randomBytes(24).toString('base64url')}`;
}
