/**
 * L06 vault: secrets sealed with AES-256-GCM (see crypto.ts) in <data dir>/vault.db (SQLite, WAL).
 * Every write is one SQLite transaction, so a crash leaves the old or the new value, never a broken one.
 * A verification record sealed under the master key tells a wrong key apart from tampering.
 */
import Database from 'better-sqlite3';
import { closeSync, existsSync, openSync } from 'node:fs';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  type EventBus,
  err,
  ok,
  type Result,
  childPath,
  migrate,
  openDatabase,
  type Db,
  closeDatabase,
  checkpointTruncate,
} from '../core/index.js';
import { open as openRecord, seal } from './crypto.js';
import { EMPTY_ENV_SECRETS, type EnvSecrets } from './env-secrets.js';
import './events.js';
import { LeakIndex } from './leak-index.js';
import type { MasterKeyOrigin } from './master-key.js';
import { MAX_SECRET_BYTES, SECRET_NAME_RE, type AccessContext, type SecretMeta, type SecretReader } from './types.js';

export const VAULT_FILE = 'vault.db';
const VERIFY_NAME = '\u0000verify';
const VERIFY_PLAINTEXT = Buffer.from('bulwark vault verification record v1');

const MIGRATIONS = [
  `CREATE TABLE vault_meta (k TEXT PRIMARY KEY, v BLOB NOT NULL);
   CREATE TABLE secrets (name TEXT PRIMARY KEY, sealed BLOB NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL);`,
];

const vaultError = (code: string, message: string, status?: number) =>
  bulwarkError(code, message, status === undefined ? { layer: 'L06' } : { layer: 'L06', status });

export function vaultPath(dataDir: string): string {
  return childPath(dataDir, VAULT_FILE);
}

export function checkSecretName(name: string): Result<string, BulwarkError> {
  if (typeof name !== 'string' || !SECRET_NAME_RE.test(name)) {
    return err(
      vaultError(
        'secret.bad_name',
        `"${String(name).slice(0, 64)}" is not a secret name: use letters, digits and _ (max 128), not starting with a digit`,
        400,
      ),
    );
  }
  return ok(name);
}

export function checkSecretValue(name: string, value: string): Result<Buffer, BulwarkError> {
  if (typeof value !== 'string' || value.length === 0)
    return err(vaultError('secret.empty', `secret "${name}" must not be empty`, 400));
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length > MAX_SECRET_BYTES)
    return err(vaultError('secret.too_large', `secret "${name}" is larger than 64 KiB`, 400));
  return ok(bytes);
}

export interface VaultOptions {
  readonly dataDir: string;
  readonly masterKey: Buffer;
  readonly envSecrets?: EnvSecrets;
  readonly leakIndex?: LeakIndex;
  readonly bus: EventBus;
  /** Keys to try, in order, when the main one does not verify (a rotation that crashed after its commit, previous keys). */
  readonly fallbackKeys?: readonly Buffer[];
  /** Where the master key came from (for messages; never the key), or how to say so once it is known which key opened the vault. */
  readonly keyInfo?: KeyInfo | ((usedFallback: number) => KeyInfo);
}

export interface KeyInfo {
  readonly origin: MasterKeyOrigin;
  readonly location: string;
  readonly created: boolean;
  /** Set when the vault opened with a key its key file held before a rotation (that file), not the current one. */
  readonly retiredKeyFile?: string;
  /** Set when the key was copied from the key file all data dirs once shared (that file) to `location`. */
  readonly adoptedFrom?: string;
  /** The key file is this data dir's own (named by its id), not one set by the operator. */
  readonly perDataDir?: boolean;
  /** What the operator should know about the key (printed by the CLI, logged by the daemon). */
  readonly warnings?: readonly string[];
}

export interface OpenedVault {
  readonly vault: Vault;
  /** Index into `fallbackKeys` of the key that opened the vault, or -1 for the main key. */
  readonly usedFallback: number;
}

