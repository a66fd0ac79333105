/**
 * L25's local advisory index, built offline from OSV exports (`bulwark supply update --from DIR|FILE|ZIP`): OSV JSON
 * records whose id starts with `MAL-` (malicious packages), plus lists of compromised versions (a CSV
 * `Package,Compromised Versions` or a JSON map name → {versions}). Stored as `<dataDir>/supply/advisories.json`
 * with each source and the build date. Lookups fail closed: no index, a stale index or a spec that does not parse
 * is a refusal that says how to fix it.
 */
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import {
  writeFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  childPath,
} from '../../core/index.js';
import { walkZip } from '../skills/archive/zip.js';
import { inRange, type RangeEvent } from './versions.js';

export interface AdvisoryEntry {
  readonly ids: string[];
  /** Every version is malicious (a MAL record with introduced: 0, or a list entry without versions). */
  all: boolean;
  readonly versions: string[];
  readonly ranges: RangeEvent[][];
}

export interface AdvisoryIndex {
  readonly version: 1;
  readonly builtAt: string;
  readonly sources: Array<{ readonly path: string; readonly importedAt: string; readonly records: number }>;
  readonly entries: Record<string, AdvisoryEntry>;
}

const MAX_FILES = 2_000_000;
/** Caps for an OSV export zip: large (npm's all.zip holds hundreds of thousands of records), each record small. */
export const OSV_ZIP_LIMITS = {
  maxZipBytes: 1024 * 1024 * 1024,
  maxEntries: MAX_FILES,
  maxRecordBytes: 4 * 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024 * 1024,
  maxRatio: 100,
};
const MAX_FILE_BYTES = 32 * 1024 * 1024;

const fail = (code: string, message: string, status = 400): Result<never, BulwarkError> =>
  err(bulwarkError(`supply.${code}`, message, { layer: 'L25', status }));

/** npm names compare case-insensitively here; PyPI names by PEP 503 normalisation. */
export function packageKey(ecosystem: string, name: string): string {
  const eco = ecosystem.toLowerCase();
  const n = eco === 'pypi' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name.toLowerCase();
  return `${eco}:${n}`;
}

export function indexFile(dataDir: string): string {
  return childPath(dataDir, 'supply', 'advisories.json');
}

export function loadIndex(dataDir: string): Result<AdvisoryIndex, BulwarkError> {
  const file = indexFile(dataDir);
  if (!existsSync(file))
    return fail(
      'no_index',
      'no malware advisory index: L25 refuses to start packages it cannot check. Build one offline: bulwark supply update --from OSV-FOLDER (OSV JSON records, e.g. an unpacked ossf/malicious-packages export)',
      503,
    );
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as AdvisoryIndex;
    if (parsed.version !== 1 || typeof parsed.entries !== 'object' || parsed.entries === null)
      return fail('bad_index', `${file} is not an advisory index: rebuild it with bulwark supply update --from …`, 503);
    return ok(parsed);
  } catch (cause) {
    return fail(
      'bad_index',
      `cannot read ${file} (${describeCause(cause)}): rebuild it with bulwark supply update`,
      503,
    );
  }
}

function addEntry(
  entries: Record<string, AdvisoryEntry>,
  key: string,
  id: string,
  patch: Partial<Pick<AdvisoryEntry, 'all'>> & { versions?: string[]; range?: RangeEvent[] },
): void {
  const e = (entries[key] ??= { ids: [], all: false, versions: [], ranges: [] });
  if (!e.ids.includes(id)) e.ids.push(id);
  if (patch.all) e.all = true;
  for (const v of patch.versions ?? []) if (!e.versions.includes(v)) e.versions.push(v);
  if (patch.range) e.ranges.push(patch.range);
}

interface OsvRecord {
  id?: unknown;
  affected?: Array<{
    package?: { ecosystem?: unknown; name?: unknown };
    versions?: unknown;
    ranges?: Array<{ type?: unknown; events?: RangeEvent[] }>;
  }>;
}

/** One OSV record into the entries; records that are not MAL- are skipped (this index is about malware). */
function importOsvRecord(entries: Record<string, AdvisoryEntry>, rec: OsvRecord): number {
  if (typeof rec.id !== 'string' || !rec.id.startsWith('MAL-') || !Array.isArray(rec.affected)) return 0;
  let n = 0;
  for (const a of rec.affected) {
    const eco = a.package?.ecosystem;
    const name = a.package?.name;
    if (typeof eco !== 'string' || typeof name !== 'string') continue;
    const key = packageKey(eco, name);
    const versions = Array.isArray(a.versions) ? a.versions.filter((v): v is string => typeof v === 'string') : [];
    const ranges = (a.ranges ?? []).filter((r) => Array.isArray(r.events)).map((r) => r.events ?? []);
    const everyVersion = ranges.some(
      (ev) => inRange('0.0.0', ev) === true && !ev.some((e) => e.fixed || e.last_affected),
    );
    addEntry(entries, key, rec.id, { all: everyVersion || (versions.length === 0 && ranges.length === 0), versions });
    for (const r of ranges) if (!everyVersion) addEntry(entries, key, rec.id, { range: r });
    n++;
  }
  return n;
}

