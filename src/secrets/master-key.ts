/**
 * Where the vault's master key comes from, in order:
 *   1. a systemd credential: $CREDENTIALS_DIRECTORY/bulwark-master-key (LoadCredential= / SetCredentialEncrypted=)
 *   2. an environment variable (BULWARK_MASTER_KEY), scrubbed from process.env once read
 *   3. a key file: `secrets.masterKeyFile`, else one per data dir, ~/.config/bulwark/keys/<data dir id>.key —
 *      outside the data dir, so a copy of the data dir alone cannot be decrypted, and never shared by two data dirs,
 *      so a rotation in one cannot strand another's vault. A data dir whose vault was made with the key file all data
 *      dirs once shared (~/.config/bulwark/master.key) gets its own copy of that key the first time it opens; the
 *      shared file is never changed. A key file must be owned by this uid and 0600; it is created on first use only
 *      when the caller asks for it, and never for a vault that already exists (a new key could not open it).
 * A key is 32 bytes, written as base64 or hex text (or 32 raw bytes in a credential file).
 */
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, statSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  dataDirId,
  readDataDirId,
  envVar,
  scrubProcessEnv,
  describeProblems,
  trustProblems,
  type FileProblem,
} from '../config/index.js';
import {
  writeFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  absoluteFrom,
  childPath,
  isInside,
} from '../core/index.js';
import { MASTER_KEY_BYTES } from './crypto.js';
import { listRetired, pendingKeyPath, vaultTag } from './key-ring.js';

export const MASTER_KEY_ENV = 'BULWARK_MASTER_KEY';
export const CREDENTIAL_NAME = 'bulwark-master-key';
const MAX_KEY_FILE_BYTES = 4096;

export type MasterKeyOrigin = 'systemd-credential' | 'env' | 'file' | 'given';

/** Another key that may open the vault: this vault's unfinished rotation, or a key its key file held before. */
export interface KeyCandidate {
  readonly key: Buffer;
  readonly kind: 'pending' | 'retired' | 'legacy-pending' | 'legacy';
  readonly file: string;
}

export interface MasterKey {
  readonly key: Buffer;
  readonly origin: MasterKeyOrigin;
  /** Where it came from (a path or an env var name); never the key. */
  readonly location: string;
  /** True when this call generated a new key file. */
  readonly created: boolean;
  /** Key file origin only: other keys to try when `key` does not open the vault. */
  readonly fallbacks: readonly KeyCandidate[];
  /** Set when `key` was read from the key file all data dirs once shared: it is copied to `location` once it opens the vault. */
  readonly adoptFrom?: string;
  /** The key file is this data dir's own (named by its id), not one set by the operator. */
  readonly perDataDir?: boolean;
}

export interface MasterKeyOptions {
  /** Key file path; default one per data dir, ~/.config/bulwark/keys/<data dir id>.key ($XDG_CONFIG_HOME respected). */
  readonly keyFile?: string;
  /** Environment variable to read; default BULWARK_MASTER_KEY. */
  readonly envVarName?: string;
  /** Create the key file (0600) when no source has a key and the vault does not exist yet. Default false. */
  readonly create?: boolean;
  /** The data dir: it names the default key file, and a key file inside it is refused. */
  readonly dataDir?: string;
}

const keyError = (code: string, message: string) => bulwarkError(code, message, { layer: 'L06' });

/** ~/.config/bulwark ($XDG_CONFIG_HOME/bulwark when set). */
export function keyConfigDir(): string {
  const xdg = envVar('XDG_CONFIG_HOME');
  const base = xdg ? absoluteFrom(homedir(), xdg) : childPath(homedir(), '.config');
  return childPath(base, 'bulwark');
}

/** The key file every data dir shared before keys were per data dir; read (to adopt), never written. */
export function legacyKeyFilePath(): string {
  return childPath(keyConfigDir(), 'master.key');
}

/** The default key file of the data dir with this id. */
export function defaultKeyFilePath(id: string): string {
  return childPath(keyConfigDir(), 'keys', `${id}.key`);
}

/** Where the key would come from, found without creating or reading anything secret. */
export interface KeyLocation {
  readonly origin: 'systemd-credential' | 'env' | 'file';
  /** The credential file, the variable's name, or the key file (undefined: the data dir has no id yet). */
  readonly location: string | undefined;
  /** File origin: whether the key file exists. */
  readonly exists: boolean;
  /** File origin, default location: the key file all data dirs once shared, when it exists (adopted, or a fallback). */
  readonly legacy?: string;
  /** File origin: the key file is this data dir's own (named by its id), not one set by the operator. */
  readonly perDataDir: boolean;
}

function credentialFile(): string | undefined {
  const credDir = envVar('CREDENTIALS_DIRECTORY');
  if (!credDir) return undefined;
  const file = childPath(absoluteFrom(process.cwd(), credDir), CREDENTIAL_NAME);
  return existsSync(file) ? file : undefined;
}

