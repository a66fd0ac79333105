/**
 * L25 scorecard: an index built (in a temporary data dir) from the corpora's malicious-package lists and OSV
 * samples; every listed name@version must be refused, other versions of compromised packages (the near misses)
 * and popular clean packages must pass, and without an index every start is refused. Also the lookup time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Suite } from '../harness.js';
import { markdownTable } from '../harness.js';
import { corpusPath, readCorpus } from '../corpora.js';
import { loadIndex, lookup, updateIndex } from '../../src/supply/osv/advisory-index.js';
import { screenAgainst, screenPackage } from '../../src/supply/osv/screen.js';
import { POPULAR_PACKAGES } from '../../src/supply/osv/popular-packages.js';

const SAMPLES = 'malicious-packages/osv-samples';
const SHAI = 'malicious-packages/shai-hulud_malicious_npm_packages.json';
const CSV = 'malicious-packages/compromised-packages.csv';
const FIGURES = {
  listed: 'listed_versions_refused',
  nearMiss: 'compromised_other_versions_allowed',
  popular: 'popular_packages_allowed',
  noIndex: 'no_index_refused',
};

const suite: Suite = {
  name: 'supply-advisories',
  corpora: {
    files: [`${SAMPLES}/MAL-2022-9.json`, `${SAMPLES}/MAL-2025-191025.json`, SHAI, CSV],
    figures: Object.values(FIGURES),
  },
  async run() {
    const data = mkdtempSync(path.join(tmpdir(), 'bulwark-eval-l25-'));
    try {
      const noIndex = screenPackage(data, { ecosystem: 'npm', name: 'express', version: '4.19.2' });
      for (const src of [SAMPLES, SHAI, CSV]) {
        const r = updateIndex(data, corpusPath(src));
        if (!r.ok) throw new Error(r.error.message);
      }
      const index = loadIndex(data);
      if (!index.ok) throw new Error(index.error.message);
      const listed: Array<{ name: string; version: string }> = [
        { name: '0-dns', version: '1.0.0' },
        { name: '02-echo', version: '0.0.7' },
      ];
      const shai = JSON.parse(readCorpus(SHAI)) as Record<string, { versions: string[] }>;
      for (const [name, v] of Object.entries(shai))
        for (const version of v.versions.length ? v.versions : ['1.0.0']) listed.push({ name, version });
      const nearMiss: Array<{ name: string; version: string }> = [];
      for (const line of readCorpus(CSV).split('\n').slice(1)) {
        const m = /^"([^"]+)","([^"]*)"/.exec(line.trim());
        if (!m?.[1]) continue;
        const versions = (m[2] ?? '')
          .split(',')
          .map((v) => v.trim())
          .filter(Boolean);
        for (const version of versions) listed.push({ name: m[1], version });
        // A version none of the lists names: a patch level far above the compromised ones.
        if (versions.length && !shai[m[1]]) nearMiss.push({ name: m[1], version: '999.0.0' });
      }
      let refused = 0;
      const missed: string[] = [];
      const t0 = performance.now();
      for (const p of listed) {
        if (!screenAgainst(index.value, { ecosystem: 'npm', ...p }).ok) refused++;
        else if (missed.length < 10) missed.push(`${p.name}@${p.version}`);
      }
      const nearAllowed = nearMiss.filter((p) => screenAgainst(index.value, { ecosystem: 'npm', ...p }).ok).length;
      const popular = [
        ...(POPULAR_PACKAGES.npm ?? []).map((name) => ({ ecosystem: 'npm' as const, name, version: '1.0.0' })),
        ...(POPULAR_PACKAGES.pypi ?? []).map((name) => ({ ecosystem: 'pypi' as const, name, version: '1.0.0' })),
      ];
      const popularAllowed = popular.filter((p) => screenAgainst(index.value, p).ok).length;
      const lookups = 20_000;
      const l0 = performance.now();
      for (let i = 0; i < lookups; i++) {
        const p = listed[i % listed.length];
        if (p) lookup(index.value, 'npm', p.name, p.version);
      }
      const lookupUs = ((performance.now() - l0) * 1000) / lookups;
      const figures = {
        listedRefused: refused / listed.length,
        nearMissAllowed: nearMiss.length ? nearAllowed / nearMiss.length : 1,
        popularAllowed: popularAllowed / popular.length,
        noIndexRefused: noIndex.ok ? 0 : 1,
        lookupUs,
        screenMsTotal: performance.now() - t0,
      };
      const markdown = [
        'L25 with an index built from the corpora (OSV MAL samples, the Shai-Hulud npm list, the compromised-packages CSV).',
        '',
        markdownTable(
          ['check', 'count', 'rate'],
          [
            ['listed name@version refused', `${refused}/${listed.length}`, figures.listedRefused],
            [
              'compromised packages at an unlisted version allowed',
              `${nearAllowed}/${nearMiss.length}`,
              figures.nearMissAllowed,
            ],
            [
              'popular packages allowed (exact names, a sanity check: the false-positive rate is in supply-typosquat)',
              `${popularAllowed}/${popular.length}`,
              figures.popularAllowed,
            ],
            ['start refused without an index', noIndex.ok ? '0/1' : '1/1', figures.noIndexRefused],
          ],
        ),
        '',
        `Missed: ${missed.join(', ') || 'none'}. Lookup: ${lookupUs.toFixed(2)} µs per name@version (in this run).`,
      ].join('\n');
      return {
        name: 'supply-advisories',
        markdown,
        data: { figures, listed: listed.length, nearMiss: nearMiss.length },
        checks: [
          { name: FIGURES.listed, value: figures.listedRefused, min: 1 },
          { name: FIGURES.nearMiss, value: figures.nearMissAllowed, min: 1 },
          { name: FIGURES.popular, value: figures.popularAllowed, min: 1 },
          { name: FIGURES.noIndex, value: figures.noIndexRefused, min: 1 },
        ],
      };
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  },
};

export default suite;