/** Read-only integrity check of an existing vault file, before anything writes to it (or a key is looked for). */
export function checkExistingFile(file: string): Result<void, BulwarkError> {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const rows = db.pragma('quick_check') as Array<{ quick_check: string }>;
    const bad = rows.filter((r) => r.quick_check !== 'ok');
    if (bad.length)
      throw new Error(
        bad
          .map((r) => r.quick_check)
          .slice(0, 3)
          .join('; '),
      );
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>;
    const names = new Set(tables.map((t) => t.name));
    if (names.size > 0 && (!names.has('vault_meta') || !names.has('secrets')))
      throw new Error('not a bulwark vault (tables missing)');
    return ok(undefined);
  } catch (cause) {
    return err(
      vaultError(
        'vault.corrupt',
        `vault ${file} is damaged or not a vault (${describeCause(cause)}); nothing was changed. Restore it from a backup, or move it away to start an empty vault`,
      ),
    );
  } finally {
    db?.close();
  }
}

export class Vault implements SecretReader {
  readonly leakIndex: LeakIndex;
  readonly keyInfo: KeyInfo;
  readonly dataDir: string;
  private masterKey: Buffer;
  private readonly envSecrets: EnvSecrets;
  /** Prepared once: `get` runs for every secret resolution (provider calls, broker swaps). */
  private readonly selectSealed: Database.Statement<[string], { sealed: Buffer }>;

  private constructor(
    private readonly db: Db,
    readonly file: string,
    masterKey: Buffer,
    opts: VaultOptions,
    keyInfo: KeyInfo | undefined,
  ) {
    this.masterKey = Buffer.from(masterKey);
    this.dataDir = opts.dataDir;
    this.selectSealed = db.prepare<[string], { sealed: Buffer }>('SELECT sealed FROM secrets WHERE name = ?');
    this.envSecrets = opts.envSecrets ?? EMPTY_ENV_SECRETS;
    this.leakIndex = opts.leakIndex ?? new LeakIndex();
    this.bus = opts.bus;
    this.keyInfo = keyInfo ?? { origin: 'given', location: 'caller', created: false };
    for (const n of this.envSecrets.names()) {
      const v = this.envSecrets.get(n);
      if (v !== undefined) this.leakIndex.register(n, v);
    }
  }
  private readonly bus: EventBus;

  static open(opts: VaultOptions): Result<OpenedVault, BulwarkError> {
    const file = vaultPath(opts.dataDir);
    if (existsSync(file)) {
      const checked = checkExistingFile(file);
      if (!checked.ok) return checked;
    } else {
      try {
        closeSync(openSync(file, 'a', 0o600));
      } catch (cause) {
        return err(vaultError('vault.unwritable', `cannot create vault ${file}: ${describeCause(cause)}`));
      }
    }
    let db: Db;
    try {
      db = openDatabase(file);
      migrate(db, 'secrets', MIGRATIONS);
    } catch (cause) {
      return err(
        vaultError('vault.corrupt', `cannot open vault ${file}: ${describeCause(cause)}; nothing was changed`),
      );
    }
    const verified = Vault.verify(db, file, opts);
    if (!verified.ok) {
      db.close();
      return verified;
    }
    const key = verified.value < 0 ? opts.masterKey : (opts.fallbackKeys?.[verified.value] as Buffer);
    const info = typeof opts.keyInfo === 'function' ? opts.keyInfo(verified.value) : opts.keyInfo;
    return ok({ vault: new Vault(db, file, key, opts, info), usedFallback: verified.value });
  }

  /** -1 when the main key verifies, else the index of the first fallback key that does. */
  private static verify(db: Db, file: string, opts: VaultOptions): Result<number, BulwarkError> {
    const row = db.prepare('SELECT v FROM vault_meta WHERE k = ?').get('verify') as { v: Buffer } | undefined;
    if (!row) {
      const count = (db.prepare('SELECT count(*) AS n FROM secrets').get() as { n: number }).n;
      if (count > 0) {
        return err(
          vaultError(
            'vault.corrupt',
            `vault ${file} holds secrets but no verification record; it was altered outside bulwark. Restore it from a backup`,
          ),
        );
      }
      db.prepare('INSERT INTO vault_meta (k, v) VALUES (?, ?)').run(
        'verify',
        seal(opts.masterKey, VERIFY_NAME, VERIFY_PLAINTEXT),
      );
      return ok(-1);
    }
    if (Vault.keyVerifies(opts.masterKey, row.v)) return ok(-1);
    const i = (opts.fallbackKeys ?? []).findIndex((k) => Vault.keyVerifies(k, row.v));
    if (i >= 0) return ok(i);
    return err(
      vaultError(
        'vault.wrong_key',
        `the master key does not match vault ${file} (its verification record does not decrypt). Use the key this vault was created with; nothing was changed`,
      ),
    );
  }

