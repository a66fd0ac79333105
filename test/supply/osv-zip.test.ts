/** `bulwark supply update --from FILE.zip`: an OSV export read entry by entry; a hostile zip changes nothing. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { indexFile, loadIndex, lookup, OSV_ZIP_LIMITS, updateIndex } from '../../src/supply/osv/advisory-index.js';
import { runCliInProcess } from '../support/cli-in-process.js';
import { zip, type ZipItem } from './archive-builder.js';

const record = (id: string, name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    id,
    modified: '2026-01-01T00:00:00Z',
    affected: [{ package: { ecosystem: 'npm', name }, ...extra }],
  });

function zipFile(items: readonly ZipItem[], options: { zip64?: boolean } = {}): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-osvzip-')), 'all.zip');
  writeFileSync(file, zip(items, options));
  return file;
}

const fresh = () => mkdtempSync(path.join(tmpdir(), 'bulwark-osvzip-data-'));

const EXPORT: ZipItem[] = [
  { name: 'MAL-2026-1.json', data: record('MAL-2026-1', 'evil-pkg') },
  { name: 'MAL-2026-2.json', data: record('MAL-2026-2', 'bad-lib', { versions: ['2.0.1'] }), store: true },
  // Not malware: an ordinary vulnerability in the same export is not part of this index.
  { name: 'GHSA-aaaa-bbbb-cccc.json', data: record('GHSA-aaaa-bbbb-cccc', 'lodash', { versions: ['4.17.20'] }) },
  { name: 'README.txt', data: 'not a record' },
];

describe('L25 index from an OSV export zip', () => {
  it('imports the MAL- records of an all.zip and records the source', () => {
    const data = fresh();
    const file = zipFile(EXPORT);
    const r = updateIndex(data, file);
    expect(r.ok).toBe(true);
    const index = loadIndex(data);
    if (!index.ok) throw new Error(index.error.message);
    expect(Object.keys(index.value.entries).sort()).toEqual(['npm:bad-lib', 'npm:evil-pkg']);
    expect(lookup(index.value, 'npm', 'evil-pkg', '1.0.0').listed).toBe(true);
    expect(lookup(index.value, 'npm', 'bad-lib', '2.0.1').listed).toBe(true);
    expect(lookup(index.value, 'npm', 'bad-lib', '2.0.2').listed).toBe(false);
    expect(index.value.sources.at(-1)).toMatchObject({ path: file, records: 2 });
  });

  it('reads the zip64 end record OSV exports with many entries use', () => {
    const data = fresh();
    expect(updateIndex(data, zipFile(EXPORT, { zip64: true })).ok).toBe(true);
  });

  it('bulwark supply update --from FILE.zip, then check refuses a listed package', async () => {
    const data = fresh();
    const up = await runCliInProcess(data, ['supply', 'update', '--from', zipFile(EXPORT)]);
    expect([up.code, up.out]).toEqual([0, expect.stringContaining('imported 2 records')]);
    const check = await runCliInProcess(data, ['supply', 'check', 'npm', 'evil-pkg', '1.0.0']);
    expect(check.code).toBe(2);
  });

  const hostile: Array<[string, ZipItem[]]> = [
    ['an entry that climbs out', [...EXPORT, { name: '../MAL-2026-9.json', data: record('MAL-2026-9', 'x-pkg') }]],
    ['an absolute path', [...EXPORT, { name: '/etc/MAL-2026-9.json', data: record('MAL-2026-9', 'x-pkg') }]],
    ['a symlink', [...EXPORT, { name: 'link.json', data: '/etc/passwd', mode: 0o120777 }]],
    ['an encrypted entry', [...EXPORT, { name: 'MAL-2026-9.json', data: 'xx', encrypted: true }]],
    ['a size that lies', [...EXPORT, { name: 'MAL-2026-9.json', data: record('MAL-2026-9', 'x-pkg'), size: 10 }]],
    [
      'a record over the per-record cap',
      [...EXPORT, { name: 'MAL-2026-9.json', data: Buffer.alloc(OSV_ZIP_LIMITS.maxRecordBytes + 1, 0x20) }],
    ],
    [
      'a compression bomb (each record under the cap, the whole far over 100 times the zip)',
      [1, 2, 3].map((i) => ({
        name: `MAL-2026-${i}0.json`,
        data: record(`MAL-2026-${i}0`, `p${i}`) + ' '.repeat(1024 * 1024),
      })),
    ],
    ['a record that is not JSON', [...EXPORT, { name: 'MAL-2026-9.json', data: '{"id": "MAL-' }]],
  ];

  for (const [what, items] of hostile)
    it(`refuses the whole zip for ${what}, leaving the index as it was`, () => {
      const data = fresh();
      expect(updateIndex(data, zipFile([{ name: 'MAL-1.json', data: record('MAL-1', 'first') }])).ok).toBe(true);
      const before = readFileSync(indexFile(data), 'utf8');
      const r = updateIndex(data, zipFile(items));
      expect(r.ok).toBe(false);
      if (what.startsWith('a compression bomb')) expect(!r.ok && r.error.message).toMatch(/compression bomb/);
      if (!r.ok) {
        expect(r.error.code).toMatch(/^supply\./);
        expect(r.error.layer).toBe('L25');
      }
      expect(readFileSync(indexFile(data), 'utf8')).toBe(before);
    });

  it('a damaged CRC refuses the import; with no index before, none is written', () => {
    const data = fresh();
    const bytes = zip(EXPORT.slice(0, 1), {});
    // Flip one byte of the stored CRC in the central directory (offset 16 of the first central entry).
    const cd = bytes.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bytes[cd + 16] = (bytes[cd + 16] ?? 0) ^ 0xff;
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-osvzip-')), 'crc.zip');
    writeFileSync(file, bytes);
    const r = updateIndex(data, file);
    expect(!r.ok && r.error.message).toMatch(/CRC-32/);
    expect(existsSync(indexFile(data))).toBe(false);
  });
});
