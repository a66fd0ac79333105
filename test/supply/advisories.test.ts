/** L25 on a real index file: import, lookups, and every way it fails closed. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadIndex, updateIndex } from '../../src/supply/osv/advisory-index.js';
import { parsePackageSpec, screenPackage } from '../../src/supply/osv/screen.js';
import { inRange } from '../../src/supply/osv/versions.js';

const mal = (id: string, name: string, affected: Record<string, unknown>) => ({
  id,
  affected: [{ package: { ecosystem: 'npm', name }, ...affected }],
});

function osvFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-osv-'));
  mkdirSync(path.join(dir, 'npm', 'evil'), { recursive: true });
  writeFileSync(
    path.join(dir, 'npm', 'evil', 'MAL-1.json'),
    JSON.stringify(mal('MAL-1', 'evil-pkg', { ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] })),
  );
  writeFileSync(path.join(dir, 'MAL-2.json'), JSON.stringify(mal('MAL-2', 'good-lib', { versions: ['2.0.1'] })));
  writeFileSync(
    path.join(dir, 'MAL-3.json'),
    JSON.stringify(
      mal('MAL-3', 'ranged', { ranges: [{ type: 'SEMVER', events: [{ introduced: '1.2.0' }, { fixed: '1.3.0' }] }] }),
    ),
  );
  // Not malware: a plain vulnerability record is not part of this index.
  writeFileSync(
    path.join(dir, 'GHSA-x.json'),
    JSON.stringify({ ...mal('GHSA-x', 'lodash', { versions: ['4.17.20'] }) }),
  );
  writeFileSync(path.join(dir, 'list.csv'), 'Package,Compromised Versions\n"bad-list","0.5.0, 0.6.0"\n');
  return dir;
}

const spec = (s: string) => {
  const r = parsePackageSpec('npm', s);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
};

describe('L25 advisory index', () => {
  it('refuses every start without an index, with the command that builds one', () => {
    const data = mkdtempSync(path.join(tmpdir(), 'bulwark-data-'));
    const r = screenPackage(data, spec('express@4.19.2'));
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('supply.no_index');
      expect(r.error.layer).toBe('L25');
      expect(r.error.message).toContain('bulwark supply update');
    }
  });

  it('imports MAL- records and lists, and refuses listed name@version; other versions and clean names pass', () => {
    const data = mkdtempSync(path.join(tmpdir(), 'bulwark-data-'));
    const built = updateIndex(data, osvFolder());
    expect(built.ok).toBe(true);
    const refused = (s: string) => !screenPackage(data, spec(s)).ok;
    expect(refused('evil-pkg@0.0.1')).toBe(true);
    expect(refused('evil-pkg@9.9.9')).toBe(true);
    expect(refused('good-lib@2.0.1')).toBe(true);
    expect(refused('good-lib@2.0.2')).toBe(false);
    expect(refused('ranged@1.2.5')).toBe(true);
    expect(refused('ranged@1.3.0')).toBe(false);
    expect(refused('bad-list@0.6.0')).toBe(true);
    expect(refused('bad-list@0.7.0')).toBe(false);
    expect(refused('lodash@4.17.20')).toBe(false);
    const index = loadIndex(data);
    expect(index.ok && index.value.sources[0]?.records).toBe(4); // 3 MAL- records and 1 list row; GHSA skipped
  });

  it('refuses a stale index for new starts', () => {
    const data = mkdtempSync(path.join(tmpdir(), 'bulwark-data-'));
    expect(updateIndex(data, osvFolder(), { now: new Date('2026-01-01T00:00:00Z') }).ok).toBe(true);
    const r = screenPackage(data, spec('express@4.19.2'), { now: new Date('2026-01-20T00:00:00Z') });
    expect(!r.ok && r.error.code).toBe('supply.stale_index');
    expect(screenPackage(data, spec('express@4.19.2'), { now: new Date('2026-01-05T00:00:00Z') }).ok).toBe(true);
  });

  it('refuses unpinned and malformed specs, a zip, an empty source and a broken index file', () => {
    for (const s of [
      'express',
      'express@^4.0.0',
      'express@latest',
      'express@git+https://x/y',
      '@scope@1.0.0',
      'EXPRESS@1.0.0',
    ])
      expect(parsePackageSpec('npm', s).ok, s).toBe(false);
    expect(parsePackageSpec('npm', '@modelcontextprotocol/server-memory@2026.8.31').ok).toBe(true);
    expect(parsePackageSpec('pypi', 'requests==2.32.3').ok).toBe(true);
    expect(parsePackageSpec('pypi', 'requests>=2').ok).toBe(false);
    expect(parsePackageSpec('cargo', 'serde@1.0.0').ok).toBe(false);

    const data = mkdtempSync(path.join(tmpdir(), 'bulwark-data-'));
    expect(updateIndex(data, '/nonexistent/osv.zip').ok).toBe(false);
    const empty = mkdtempSync(path.join(tmpdir(), 'bulwark-osv-empty-'));
    const e = updateIndex(data, empty);
    expect(!e.ok && e.error.code).toBe('supply.empty');
    const junk = path.join(empty, 'x.json');
    writeFileSync(junk, '{not json');
    expect(updateIndex(data, empty).ok).toBe(false);
    mkdirSync(path.join(data, 'supply'), { recursive: true });
    writeFileSync(path.join(data, 'supply', 'advisories.json'), '[]');
    const broken = screenPackage(data, spec('express@4.19.2'));
    expect(!broken.ok && broken.error.code).toBe('supply.bad_index');
  });

  it('matches OSV ranges', () => {
    expect(inRange('1.2.0', [{ introduced: '1.2.0' }, { fixed: '1.3.0' }])).toBe(true);
    expect(inRange('1.1.9', [{ introduced: '1.2.0' }, { fixed: '1.3.0' }])).toBe(false);
    expect(inRange('1.4.0', [{ introduced: '1.2.0' }, { last_affected: '1.4.0' }])).toBe(true);
    expect(inRange('not-a-version', [{ introduced: '1.2.0' }])).toBe('unknown');
  });
});