function importCsv(entries: Record<string, AdvisoryEntry>, text: string, ecosystem: string, source: string): number {
  let n = 0;
  for (const line of text.split('\n').slice(1)) {
    const m = /^"([^"]{1,214})","([^"]{0,10000})"\s*$/.exec(line.trim());
    if (!m?.[1]) continue;
    const versions = (m[2] ?? '')
      .split(',')
      .map((v) => v.trim())
      .filter(Boolean);
    addEntry(entries, packageKey(ecosystem, m[1]), `list:${source}`, { all: versions.length === 0, versions });
    n++;
  }
  return n;
}

function importList(
  entries: Record<string, AdvisoryEntry>,
  data: Record<string, unknown>,
  ecosystem: string,
  source: string,
): number {
  let n = 0;
  for (const [name, value] of Object.entries(data)) {
    const versions =
      value && typeof value === 'object' && Array.isArray((value as { versions?: unknown }).versions)
        ? ((value as { versions: unknown[] }).versions.filter((v) => typeof v === 'string') as string[])
        : [];
    addEntry(entries, packageKey(ecosystem, name), `list:${source}`, { all: versions.length === 0, versions });
    n++;
  }
  return n;
}

function importFile(
  entries: Record<string, AdvisoryEntry>,
  file: string,
  ecosystem: string,
): Result<number, BulwarkError> {
  const size = lstatSync(file).size;
  if (size > MAX_FILE_BYTES) return fail('too_large', `${file} is larger than ${MAX_FILE_BYTES} bytes`);
  return importText(entries, file, readFileSync(file, 'utf8'), ecosystem);
}

/** One file's text (`file` names it in errors; `.csv` means a compromised-versions list, anything else JSON). */
function importText(
  entries: Record<string, AdvisoryEntry>,
  file: string,
  text: string,
  ecosystem: string,
): Result<number, BulwarkError> {
  const base = file.split('/').pop() ?? file;
  if (file.endsWith('.csv')) {
    if (!/^Package,/i.test(text))
      return fail('format', `${file}: a CSV must start with the header "Package,Compromised Versions"`);
    return ok(importCsv(entries, text, ecosystem, base));
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (cause) {
    return fail('format', `${file} is not JSON (${describeCause(cause)}): give OSV JSON records or a folder of them`);
  }
  // An OSV record without `affected` (withdrawn, or another ecosystem's shape) is a record, never a name map.
  if (data && typeof data === 'object' && !Array.isArray(data) && ('affected' in data || 'id' in data))
    return ok(importOsvRecord(entries, data as OsvRecord));
  if (Array.isArray(data)) return ok(data.reduce<number>((n, r) => n + importOsvRecord(entries, r as OsvRecord), 0));
  if (data && typeof data === 'object')
    return ok(importList(entries, data as Record<string, unknown>, ecosystem, base));
  return fail('format', `${file}: not an OSV record, an array of them, or a name → {versions} map`);
}

export interface UpdateOptions {
  /** Ecosystem of list files (CSV, name map) that do not say it; OSV records carry their own. Default npm. */
  readonly ecosystem?: string;
  readonly now?: Date;
}

/** Imports OSV records (a folder, recursively, or one file) into the index, replacing nothing already there. */
export function updateIndex(
  dataDir: string,
  from: string,
  options: UpdateOptions = {},
): Result<AdvisoryIndex, BulwarkError> {
  if (!existsSync(from))
    return fail('source', `${from} does not exist: give a folder of OSV JSON records, one file, or an OSV all.zip`);
  const previous = existsSync(indexFile(dataDir)) ? loadIndex(dataDir) : ok(undefined);
  if (!previous.ok) return previous;
  const entries: Record<string, AdvisoryEntry> = structuredClone(previous.value?.entries ?? {});
  const ecosystem = options.ecosystem ?? 'npm';
  let records = 0;
  let files = 0;
  const walk = (p: string): Result<void, BulwarkError> => {
    const st = lstatSync(p);
    if (st.isSymbolicLink()) return ok(undefined);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        const r = walk(childPath(p, name));
        if (!r.ok) return r;
      }
      return ok(undefined);
    }
    if (!/\.(?:json|csv)$/.test(p)) return ok(undefined);
    if (++files > MAX_FILES) return fail('too_many', `more than ${MAX_FILES} files under ${from}`);
    const n = importFile(entries, p, ecosystem);
    if (!n.ok) return n;
    records += n.value;
    return ok(undefined);
  };
  try {
    const r = isZip(from) ? importZip(entries, from, ecosystem) : walk(from);
    if (!r.ok) return r;
    if (typeof r.value === 'number') records += r.value;
  } catch (cause) {
    return fail('source', `cannot read ${from}: ${describeCause(cause)}`);
  }
  if (records === 0)
    return fail(
      'empty',
      `${from} holds no MAL- OSV records or package lists: nothing imported, the index is unchanged`,
    );
  const now = (options.now ?? new Date()).toISOString();
  const index: AdvisoryIndex = {
    version: 1,
    builtAt: now,
    sources: [...(previous.value?.sources ?? []), { path: from, importedAt: now, records }],
    entries,
  };
  mkdirSync(childPath(dataDir, 'supply'), { recursive: true, mode: 0o700 });
  writeFileAtomic(indexFile(dataDir), JSON.stringify(index) + '\n');
  return ok(index);
}

