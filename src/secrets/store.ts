/**
 * Composition of the secret store for the daemon and the CLI: finds the master key, opens the vault (with the key
 * file's pending or previous keys when the current one does not fit), finishes a key rotation that crashed after its
 * commit, and rotates keys atomically without ever deleting a key another vault still needs (see key-ring.ts).
 */
import { existsSync, mkdirSync, renameSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { ensureDataDir } from '../config/index.js';
import {
  createFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  type EventBus,
  err,
  ok,
  type Result,
  absoluteFrom,
} from '../core/index.js';
import type { EnvSecrets } from './env-secrets.js';
import {
  fingerprint,
  listRetired,
  pendingKeyPath,
  registerVault,
  retiredKeyPath,
  vaultTag,
  vaultUses,
} from './key-ring.js';
import type { LeakIndex } from './leak-index.js';
import {
  encodeKey,
  generateMasterKey,
  loadMasterKey,
  readKeyFile,
  vaultExists,
  writeKeyFile,
  type MasterKey,
  type MasterKeyOptions,
} from './master-key.js';
import { checkExistingFile, Vault, vaultPath, type KeyInfo } from './vault.js';

export { pendingKeyPath } from './key-ring.js';

/** A master key given directly (tests, embedding) or the options to find one. */
export type MasterKeySource = MasterKeyOptions | { readonly key: Buffer };

export interface OpenSecretStoreOptions {
  readonly dataDir: string;
  readonly masterKeySource?: MasterKeySource;
  readonly envSecrets?: EnvSecrets;
  readonly leakIndex?: LeakIndex;
  readonly bus: EventBus;
}

export type SecretStore = Vault;

const keyError = (code: string, message: string) => bulwarkError(code, message, { layer: 'L06' });

/** Keeps a copy of a key the key file held, under its fingerprint (no-op when one is kept already). */
function retire(keyFile: string, key: Buffer): { file: string; created: boolean } {
  const file = retiredKeyPath(keyFile, fingerprint(key));
  return { file, created: createFileAtomic(file, encodeKey(key), 0o600) };
}

/**
 * After the vault opened: promote the key of a rotation that crashed after its commit, drop this vault's stale
 * pending key, copy an adopted shared key to the data dir's own key file, and record which key the vault uses.
 */
function settleKeyFile(mk: MasterKey, used: number, dataDir: string): Result<KeyInfo, BulwarkError> {
  const file = mk.location;
  const base: KeyInfo = {
    origin: mk.origin,
    location: file,
    created: mk.created,
    ...(mk.perDataDir ? { perDataDir: true } : {}),
  };
  if (mk.origin !== 'file') return ok(base);
  const candidate = used >= 0 ? mk.fallbacks[used] : undefined;
  const warnings: string[] = [];
  let info: KeyInfo = base;
  let vaultKey = mk.key;
  try {
    if (candidate && (candidate.kind === 'pending' || candidate.kind === 'legacy-pending')) {
      // The vault committed to the pending key: it becomes current, and the key it replaces is kept as a previous one.
      if (existsSync(file)) retire(file, mk.key);
      renameSync(candidate.file, file);
      vaultKey = candidate.key;
    } else if (candidate) {
      vaultKey = candidate.key;
      info = { ...base, retiredKeyFile: candidate.file };
      warnings.push(
        `the vault in ${dataDir} is sealed under a previous key (${candidate.file}), not the current one in ${file}; run \`bulwark secrets rotate-key\` to move it to a new key`,
      );
    } else {
      const stale = mk.fallbacks.find((f) => f.kind === 'pending');
      if (stale) unlinkSync(stale.file);
    }
    if (mk.adoptFrom && used < 0) {
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      createFileAtomic(file, encodeKey(mk.key), 0o600);
      info = { ...info, adoptedFrom: mk.adoptFrom };
    }
  } catch (cause) {
    return err(keyError('masterkey.unwritable', `cannot settle the master key file ${file}: ${describeCause(cause)}`));
  }
  const registered = registerVault(file, dataDir, fingerprint(vaultKey));
  if (!registered.ok) warnings.push(registered.error.message);
  return ok(warnings.length ? { ...info, warnings } : info);
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
  // A damaged vault is reported as such, whatever the key.
  if (vaultExists(opts.dataDir)) {
    const intact = checkExistingFile(vaultPath(opts.dataDir));
    if (!intact.ok) return intact;
  }
  const mk = loadMasterKey({ ...source, dataDir: opts.dataDir });
  if (!mk.ok) return mk;
  const m = mk.value;
  let settled: Result<KeyInfo, BulwarkError> | undefined;
  const opened = Vault.open({
    ...base,
    masterKey: m.key,
    fallbackKeys: m.fallbacks.map((f) => f.key),
    keyInfo: (used) => {
      settled = settleKeyFile(m, used, opts.dataDir);
      return settled.ok ? settled.value : { origin: m.origin, location: m.location, created: m.created };
    },
  });
  // The vault keeps its own copy; these are not needed any more.
  m.key.fill(0);
  for (const f of m.fallbacks) f.key.fill(0);
  if (!opened.ok) {
    if (opened.error.code === 'vault.wrong_key' && m.adoptFrom)
      return err(
        keyError(
          'vault.wrong_key',
          `${opened.error.message}. The key tried was the shared ${m.adoptFrom}; this data dir's own key would be ${m.location}`,
        ),
      );
    return opened;
  }
  if (settled && !settled.ok) {
    opened.value.vault.close();
    return settled;
  }
  return ok(opened.value.vault);
}

export interface RotateOptions {
  /** Where to write the new key when the current one does not come from a key file (env, systemd). */
  readonly newKeyFile?: string;
  /** Test hook: called after each record is re-encrypted, inside the transaction. */
  readonly onRecord?: (name: string, index: number) => void;
  /** Delete every previous key of the key file, even those another vault still uses (that vault becomes unreadable). */
  readonly forgetPrevious?: boolean;
}

export interface PreviousKey {
  readonly fingerprint: string;
  readonly file: string;
  /** Data dirs whose vault is recorded as still sealed under it. */
  readonly usedBy: readonly string[];
}

export interface Rotated {
  readonly records: number;
  /** Where the new key now lives. */
  readonly keyFile: string;
  /** True when the operator must install the new key in their credential store / environment. */
  readonly operatorMustInstall: boolean;
  /** Previous keys of the key file kept, and why. */
  readonly kept: readonly PreviousKey[];
  /** Previous keys deleted. */
  readonly removed: readonly PreviousKey[];
  readonly warnings: readonly string[];
}

/**
 * Previous keys of F after a rotation: every one is kept (F.retired-<fingerprint>) until the operator asks with
 * `forgetPrevious`. A vault that is not on record may still be sealed under one: a backup or copy of this data dir
 * has its id, and so its key file, and was never opened to be recorded. The vaults known to use each are reported.
 */
function collectPrevious(
  keyFile: string,
  selfTag: string,
  opts: RotateOptions,
): { kept: PreviousKey[]; removed: PreviousKey[] } {
  const uses = vaultUses(keyFile).filter((u) => u.tag !== selfTag);
  const kept: PreviousKey[] = [];
  const removed: PreviousKey[] = [];
  for (const r of listRetired(keyFile)) {
    const usedBy = uses.filter((u) => u.fingerprint === r.fingerprint || u.fingerprint === '*').map((u) => u.dataDir);
    const entry: PreviousKey = { fingerprint: r.fingerprint, file: r.file, usedBy };
    if (opts.forgetPrevious) {
      unlinkSync(r.file);
      removed.push(entry);
    } else kept.push(entry);
  }
  return { kept, removed };
}

/**
 * Re-encrypts everything under a fresh master key. With a key file F: the key F holds is kept as a previous key
 * (F.retired-<fingerprint>), the new key is written beside F (F.pending-<vault>), the vault is re-encrypted in one
 * transaction, then the new key is renamed over F. A crash at any point leaves a vault that opens (see
 * openSecretStore), and another vault that used F's old key still opens with the kept copy.
 */
export function rotateMasterKey(store: SecretStore, opts: RotateOptions = {}): Result<Rotated, BulwarkError> {
  const fromFile = store.keyInfo.origin === 'file';
  if (!fromFile && !opts.newKeyFile) {
    return err(
      keyError(
        'masterkey.rotate_target',
        `the master key comes from ${store.keyInfo.location}, which bulwark cannot rewrite; pass --new-key-file PATH, then install that key in place of the old one`,
      ),
    );
  }
  const keyFile = store.keyInfo.location;
  const tag = vaultTag(store.dataDir);
  const target = fromFile ? pendingKeyPath(keyFile, tag) : absoluteFrom(process.cwd(), opts.newKeyFile as string);
  if (!fromFile && existsSync(target)) {
    return err(keyError('masterkey.rotate_target', `${target} already exists; choose a new path for the new key`));
  }
  let retired: { file: string; created: boolean } | undefined;
  if (fromFile && existsSync(keyFile)) {
    const current = readKeyFile(keyFile, store.dataDir);
    if (!current.ok) return current;
    try {
      retired = retire(keyFile, current.value);
    } catch (cause) {
      return err(
        keyError('masterkey.unwritable', `cannot keep the previous key beside ${keyFile}: ${describeCause(cause)}`),
      );
    } finally {
      current.value.fill(0);
    }
  }
  const newKey = generateMasterKey();
  const newFingerprint = fingerprint(newKey);
  const written = writeKeyFile(target, newKey);
  if (!written.ok) return written;
  const rotated = store.rotateKey(newKey, opts.onRecord);
  newKey.fill(0);
  if (!rotated.ok) {
    // Nothing changed: the new key and a copy of the current one made just now go again.
    try {
      unlinkSync(target);
      if (retired?.created) unlinkSync(retired.file);
    } catch (cause) {
      return err(
        keyError(
          rotated.error.code,
          `${rotated.error.message} (and the unused new key ${target} could not be removed: ${describeCause(cause)})`,
        ),
      );
    }
    return rotated;
  }
  if (!fromFile)
    return ok({
      records: rotated.value,
      keyFile: target,
      operatorMustInstall: true,
      kept: [],
      removed: [],
      warnings: [],
    });
  try {
    renameSync(target, keyFile);
  } catch (cause) {
    return err(
      keyError(
        'masterkey.unwritable',
        `the vault is re-encrypted but ${target} could not replace ${keyFile} (${describeCause(cause)}); bulwark will finish this on next open`,
      ),
    );
  }
  const warnings: string[] = [];
  const registered = registerVault(keyFile, store.dataDir, newFingerprint);
  if (!registered.ok) warnings.push(registered.error.message);
  let previous: { kept: PreviousKey[]; removed: PreviousKey[] };
  try {
    previous = collectPrevious(keyFile, tag, opts);
  } catch (cause) {
    return err(
      keyError(
        'masterkey.unwritable',
        `the vault is re-encrypted under the new key in ${keyFile}, but its previous keys could not be sorted out: ${describeCause(cause)}`,
      ),
    );
  }
  return ok({ records: rotated.value, keyFile, operatorMustInstall: false, ...previous, warnings });
}
