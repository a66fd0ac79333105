/**
 * Composition of the secret store for the daemon and the CLI: finds the master key, opens the vault,
 * finishes a key rotation that crashed after its commit, and rotates keys atomically.
 */
import { existsSync, renameSync, unlinkSync } from 'node:fs';
import { ensureDataDir } from '../config/data-dir.js';
import { bulwarkError, describeCause, type BulwarkError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { err, ok, type Result } from '../core/result.js';
import { absoluteFrom } from '../core/safe-path.js';
import type { EnvSecrets } from './env-secrets.js';
import type { LeakIndex } from './leak-index.js';
import { generateMasterKey, loadMasterKey, readKeyFile, writeKeyFile, type MasterKeyOptions } from './master-key.js';
import { Vault } from './vault.js';

/** A master key given directly (tests, embedding) or the options to find one. */
export type MasterKeySource = MasterKeyOptions | { readonly key: Buffer };

export interface OpenSecretStoreOptions {
  readonly dataDir: string;
  readonly masterKeySource?: MasterKeySource;
  readonly envSecrets?: EnvSecrets;
  readonly leakIndex?: LeakIndex;
  readonly bus?: EventBus;
}

export type SecretStore = Vault;

export function pendingKeyPath(keyFile: string): string {
  return `${keyFile}.new`;
}

export function openSecretStore(opts: OpenSecretStoreOptions): Result<SecretStore, BulwarkError> {
  const dir = ensureDataDir(opts.dataDir);
  if (!dir.ok) return dir;
  const source = opts.masterKeySource ?? {};
  const base = { dataDir: opts.dataDir, envSecrets: opts.envSecrets, leakIndex: opts.leakIndex, bus: opts.bus };
  if ('key' in source) {
    const opened = Vault.open({ ...base, masterKey: source.key });
    return opened.ok ? ok(opened.value.vault) : opened;
  }
  const mk = loadMasterKey({ ...source, dataDir: opts.dataDir });
  if (!mk.ok) return mk;
  const keyInfo = { origin: mk.value.origin, location: mk.value.location, created: mk.value.created };
  let pendingKey: Buffer | undefined;
  let pendingFile: string | undefined;
  if (mk.value.origin === 'file') {
    pendingFile = pendingKeyPath(mk.value.location);
    if (existsSync(pendingFile)) {
      const pk = readKeyFile(pendingFile, opts.dataDir);
      if (!pk.ok) return pk;
      pendingKey = pk.value;
    }
  }
  const opened = Vault.open({ ...base, masterKey: mk.value.key, pendingKey, keyInfo });
  // The vault keeps its own copy; these are not needed any more.
  mk.value.key.fill(0);
  pendingKey?.fill(0);
  if (!opened.ok) return opened;
  if (pendingFile && pendingKey) {
    try {
      // The vault decided which key is current: promote the pending key, or drop a stale one.
      if (opened.value.usedPendingKey) renameSync(pendingFile, mk.value.location);
      else unlinkSync(pendingFile);
    } catch (cause) {
      opened.value.vault.close();
      return err(
        bulwarkError(
          'masterkey.unwritable',
          `cannot finish the interrupted key rotation at ${pendingFile}: ${describeCause(cause)}`,
          { layer: 'L06' },
        ),
      );
    }
  }
  return ok(opened.value.vault);
}

export interface RotateOptions {
  /** Where to write the new key when the current one does not come from a key file (env, systemd). */
  readonly newKeyFile?: string;
  /** Test hook: called after each record is re-encrypted, inside the transaction. */
  readonly onRecord?: (name: string, index: number) => void;
}

export interface Rotated {
  readonly records: number;
  /** Where the new key now lives. */
  readonly keyFile: string;
  /** True when the operator must install the new key in their credential store / environment. */
  readonly operatorMustInstall: boolean;
}

/**
 * Re-encrypts everything under a fresh master key. With a key file, the new key is first written
 * beside it (`master.key.new`), the vault is re-encrypted in one transaction, then the new file is
 * renamed over the old: a crash at any point leaves a vault that opens (see openSecretStore).
 */
export function rotateMasterKey(store: SecretStore, opts: RotateOptions = {}): Result<Rotated, BulwarkError> {
  const newKey = generateMasterKey();
  const fromFile = store.keyInfo.origin === 'file';
  if (!fromFile && !opts.newKeyFile) {
    return err(
      bulwarkError(
        'masterkey.rotate_target',
        `the master key comes from ${store.keyInfo.location}, which bulwark cannot rewrite; pass --new-key-file PATH, then install that key in place of the old one`,
        { layer: 'L06' },
      ),
    );
  }
  const target = fromFile
    ? pendingKeyPath(store.keyInfo.location)
    : absoluteFrom(process.cwd(), opts.newKeyFile as string);
  if (!fromFile && existsSync(target)) {
    return err(
      bulwarkError('masterkey.rotate_target', `${target} already exists; choose a new path for the new key`, {
        layer: 'L06',
      }),
    );
  }
  const written = writeKeyFile(target, newKey);
  if (!written.ok) return written;
  const rotated = store.rotateKey(newKey, opts.onRecord);
  newKey.fill(0);
  if (!rotated.ok) {
    try {
      unlinkSync(target);
    } catch (cause) {
      return err(
        bulwarkError(
          rotated.error.code,
          `${rotated.error.message} (and the unused new key ${target} could not be removed: ${describeCause(cause)})`,
          { layer: 'L06' },
        ),
      );
    }
    return rotated;
  }
  if (fromFile) {
    try {
      renameSync(target, store.keyInfo.location);
    } catch (cause) {
      return err(
        bulwarkError(
          'masterkey.unwritable',
          `the vault is re-encrypted but ${target} could not replace ${store.keyInfo.location} (${describeCause(cause)}); bulwark will finish this on next open`,
          { layer: 'L06' },
        ),
      );
    }
  }
  return ok({
    records: rotated.value,
    keyFile: fromFile ? store.keyInfo.location : target,
    operatorMustInstall: !fromFile,
  });
}