  private static keyVerifies(key: Buffer, sealed: Buffer): boolean {
    const r = openRecord(key, VERIFY_NAME, sealed);
    return r.ok && r.value.equals(VERIFY_PLAINTEXT);
  }

  /** Value of a secret: the vault first, then the environment captured at start. Registers it with the leak index. */
  get(name: string, _ctx?: AccessContext): Result<string, BulwarkError> {
    const n = checkSecretName(name);
    if (!n.ok) return n;
    const row = this.selectSealed.get(name);
    if (!row) {
      const fromEnv = this.envSecrets.get(name);
      if (fromEnv !== undefined) {
        this.leakIndex.register(name, fromEnv);
        return ok(fromEnv);
      }
      return err(
        vaultError('secret.not_found', `secret "${name}" is not set; add it with: bulwark secrets set ${name}`, 404),
      );
    }
    const opened = openRecord(this.masterKey, name, row.sealed);
    if (!opened.ok) {
      if (!this.currentKeyVerifies()) {
        return err(
          vaultError(
            'vault.key_changed',
            `the vault's master key was rotated since this process opened it; restart bulwark so it reads the new key`,
            503,
          ),
        );
      }
      return err(
        vaultError(
          'vault.tampered',
          `secret "${name}" failed authentication: its record in ${this.file} was altered or moved from another name. Set it again with: bulwark secrets set ${name}`,
        ),
      );
    }
    const value = opened.value.toString('utf8');
    opened.value.fill(0);
    this.leakIndex.register(name, value);
    return ok(value);
  }

  private currentKeyVerifies(): boolean {
    const row = this.db.prepare('SELECT v FROM vault_meta WHERE k = ?').get('verify') as { v: Buffer } | undefined;
    return row !== undefined && Vault.keyVerifies(this.masterKey, row.v);
  }

  has(name: string): boolean {
    if (!SECRET_NAME_RE.test(name)) return false;
    return (
      this.db.prepare('SELECT 1 FROM secrets WHERE name = ?').get(name) !== undefined ||
      this.envSecrets.get(name) !== undefined
    );
  }

  set(name: string, value: string): Result<void, BulwarkError> {
    return this.setMany([[name, value]]);
  }

  /** Sets several secrets in one transaction: all or none. */
  setMany(entries: ReadonlyArray<readonly [string, string]>): Result<void, BulwarkError> {
    const sealed: Array<[string, Buffer]> = [];
    for (const [name, value] of entries) {
      const n = checkSecretName(name);
      if (!n.ok) return n;
      const bytes = checkSecretValue(name, value);
      if (!bytes.ok) return bytes;
      sealed.push([name, seal(this.masterKey, name, bytes.value)]);
      bytes.value.fill(0);
    }
    const now = new Date().toISOString();
    const upsert = this.db.prepare(
      'INSERT INTO secrets (name, sealed, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at',
    );
    const write = this.db.transaction(() => {
      for (const [name, blob] of sealed) upsert.run(name, blob, now, now);
    });
    try {
      write();
    } catch (cause) {
      return err(
        vaultError(
          'vault.write_failed',
          `cannot write to vault ${this.file}: ${describeCause(cause)}; nothing was changed`,
        ),
      );
    }
    for (const [name, value] of entries) {
      this.leakIndex.register(name, value);
      this.bus.emit('secret:changed', { layer: 'L06', secretName: name, action: 'set' });
    }
    return ok(undefined);
  }

