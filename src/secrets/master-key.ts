/**
 * Where the vault's master key comes from, in order:
 *   1. a systemd credential: $CREDENTIALS_DIRECTORY/bulwark-master-key (LoadCredential= / SetCredentialEncrypted=)
 *   2. an environment variable (BULWARK_MASTER_KEY), scrubbed from process.env once read
 *   3. a key file, by default ~/.config/bulwark/master.key — outside the data dir, so a copy of the
 *      data dir alone cannot be decrypted. It must be 0600 (no group/other bits); it is created on
 *      first use only when the caller asks for it.
 * A key is 32 bytes, written as base64 or hex text (or 32 raw bytes in a credential file).
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { envVar, scrubProcessEnv } from '../config/env.js';
import { writeFileAtomic } from '../core/atomic-write.js';
import { bulwarkError, describeCause, type BulwarkError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { absoluteFrom, childPath, isInside } from '../core/safe-path.js';
import { MASTER_KEY_BYTES } from './crypto.js';

export const MASTER_KEY_ENV = 'BULWARK_MASTER_KEY';
export const CREDENTIAL_NAME = 'bulwark-master-key';
const MAX_KEY_FILE_BYTES = 4096;

export type MasterKeyOrigin = 'systemd-credential' | 'env' | 'file' | 'given';

export interface MasterKey {
  readonly key: Buffer;
  readonly origin: MasterKeyOrigin;
  /** Where it came from (a path or an env var name); never the key. */
  readonly location: string;
  /** True when this call generated a new key file. */
  readonly created: boolean;
}

export interface MasterKeyOptions {
  /** Key file path; default ~/.config/bulwark/master.key ($XDG_CONFIG_HOME respected). */
  readonly keyFile?: string;
  /** Environment variable to read; default BULWARK_MASTER_KEY. */
  readonly envVarName?: string;
  /** Create the key file (0600) when no source has a key. Default false. */
  readonly create?: boolean;
  /** The data dir: a key file inside it is refused. */
  readonly dataDir?: string;
}

const keyError = (code: string, message: string) => bulwarkError(code, message, { layer: 'L06' });

export function defaultKeyFilePath(): string {
  const xdg = envVar('XDG_CONFIG_HOME');
  const base = xdg ? absoluteFrom(homedir(), xdg) : childPath(homedir(), '.config');
  return childPath(base, 'bulwark', 'master.key');
}

export function resolveKeyFilePath(opts: MasterKeyOptions): string {
  return opts.keyFile ? absoluteFrom(process.cwd(), opts.keyFile) : defaultKeyFilePath();
}

/** Parses key material: 64 hex chars, base64/base64url of 32 bytes, or (credentials only) 32 raw bytes. */
export function parseKeyMaterial(raw: Buffer, where: string, allowRaw: boolean): Result<Buffer, BulwarkError> {
  const text = raw.toString('latin1').trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return ok(Buffer.from(text, 'hex'));
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const b = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === MASTER_KEY_BYTES) return ok(b);
  }
  if (allowRaw && raw.length === MASTER_KEY_BYTES) return ok(Buffer.from(raw));
  return err(
    keyError(
      'masterkey.malformed',
      `master key from ${where} is not 32 bytes in base64 or hex; generate one with: head -c 32 /dev/urandom | base64`,
    ),
  );
}

export function encodeKey(key: Buffer): string {
  return `${key.toString('base64')}\n`;
}

