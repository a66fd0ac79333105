/**
 * What sits beside a master key file F so that a rotation never loses data:
 *   F.retired-<fingerprint>   a key F held before a rotation, kept while any vault still uses it
 *   F.pending-<vault tag>     the new key of a rotation in progress, one per vault (a crash is finished on next open)
 *   F.vaults/<vault tag>.json which vault (data dir) uses which of F's keys, by fingerprint
 * A fingerprint is an HMAC of a fixed label under the key: it names a key without revealing it. A vault tag is a
 * hash of the data dir's real path.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import {
  writeFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  childPath,
} from '../core/index.js';

const FINGERPRINT_LABEL = 'bulwark master key fingerprint v1';
const RETIRED = '.retired-';
const PENDING = '.pending-';
const FINGERPRINT_RE = /^[0-9a-f]{16}$/;

export function fingerprint(key: Buffer): string {
  return createHmac('sha256', key).update(FINGERPRINT_LABEL).digest('hex').slice(0, 16);
}

/** Names one vault among the users of a key file: a hash of its data dir's real path. */
export function vaultTag(dataDir: string): string {
  let real = dataDir;
  try {
    real = realpathSync(dataDir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') throw cause;
  }
  return createHash('sha256').update(real).digest('hex').slice(0, 16);
}

export function retiredKeyPath(keyFile: string, fp: string): string {
  return `${keyFile}${RETIRED}${fp}`;
}

export function pendingKeyPath(keyFile: string, tag: string): string {
  return `${keyFile}${PENDING}${tag}`;
}

/** The retired keys of F, by fingerprint. */
export function listRetired(keyFile: string): Array<{ readonly file: string; readonly fingerprint: string }> {
  const dir = path.dirname(keyFile);
  const prefix = path.basename(keyFile) + RETIRED;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw cause;
  }
  return names
    .filter((n) => n.startsWith(prefix) && FINGERPRINT_RE.test(n.slice(prefix.length)))
    .sort()
    .map((n) => ({ file: childPath(dir, n), fingerprint: n.slice(prefix.length) }));
}

export interface VaultUse {
  readonly tag: string;
  readonly dataDir: string;
  readonly fingerprint: string;
  readonly at: string;
}

/** True only when the data dir or its vault is certainly gone (a vault that cannot be looked at is kept). */
function vaultGone(dataDir: string): boolean {
  try {
    statSync(childPath(dataDir, 'vault.db'));
    return false;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR';
  }
}

function registryDir(keyFile: string): string {
  return `${keyFile}.vaults`;
}

/** Records that the vault of `dataDir` is sealed under the key with this fingerprint (written only on change). */
export function registerVault(keyFile: string, dataDir: string, fp: string): Result<void, BulwarkError> {
  const dir = registryDir(keyFile);
  const tag = vaultTag(dataDir);
  const file = childPath(dir, `${tag}.json`);
  try {
    const known = readUse(file);
    if (known && known.fingerprint === fp && known.dataDir === dataDir) return ok(undefined);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const use: VaultUse = { tag, dataDir, fingerprint: fp, at: new Date().toISOString() };
    writeFileAtomic(file, JSON.stringify(use) + '\n', 0o600);
    return ok(undefined);
  } catch (cause) {
    return err(
      bulwarkError(
        'masterkey.registry',
        `cannot record which key the vault of ${dataDir} uses in ${file}: ${describeCause(cause)}; a rotation elsewhere would keep every previous key of ${keyFile} to be safe`,
        { layer: 'L06' },
      ),
    );
  }
}

function readUse(file: string): VaultUse | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
  const v = JSON.parse(text) as Partial<VaultUse>;
  if (typeof v.dataDir !== 'string' || typeof v.fingerprint !== 'string' || typeof v.tag !== 'string') return undefined;
  return { tag: v.tag, dataDir: v.dataDir, fingerprint: v.fingerprint, at: String(v.at ?? '') };
}

/**
 * The vaults recorded as users of F's keys whose data dir still holds a vault. Records of vaults that are gone are
 * dropped. A record that cannot be read counts as a user of every key (`fingerprint: '*'`), so nothing it might
 * need is deleted.
 */
export function vaultUses(keyFile: string): VaultUse[] {
  const dir = registryDir(keyFile);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw cause;
  }
  const out: VaultUse[] = [];
  for (const n of names.filter((x) => x.endsWith('.json')).sort()) {
    const file = childPath(dir, n);
    let use: VaultUse | undefined;
    try {
      use = readUse(file);
    } catch {
      // Unreadable or not JSON: keep every key rather than guess (see the doc comment).
      use = undefined;
    }
    if (!use) {
      out.push({ tag: n.slice(0, -5), dataDir: `(unreadable record ${file})`, fingerprint: '*', at: '' });
      continue;
    }
    if (vaultGone(use.dataDir)) {
      unlinkSync(file);
      continue;
    }
    out.push(use);
  }
  return out;
}
