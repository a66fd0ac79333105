/**
 * The names in a vault, read without its master key and without touching it: the file (and its write-ahead log)
 * is copied into a private temporary folder and read there. For the attack drill, which fills a decoy vault with
 * values of the same names; nothing is decrypted.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import Database from 'better-sqlite3';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result, childPath } from '../core/index.js';
import { VAULT_FILE } from './vault.js';

export function vaultNames(dataDir: string): Result<string[], BulwarkError> {
  const file = childPath(dataDir, VAULT_FILE);
  if (!existsSync(file)) return ok([]);
  const dir = mkdtempSync(childPath(tmpdir(), 'bulwark-vault-names-'));
  try {
    const copy = childPath(dir, VAULT_FILE);
    copyFileSync(file, copy);
    if (existsSync(`${file}-wal`)) copyFileSync(`${file}-wal`, `${copy}-wal`);
    const db = new Database(copy, { fileMustExist: true });
    try {
      const rows = db.prepare('SELECT name FROM secrets ORDER BY name').all() as Array<{ name: string }>;
      return ok(rows.map((r) => r.name));
    } finally {
      db.close();
    }
  } catch (cause) {
    return err(bulwarkError('vault.names', `cannot read the secret names in ${file}: ${describeCause(cause)}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