/** Reads a key file, refusing one that group or others can access, or one inside the data dir. */
export function readKeyFile(file: string, dataDir?: string): Result<Buffer, BulwarkError> {
  let mode: number;
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return err(keyError('masterkey.not_file', `master key file ${file} is not a regular file`));
    mode = st.mode & 0o777;
    size = st.size;
  } catch (cause) {
    return err(keyError('masterkey.unreadable', `cannot read master key file ${file}: ${describeCause(cause)}`));
  }
  if ((mode & 0o077) !== 0) {
    return err(
      keyError(
        'masterkey.insecure_mode',
        `master key file ${file} is accessible by group or others (mode ${mode.toString(8)}); fix it with: chmod 600 ${file}`,
      ),
    );
  }
  if (dataDir && isInsideReal(dataDir, file)) {
    return err(
      keyError(
        'masterkey.inside_data_dir',
        `master key file ${file} is inside the data dir ${dataDir}: a copy of the data dir would carry its own key; move it elsewhere (e.g. ~/.config/bulwark/master.key) and set secrets.masterKeyFile`,
      ),
    );
  }
  if (size > MAX_KEY_FILE_BYTES)
    return err(keyError('masterkey.malformed', `master key file ${file} is too large to be a key`));
  try {
    return parseKeyMaterial(readFileSync(file), file, false);
  } catch (cause) {
    return err(keyError('masterkey.unreadable', `cannot read master key file ${file}: ${describeCause(cause)}`));
  }
}

function isInsideReal(dir: string, file: string): boolean {
  try {
    return isInside(realpathSync(dir), realpathSync(file));
  } catch {
    return isInside(dir, file);
  }
}

/** Writes a key file atomically with mode 0600, creating its directory 0700. */
export function writeKeyFile(file: string, key: Buffer): Result<void, BulwarkError> {
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileAtomic(file, encodeKey(key), 0o600);
    return ok(undefined);
  } catch (cause) {
    return err(keyError('masterkey.unwritable', `cannot write master key file ${file}: ${describeCause(cause)}`));
  }
}

export function generateMasterKey(): Buffer {
  return randomBytes(MASTER_KEY_BYTES);
}

/** Finds the master key in the sources, in order; creates the key file only when `create` is set. */
export function loadMasterKey(opts: MasterKeyOptions = {}): Result<MasterKey, BulwarkError> {
  const credDir = envVar('CREDENTIALS_DIRECTORY');
  if (credDir) {
    const credFile = childPath(absoluteFrom(process.cwd(), credDir), CREDENTIAL_NAME);
    if (existsSync(credFile)) {
      let raw: Buffer;
      try {
        raw = readFileSync(credFile);
      } catch (cause) {
        return err(
          keyError('masterkey.unreadable', `cannot read systemd credential ${credFile}: ${describeCause(cause)}`),
        );
      }
      const key = parseKeyMaterial(raw, `systemd credential ${CREDENTIAL_NAME}`, true);
      return key.ok ? ok({ key: key.value, origin: 'systemd-credential', location: credFile, created: false }) : key;
    }
  }

  const envName = opts.envVarName ?? MASTER_KEY_ENV;
  const fromEnv = envVar(envName);
  scrubProcessEnv([envName]);
  if (fromEnv !== undefined && fromEnv !== '') {
    const key = parseKeyMaterial(Buffer.from(fromEnv, 'latin1'), `environment variable ${envName}`, false);
    return key.ok ? ok({ key: key.value, origin: 'env', location: envName, created: false }) : key;
  }

  const file = resolveKeyFilePath(opts);
  let exists = true;
  try {
    lstatSync(file);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
      return err(keyError('masterkey.unreadable', `cannot read master key file ${file}: ${describeCause(cause)}`));
    }
    exists = false;
  }
  if (exists) {
    const key = readKeyFile(file, opts.dataDir);
    return key.ok ? ok({ key: key.value, origin: 'file', location: file, created: false }) : key;
  }
  if (!opts.create) {
    return err(
      keyError(
        'masterkey.missing',
        `no master key: none in $CREDENTIALS_DIRECTORY/${CREDENTIAL_NAME}, $${envName} or ${file}; run \`bulwark secrets set NAME\` once to create ${file}, or provide one of these sources`,
      ),
    );
  }
  if (opts.dataDir && isInside(opts.dataDir, file)) {
    return err(
      keyError(
        'masterkey.inside_data_dir',
        `refusing to create the master key file ${file} inside the data dir ${opts.dataDir}`,
      ),
    );
  }
  const key = generateMasterKey();
  const written = writeKeyFile(file, key);
  if (!written.ok) return written;
  return ok({ key, origin: 'file', location: file, created: true });
}