/** A zip is told by its first bytes, not its name. */
function isZip(path: string): boolean {
  if (!lstatSync(path).isFile()) return false;
  const head = Buffer.alloc(4);
  const fd = openSync(path, 'r');
  try {
    return readSync(fd, head, 0, 4, 0) === 4 && head.readUInt32LE(0) === 0x04034b50;
  } finally {
    closeSync(fd);
  }
}

/**
 * An OSV export zip (`all.zip`: one JSON record per entry) read with the skill archive's zip reader, entry by entry:
 * each record is parsed and dropped before the next is inflated. A hostile or damaged archive (a path that climbs
 * out, a link, an encrypted entry, a CRC or size that lies, a bomb past the caps) refuses the whole import.
 */
function importZip(
  entries: Record<string, AdvisoryEntry>,
  file: string,
  ecosystem: string,
): Result<number, BulwarkError> {
  const size = lstatSync(file).size;
  if (size > OSV_ZIP_LIMITS.maxZipBytes)
    return fail('too_large', `${file} is ${size} bytes, over ${OSV_ZIP_LIMITS.maxZipBytes}: split the export`);
  let records = 0;
  let count = 0;
  let total = 0;
  const walked = walkZip(readFileSync(file), {
    zip64: true,
    entry: (p) =>
      ++count > OSV_ZIP_LIMITS.maxEntries
        ? fail('too_many', `${file} has more than ${OSV_ZIP_LIMITS.maxEntries} entries (at ${p})`)
        : ok(undefined),
    bytes: (p, n) => {
      if (n > OSV_ZIP_LIMITS.maxRecordBytes)
        return fail(
          'too_large',
          `${file}: ${p} unpacks to ${n} bytes, over ${OSV_ZIP_LIMITS.maxRecordBytes} per record`,
        );
      total += n;
      if (total > OSV_ZIP_LIMITS.maxTotalBytes || (total > 1024 * 1024 && total > size * OSV_ZIP_LIMITS.maxRatio))
        return fail('too_large', `${file} unpacks to more than its caps (or is a compression bomb): refused`);
      return ok(undefined);
    },
    file: (p, bytes) => {
      if (!/\.(?:json|csv)$/.test(p)) return ok(undefined);
      const n = importText(entries, `${file}:${p}`, Buffer.from(bytes).toString('utf8'), ecosystem);
      if (!n.ok) return n;
      records += n.value;
      return ok(undefined);
    },
  });
  if (!walked.ok)
    return walked.error.code.startsWith('supply.')
      ? walked
      : fail('zip', `${file}: ${walked.error.message}; nothing imported, the index is unchanged`);
  return ok(records);
}

export type Lookup =
  { readonly listed: false } | { readonly listed: true; readonly ids: readonly string[]; readonly uncertain: boolean };

/** Whether `name@version` (or, without a version, any version) is listed. A version that cannot be compared counts. */
export function lookup(index: AdvisoryIndex, ecosystem: string, name: string, version?: string): Lookup {
  const e = index.entries[packageKey(ecosystem, name)];
  if (!e) return { listed: false };
  if (e.all || version === undefined) return { listed: true, ids: e.ids, uncertain: false };
  if (e.versions.includes(version)) return { listed: true, ids: e.ids, uncertain: false };
  let uncertain = false;
  for (const r of e.ranges) {
    const hit = inRange(version, r);
    if (hit === true) return { listed: true, ids: e.ids, uncertain: false };
    if (hit === 'unknown') uncertain = true;
  }
  return uncertain ? { listed: true, ids: e.ids, uncertain: true } : { listed: false };
}
