/**
 * Every file the daemon trusts before it serves anything: the data dir, the directories above it, everything in it
 * (config.yaml, the databases, logs, the lock; not `workspaces/`), and the vault's master key file with the
 * directories above it. `bulwark start` refuses what this finds with severity `refuse`; `bulwark doctor` lists the
 * same findings, so the two never disagree about what is refused.
 */
import { existsSync, statSync } from 'node:fs';
import {
  dataDirProblems,
  refuseProblems,
  configPath,
  loadConfig,
  ancestorProblems,
  dedupeProblems,
  type FileProblem,
} from '../config/index.js';
import { type BulwarkError, type Result, childPath } from '../core/index.js';
import { masterKeyOptionsFromConfig } from './config.js';
import {
  isInsideReal,
  keyConfigDir,
  keyFileProblems,
  keySiblings,
  locateMasterKey,
  type KeyLocation,
} from './master-key.js';

const SUBJECT = 'master key file';

/** The key file's own rules beyond ownership: private mode, outside the data dir. */
function keyModeProblems(file: string, dataDir: string): FileProblem[] {
  const out: FileProblem[] = [];
  let mode: number | undefined;
  try {
    mode = statSync(file).mode;
  } catch {
    // A missing key file is made at start; any other failure to look at it is reported by pathProblems.
    mode = undefined;
  }
  if (mode !== undefined && (mode & 0o077) !== 0)
    out.push({
      code: 'masterkey.insecure_mode',
      severity: 'refuse',
      subject: SUBJECT,
      path: file,
      message: `${SUBJECT} ${file} is accessible by group or others (mode ${(mode & 0o777).toString(8)})`,
      fix: `chmod 600 ${file}`,
    });
  if (isInsideReal(dataDir, file))
    out.push({
      code: 'masterkey.inside_data_dir',
      severity: 'refuse',
      subject: SUBJECT,
      path: file,
      message: `${SUBJECT} ${file} is inside the data dir: a copy of the data dir would carry its own key`,
      fix: 'move it out of the data dir and set secrets.masterKeyFile to where it is',
    });
  return out;
}

function keyProblems(file: string, dataDir: string): FileProblem[] {
  return [...keyFileProblems(file), ...keyModeProblems(file, dataDir)];
}

/** Where the key comes from with this data dir's config, or undefined when the config cannot be read (reported). */
export function keyLocationOf(dataDir: string): Result<KeyLocation, BulwarkError> {
  const cfg = loadConfig(dataDir);
  if (!cfg.ok) return cfg;
  return locateMasterKey(masterKeyOptionsFromConfig(cfg.value.secrets, dataDir), false);
}

/** What `start` refuses and `doctor` reports; see the module comment. */
export function daemonFileProblems(dataDir: string): FileProblem[] {
  const out = dataDirProblems(dataDir);
  // A config file nobody can vouch for is not read, not even to find the key file.
  if (out.some((p) => p.severity === 'refuse')) return out;
  const where = keyLocationOf(dataDir);
  if (!where.ok) {
    out.push({
      code: where.error.code,
      severity: 'refuse',
      subject: 'config file',
      path: configPath(dataDir),
      message: where.error.message,
      fix: `fix ${configPath(dataDir)} as the message says`,
    });
    return out;
  }
  const loc = where.value;
  if (loc.origin !== 'file') return out;
  if (loc.location !== undefined) {
    out.push(...keyProblems(loc.location, dataDir));
    // The pending and retired keys beside it are read at start too: each must pass the same rules.
    const siblings = keySiblings(loc.location, dataDir);
    if (!siblings.ok)
      out.push({
        code: siblings.error.code,
        severity: 'refuse',
        subject: SUBJECT,
        path: loc.location,
        message: siblings.error.message,
        fix: `make the directory of ${loc.location} readable by this user`,
      });
    else for (const [, f] of siblings.value) if (existsSync(f)) out.push(...keyProblems(f, dataDir));
  }
  // No id yet: the key file will be made in the keys directory, so the directories on its way must be safe.
  else out.push(...ancestorProblems(SUBJECT, childPath(keyConfigDir(), 'keys', 'new.key')));
  if (loc.legacy && !loc.exists) out.push(...keyProblems(loc.legacy, dataDir));
  return dedupeProblems(out);
}

/** `bulwark start`: ok, or one error naming every refused file and its fix. */
export function checkDaemonFiles(dataDir: string): Result<void, BulwarkError> {
  return refuseProblems(daemonFileProblems(dataDir), `to start on the data dir ${dataDir}`);
}