  /** Removes a secret from the vault; false when it was not there. */
  delete(name: string): Result<boolean, BulwarkError> {
    const n = checkSecretName(name);
    if (!n.ok) return n;
    try {
      const changed = this.db.prepare('DELETE FROM secrets WHERE name = ?').run(name).changes > 0;
      if (changed) checkpointTruncate(this.db);
      if (changed) this.bus.emit('secret:changed', { layer: 'L06', secretName: name, action: 'delete' });
      return ok(changed);
    } catch (cause) {
      return err(vaultError('vault.write_failed', `cannot delete from vault ${this.file}: ${describeCause(cause)}`));
    }
  }

  /**
   * Registers every value the vault holds with the leak index, so a value found in a tool result or a file is
   * known before any agent asked for it (L23 placeholders, the session store's redaction). The values stay in
   * memory only. A record that does not open is named in the error; the others are registered.
   */
  indexAll(): Result<number, BulwarkError> {
    const names = (this.db.prepare('SELECT name FROM secrets ORDER BY name').all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
    const failed: string[] = [];
    for (const name of names) {
      const r = this.get(name);
      if (!r.ok) failed.push(name);
    }
    if (failed.length > 0)
      return err(
        vaultError(
          'vault.unreadable_records',
          `${failed.length} vault record(s) could not be opened for the leak index (${failed.slice(0, 5).join(', ')}): their values are not redacted from tool results; set them again with: bulwark secrets set NAME`,
        ),
      );
    return ok(names.length);
  }

  /** Operator view (CLI only; never reachable by agents): names and times, never values. */
  list(): SecretMeta[] {
    const rows = this.db.prepare('SELECT name, created_at, updated_at FROM secrets ORDER BY name').all() as Array<{
      name: string;
      created_at: string;
      updated_at: string;
    }>;
    const out: SecretMeta[] = rows.map((r) => ({
      name: r.name,
      source: 'vault',
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    }));
    const inVault = new Set(rows.map((r) => r.name));
    for (const n of [...this.envSecrets.names()].sort()) if (!inVault.has(n)) out.push({ name: n, source: 'env' });
    return out;
  }

  /**
   * Re-encrypts every record and the verification record under `newKey` in one transaction.
   * A failure anywhere (a record that does not authenticate, a crash, `onRecord` throwing) leaves
   * the vault exactly as it was, under the old key.
   */
  rotateKey(newKey: Buffer, onRecord?: (name: string, index: number) => void): Result<number, BulwarkError> {
    const rows = this.db.prepare('SELECT name, sealed FROM secrets ORDER BY name').all() as Array<{
      name: string;
      sealed: Buffer;
    }>;
    const update = this.db.prepare('UPDATE secrets SET sealed = ? WHERE name = ?');
    const updateVerify = this.db.prepare('UPDATE vault_meta SET v = ? WHERE k = ?');
    let failed: BulwarkError | undefined;
    const run = this.db.transaction(() => {
      rows.forEach((row, i) => {
        const plain = openRecord(this.masterKey, row.name, row.sealed);
        if (!plain.ok) {
          failed = vaultError(
            'vault.tampered',
            `secret "${row.name}" failed authentication, so the key was not rotated; delete or set it again first`,
          );
          throw new Error(failed.message);
        }
        update.run(seal(newKey, row.name, plain.value), row.name);
        plain.value.fill(0);
        onRecord?.(row.name, i);
      });
      updateVerify.run(seal(newKey, VERIFY_NAME, VERIFY_PLAINTEXT), 'verify');
    });
    try {
      run();
    } catch (cause) {
      return err(
        failed ?? vaultError('vault.rotate_failed', `key rotation failed and was rolled back: ${describeCause(cause)}`),
      );
    }
    this.masterKey.fill(0);
    this.masterKey = Buffer.from(newKey);
    this.bus.emit('secret:changed', { layer: 'L06', secretName: '*', action: 'rotate_key' });
    return ok(rows.length);
  }

  close(): void {
    this.masterKey.fill(0);
    closeDatabase(this.db);
  }
}
