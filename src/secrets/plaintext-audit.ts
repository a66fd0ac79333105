/**
 * `bulwark secrets audit`: finds secrets lying around in plaintext — in the config, the data dir,
 * the environment and readable shell history files — and says how to move each into the vault.
 * Findings name the place and the kind of secret, never the value.
 */
import { closeSync, constants, existsSync, fstatSync, lstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { type LeakScanner, childPath } from '../core/index.js';
import { SECRET_FORMATS, type PatternDef, secretScanner, type SecretScanner } from '../text/index.js';
import { looksLikeSecretEnvName } from './env-secrets.js';
import { MASTER_KEY_ENV } from './master-key.js';

export type AuditPlace = 'config' | 'data_dir' | 'environment' | 'shell_history';

export interface PlaintextFinding {
  readonly place: AuditPlace;
  /** File and line, or `$NAME` for the environment. */
  readonly where: string;
  /** A secret-format id, `known:<NAME>` for a value that is in the vault, or `env-name` for a secret-looking variable. */
  readonly kind: string;
  readonly advice: string;
}

export interface AuditOptions {
  readonly dataDir: string;
  readonly configFile: string;
  readonly env: Readonly<Record<string, string>>;
  readonly homeDir: string;
  /** Values already in the vault, to recognise copies of them. */
  readonly known?: LeakScanner;
  readonly formats?: readonly PatternDef[];
  /** Per-file read limit. */
  readonly maxFileBytes?: number;
}

const HISTORY_FILES = [
  ['.bash_history'],
  ['.zsh_history'],
  ['.histfile'],
  ['.local', 'share', 'fish', 'fish_history'],
  ['.python_history'],
  ['.node_repl_history'],
  ['.psql_history'],
  ['.mysql_history'],
  ['.sqlite_history'],
];
/** The vault holds only ciphertext; its own files are not plaintext. */
const SKIP_IN_DATA_DIR = /^vault\.db(?:-wal|-shm|-journal)?$/;
const MAX_FILES = 10_000;

interface Match {
  readonly kind: string;
  readonly offset: number;
}

function scanText(text: string, formats: SecretScanner, known: LeakScanner | undefined): Match[] {
  const out: Match[] = [];
  formats.forEachMatch(text, (format, m) => {
    if (m.valid) out.push({ kind: format.def.id, offset: m.start });
  });
  for (const h of known?.scan(text) ?? []) out.push({ kind: `known:${h.secretName}`, offset: h.start });
  return out;
}

/** Line number of each offset, in one pass over the text however many matches there are. */
function linesOf(text: string, offsets: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  let line = 1;
  let nl = text.indexOf('\n');
  for (const offset of [...new Set(offsets)].sort((a, b) => a - b)) {
    while (nl !== -1 && nl < offset) {
      line++;
      nl = text.indexOf('\n', nl + 1);
    }
    out.set(offset, line);
  }
  return out;
}

/**
 * The first `max` bytes of a regular file. Opened non-blocking and checked with fstat, so a FIFO (or a
 * symlink to one, or to a device) planted as a history file is skipped instead of blocking the audit in open.
 */
function readHead(file: string, max: number): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
    const st = fstatSync(fd);
    if (!st.isFile()) return undefined;
    const buf = Buffer.alloc(Math.min(max, st.size));
    let total = 0;
    while (total < buf.length) {
      const n = readSync(fd, buf, total, buf.length - total, null);
      if (n === 0) break;
      total += n;
    }
    return buf.subarray(0, total).toString('latin1');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function advise(place: AuditPlace, where: string, kind: string): string {
  const name = kind.startsWith('known:') ? kind.slice(6) : 'NAME';
  const store = kind.startsWith('known:')
    ? `it is already in the vault as ${name}`
    : `store it with: bulwark secrets set ${name}  (value on the hidden prompt or stdin)`;
  switch (place) {
    case 'config':
      return `${store}; then replace the value in ${where.split(':')[0]} with { secret: ${name} }`;
    case 'data_dir':
      return `${store}; then delete or rewrite ${where.split(':')[0]} (and rotate the secret if the file was ever shared)`;
    case 'shell_history':
      return `${store}; then remove the line from ${where.split(':')[0]} and rotate the secret (history files are often synced and backed up)`;
    case 'environment':
      return `${store}; then remove it from your shell profile / service unit`;
  }
}

function scanFile(
  place: AuditPlace,
  file: string,
  opts: AuditOptions,
  formats: SecretScanner,
  out: PlaintextFinding[],
): void {
  const text = readHead(file, opts.maxFileBytes ?? 16 * 1024 * 1024);
  if (text === undefined) return;
  const matches = scanText(text, formats, opts.known);
  const lines = linesOf(
    text,
    matches.map((m) => m.offset),
  );
  for (const m of matches) {
    const where = `${file}:${lines.get(m.offset) ?? 1}`;
    out.push({ place, where, kind: m.kind, advice: advise(place, where, m.kind) });
  }
}

function walk(dir: string, out: string[]): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (out.length >= MAX_FILES) return;
    const p = childPath(dir, n);
    let st;
    try {
      st = lstatSync(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) continue;
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile() && !SKIP_IN_DATA_DIR.test(n)) out.push(p);
  }
}

export function auditPlaintext(opts: AuditOptions): PlaintextFinding[] {
  const out: PlaintextFinding[] = [];
  // Compiled once for every file and variable of this audit.
  const formats = secretScanner(opts.formats ?? SECRET_FORMATS);
  if (existsSync(opts.configFile)) scanFile('config', opts.configFile, opts, formats, out);

  const files: string[] = [];
  if (existsSync(opts.dataDir)) walk(opts.dataDir, files);
  for (const f of files) if (f !== opts.configFile) scanFile('data_dir', f, opts, formats, out);

  for (const [name, value] of Object.entries(opts.env).sort(([a], [b]) => a.localeCompare(b))) {
    if (name === MASTER_KEY_ENV || value === '') continue;
    const byValue = scanText(value, formats, opts.known)[0];
    if (!looksLikeSecretEnvName(name) && !byValue) continue;
    const kind = byValue?.kind ?? 'env-name';
    const advice = kind.startsWith('known:')
      ? `it is already in the vault as ${kind.slice(6)}; remove it from your shell profile / service unit`
      : `store it with: printf %s "$${name}" | bulwark secrets set ${name}; then remove it from your shell profile / service unit (bulwark scrubs it from its children, but other programs still see it)`;
    out.push({ place: 'environment', where: `$${name}`, kind, advice });
  }

  for (const parts of HISTORY_FILES) {
    const file = childPath(opts.homeDir, ...parts);
    if (existsSync(file)) scanFile('shell_history', file, opts, formats, out);
  }
  return out;
}
