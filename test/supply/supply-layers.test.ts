/** `bulwark layers` reports L25 from the real index: degraded (fail closed) without one or when stale, on when fresh. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { supplyLayers } from '../../src/supply/layer-report.js';
import { updateIndex } from '../../src/supply/osv/advisory-index.js';

const l25 = (options: Parameters<typeof supplyLayers>[0]) =>
  supplyLayers(options)
    .layers()
    .find((l) => l.id === 'L25');

describe('L25 in bulwark layers', () => {
  it('follows the advisory index of the data dir', () => {
    const data = mkdtempSync(path.join(tmpdir(), 'bulwark-data-'));
    expect(l25({ dataDir: data })).toMatchObject({ state: 'degraded' });
    expect(l25({ dataDir: data })?.reason).toContain('bulwark supply update');
    const osv = mkdtempSync(path.join(tmpdir(), 'bulwark-osv-'));
    writeFileSync(
      path.join(osv, 'MAL-1.json'),
      JSON.stringify({
        id: 'MAL-1',
        affected: [{ package: { ecosystem: 'npm', name: 'evil-pkg' }, versions: ['1.0.0'] }],
      }),
    );
    expect(updateIndex(data, osv).ok).toBe(true);
    expect(l25({ dataDir: data })).toMatchObject({ state: 'on' });
    const later = new Date(Date.now() + 8 * 86_400_000);
    expect(l25({ dataDir: data, now: later })).toMatchObject({ state: 'degraded' });
    expect(l25({ dataDir: data, now: later, maxIndexAgeDays: 30 })).toMatchObject({ state: 'on' });
  });
});