/** True when the data dir holds a vault that is more than an empty file. */
export function vaultExists(dataDir: string | undefined): boolean {
  if (!dataDir) return false;
  try {
    return statSync(childPath(dataDir, 'vault.db')).size > 0;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw cause;
  }
}

/**
 * Where the master key comes from for these options. `makeId` gives a data dir without an id its id now; without
 * it such a data dir's key file is unknown (location undefined).
 */
export function locateMasterKey(opts: MasterKeyOptions, makeId: boolean): Result<KeyLocation, BulwarkError> {
  const cred = credentialFile();
  if (cred) return ok({ origin: 'systemd-credential', location: cred, exists: true, perDataDir: false });
  const envName = opts.envVarName ?? MASTER_KEY_ENV;
  const fromEnv = envVar(envName);
  if (fromEnv !== undefined && fromEnv !== '')
    return ok({ origin: 'env', location: envName, exists: true, perDataDir: false });
  if (opts.keyFile) {
    const file = absoluteFrom(process.cwd(), opts.keyFile);
    return ok({ origin: 'file', location: file, exists: pathExists(file), perDataDir: false });
  }
  if (!opts.dataDir) {
    const file = legacyKeyFilePath();
    return ok({ origin: 'file', location: file, exists: pathExists(file), perDataDir: false });
  }
  const id = makeId ? dataDirId(opts.dataDir) : readDataDirId(opts.dataDir);
  if (!id.ok) return id;
  const legacy = legacyKeyFilePath();
  const adoptable = pathExists(legacy) ? { legacy } : {};
  if (id.value === undefined)
    return ok({ origin: 'file', location: undefined, exists: false, perDataDir: true, ...adoptable });
  const file = defaultKeyFilePath(id.value);
  return ok({ origin: 'file', location: file, exists: pathExists(file), perDataDir: true, ...adoptable });
}

/** False only for a path that is certainly absent: any other failure is left to the read that follows, which names it. */
function pathExists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch (cause) {
    return (cause as NodeJS.ErrnoException).code !== 'ENOENT';
  }
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

/**
 * A key file with another name (a hard link) keeps the key under that name when this one is replaced by a rotation
 * or removed by `--forget-previous`, readable by whoever can reach that name. Refused: a key must have one name.
 */
function hardLinkProblems(file: string): FileProblem[] {
  let st: Stats;
  try {
    st = statSync(file);
  } catch {
    // Missing (made at first use) or unreadable: trustProblems reports what matters.
    return [];
  }
  if (!st.isFile() || st.nlink <= 1) return [];
  return [
    {
      code: 'masterkey.hard_linked',
      severity: 'refuse',
      subject: 'master key file',
      path: file,
      message: `master key file ${file} has ${st.nlink} names (hard links): a key replaced by rotate-key or forgotten with --forget-previous would live on under the others`,
      fix: `find the other names with: find / -xdev -samefile ${file}; remove them (or copy the key to a file of its own: cp -p ${file} ${file}.copy && mv ${file}.copy ${file})`,
    },
  ];
}

/**
 * Why a key file must not be trusted: another user owns it or could swap it, here or anywhere its links lead (see
 * config/ownership.ts), or it has more than one name. `bulwark start`, `bulwark doctor` and every read of a key
 * file use this, so every command agrees.
 */
export function keyFileProblems(file: string): FileProblem[] {
  return [...trustProblems('master key file', file, undefined, '600'), ...hardLinkProblems(file)];
}

/** keyFileProblems as a Result: ok, or one error naming every problem and its fix. */
export function keyFileTrust(file: string): Result<void, BulwarkError> {
  const problems = keyFileProblems(file).filter((p) => p.severity === 'refuse');
  if (problems.length === 0) return ok(undefined);
  const first = problems[0]?.code;
  return err(
    keyError(
      first === 'ownership.foreign_owner'
        ? 'masterkey.foreign_owner'
        : first === 'masterkey.hard_linked'
          ? first
          : 'masterkey.untrusted',
      `refusing the master key file ${file}:\n${describeProblems(problems)}`,
    ),
  );
}

/** Reads a key file, refusing one that another user owns or could swap, one group or others can access, or one inside the data dir. */
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
  const trusted = keyFileTrust(file);
  if (!trusted.ok) return trusted;
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
        `master key file ${file} is inside the data dir ${dataDir}: a copy of the data dir would carry its own key; move it elsewhere (e.g. ~/.config/bulwark/) and set secrets.masterKeyFile`,
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

