/**
 * Version matching for OSV `affected` entries: an explicit `versions` list, or SEMVER/ECOSYSTEM ranges of
 * introduced/fixed/last_affected events. Versions are compared as dotted numbers with an optional pre-release
 * (enough for npm and PyPI release numbers); a version that does not parse matches only an exact listing or an
 * every-version range, never a bounded one — and the caller treats "cannot tell" as affected.
 */
export interface RangeEvent {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly last_affected?: string;
}

type Parsed = { nums: number[]; pre: string };

export function parseVersion(v: string): Parsed | undefined {
  const core = v.trim().replace(/^v/, '').split('+')[0] ?? '';
  const numeric = /^[\d.]{1,60}/.exec(core)?.[0] ?? '';
  const parts = numeric.replace(/\.$/, '').split('.');
  if (parts.length > 6 || parts.some((p) => p === '' || p.length > 9)) return undefined;
  const pre = core.slice(numeric.length).replace(/^[-.]/, '');
  if (pre.length > 64 || !/^[0-9A-Za-z.-]*$/.test(pre)) return undefined;
  return { nums: parts.map(Number), pre };
}

export function compareVersions(a: Parsed, b: Parsed): number {
  const n = Math.max(a.nums.length, b.nums.length);
  for (let i = 0; i < n; i++) {
    const d = (a.nums[i] ?? 0) - (b.nums[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  if (a.pre === b.pre) return 0;
  if (a.pre === '') return 1;
  if (b.pre === '') return -1;
  return a.pre < b.pre ? -1 : 1;
}

/** Whether `version` falls in the range described by `events` (OSV semantics, events in any order). */
export function inRange(version: string, events: readonly RangeEvent[]): boolean | 'unknown' {
  const introducedAll = events.some((e) => e.introduced === '0') && !events.some((e) => e.fixed || e.last_affected);
  if (introducedAll) return true;
  const v = parseVersion(version);
  if (!v) return 'unknown';
  const points: Array<{ kind: 'introduced' | 'fixed' | 'last'; parsed: Parsed | undefined }> = [];
  for (const e of events) {
    const [kind, at] =
      e.introduced !== undefined
        ? (['introduced', e.introduced] as const)
        : e.fixed !== undefined
          ? (['fixed', e.fixed] as const)
          : e.last_affected !== undefined
            ? (['last', e.last_affected] as const)
            : [undefined, ''];
    if (kind) points.push({ kind, parsed: at === '0' ? { nums: [0], pre: '' } : parseVersion(at) });
  }
  if (points.some((p) => !p.parsed)) return 'unknown';
  points.sort((a, b) => compareVersions(a.parsed as Parsed, b.parsed as Parsed));
  let affected = false;
  for (const p of points) {
    const c = compareVersions(v, p.parsed as Parsed);
    if (p.kind === 'introduced' && c >= 0) affected = true;
    else if (p.kind === 'fixed' && c >= 0) affected = false;
    else if (p.kind === 'last' && c > 0) affected = false;
  }
  return affected;
}