/** Whether `file` is inside `dir` where both really are (a link into the data dir counts as inside). */
export function isInsideReal(dir: string, file: string): boolean {
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

/**
 * The files beside a key file that hold other keys this data dir's vault may open with (some may not exist): its
 * pending rotation, then retired keys. `start` reads every one that exists, so `doctor` checks them all.
 */
export function keySiblings(
  file: string,
  dataDir: string | undefined,
): Result<Array<[KeyCandidate['kind'], string]>, BulwarkError> {
  const files: Array<[KeyCandidate['kind'], string]> = [];
  if (dataDir) files.push(['pending', pendingKeyPath(file, vaultTag(dataDir))]);
  // A rotation by an older bulwark that crashed after its commit left the new key here.
  files.push(['legacy-pending', `${file}.new`]);
  try {
    for (const r of listRetired(file)) files.push(['retired', r.file]);
  } catch (cause) {
    return err(
      keyError('masterkey.unreadable', `cannot list the previous keys beside ${file}: ${describeCause(cause)}`),
    );
  }
  return ok(files);
}

/** The other keys of a key file that may open this data dir's vault: its pending rotation, then retired keys. */
function fallbacksOf(
  file: string,
  dataDir: string | undefined,
  legacy: string | undefined,
): Result<KeyCandidate[], BulwarkError> {
  const out: KeyCandidate[] = [];
  const files = keySiblings(file, dataDir);
  if (!files.ok) return files;
  // A copy of this data dir made before it had its own key still opens with the shared key it was made with.
  if (legacy) files.value.push(['legacy', legacy]);
  for (const [kind, f] of files.value) {
    if (!existsSync(f)) continue;
    const key = readKeyFile(f, dataDir);
    if (!key.ok) return key;
    out.push({ key: key.value, kind, file: f });
  }
  return ok(out);
}

/** Finds the master key in the sources, in order; creates the key file only when `create` is set. */
export function loadMasterKey(opts: MasterKeyOptions = {}): Result<MasterKey, BulwarkError> {
  const envName = opts.envVarName ?? MASTER_KEY_ENV;
  const where = locateMasterKey(opts, true);
  scrubProcessEnv([envName]);
  if (!where.ok) return where;
  const loc = where.value;
  if (loc.origin === 'systemd-credential') {
    const credFile = loc.location as string;
    let raw: Buffer;
    try {
      raw = readFileSync(credFile);
    } catch (cause) {
      return err(
        keyError('masterkey.unreadable', `cannot read systemd credential ${credFile}: ${describeCause(cause)}`),
      );
    }
    const key = parseKeyMaterial(raw, `systemd credential ${CREDENTIAL_NAME}`, true);
    return key.ok
      ? ok({ key: key.value, origin: 'systemd-credential', location: credFile, created: false, fallbacks: [] })
      : key;
  }
  if (loc.origin === 'env') {
    const key = parseKeyMaterial(
      Buffer.from(envVar(envName) ?? '', 'latin1'),
      `environment variable ${envName}`,
      false,
    );
    return key.ok ? ok({ key: key.value, origin: 'env', location: envName, created: false, fallbacks: [] }) : key;
  }
  const file = loc.location;
  if (file === undefined)
    return err(keyError('masterkey.missing', `the data dir ${opts.dataDir ?? ''} has no id to name its key file`));
  if (loc.exists) {
    const key = readKeyFile(file, opts.dataDir);
    if (!key.ok) return key;
    const fallbacks = fallbacksOf(file, opts.dataDir, loc.legacy);
    if (!fallbacks.ok) return fallbacks;
    return ok({
      key: key.value,
      origin: 'file',
      location: file,
      created: false,
      fallbacks: fallbacks.value,
      perDataDir: loc.perDataDir,
    });
  }
  const hasVault = vaultExists(opts.dataDir);
  if (loc.legacy && hasVault) {
    const key = readKeyFile(loc.legacy, opts.dataDir);
    if (!key.ok) return key;
    return ok({
      key: key.value,
      origin: 'file',
      location: file,
      created: false,
      fallbacks: [],
      adoptFrom: loc.legacy,
      perDataDir: true,
    });
  }
  if (!opts.create || hasVault) {
    const vaultNote = hasVault
      ? `the vault in ${opts.dataDir} exists, so a new key would not open it: put its key back at ${file}, or point secrets.masterKeyFile or $${envName} at it`
      : `run \`bulwark secrets set NAME\` once to create ${file}, or provide one of these sources`;
    return err(
      keyError(
        'masterkey.missing',
        `no master key: none in $CREDENTIALS_DIRECTORY/${CREDENTIAL_NAME}, $${envName} or ${file}; ${vaultNote}`,
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
  const trusted = keyFileTrust(file);
  if (!trusted.ok) return trusted;
  const key = generateMasterKey();
  const written = writeKeyFile(file, key);
  if (!written.ok) return written;
  return ok({ key, origin: 'file', location: file, created: true, fallbacks: [], perDataDir: loc.perDataDir });
}
