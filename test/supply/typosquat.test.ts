/** The L25 typosquat rule: the edit shapes squatters use are refused, distinct words and families are not. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { updateIndex } from '../../src/supply/osv/advisory-index.js';
import { screenPackage } from '../../src/supply/osv/screen.js';
import { typosquatOf } from '../../src/supply/osv/typosquat.js';
import { runCliInProcess } from '../support/cli-in-process.js';

const squat = (eco: string, name: string) => typosquatOf(eco, name)?.popular;
const shape = (eco: string, name: string) => typosquatOf(eco, name)?.shape;

function indexedData(): string {
  const data = mkdtempSync(path.join(tmpdir(), 'bulwark-squat-data-'));
  const src = mkdtempSync(path.join(tmpdir(), 'bulwark-squat-osv-'));
  writeFileSync(
    path.join(src, 'MAL-1.json'),
    JSON.stringify({ id: 'MAL-1', affected: [{ package: { ecosystem: 'npm', name: 'evil-pkg' } }] }),
  );
  const r = updateIndex(data, src);
  if (!r.ok) throw new Error(r.error.message);
  return data;
}

describe('L25 typosquat rule', () => {
  it('refuses the typo shapes and names the popular package and the shape', () => {
    expect([squat('npm', 'expresss'), shape('npm', 'expresss')]).toEqual(['express', 'doubled character']);
    expect([squat('npm', 'lodahs'), shape('npm', 'lodahs')]).toEqual(['lodash', 'swapped']);
    expect([squat('npm', 'lodsh'), shape('npm', 'lodsh')]).toEqual(['lodash', 'dropped character']);
    expect([squat('npm', 'reacr'), shape('npm', 'reacr')]).toEqual(['react', 'neighbouring key']);
    expect([squat('npm', '1odash'), shape('npm', '1odash')]).toEqual(['lodash', 'look-alike character']);
    expect([squat('npm', 'cross_env'), shape('npm', 'cross_env')]).toEqual(['cross-env', 'separator changed']);
    expect([squat('npm', 'crossenv'), shape('npm', 'crossenv')]).toEqual(['cross-env', 'separator dropped']);
    expect([squat('npm', '@react/dom'), shape('npm', '@react/dom')]).toEqual(['react-dom', 'scope confusion']);
    expect(squat('npm', 'babel-cor')).toBe('babel-core');
    expect(squat('pypi', 'reqeusts')).toBe('requests');
    expect(squat('pypi', 'pythondateutil')).toBe('python-dateutil');
    expect(squat('npm', 'jeest')).toBe('jest');
  });

  it('lets through distinct words, plurals, version families, PyPI spellings of the same name', () => {
    // The reviewer's false positives under the old one-edit rule, and the ones the same rule implied.
    for (const name of ['mysql2', 'preact', 'color', 'uid', 'sqlite', 'nest', 'test', 'ioredis', 'vuex'])
      expect(typosquatOf('npm', name), name).toBeUndefined();
    for (const name of ['boto', 'psycopg', 'jinja', 'scapy', 'python_dateutil', 'Scikit_Learn'])
      expect(typosquatOf('pypi', name), name).toBeUndefined();
    expect(typosquatOf('npm', 'express')).toBeUndefined();
    expect(typosquatOf('npm', '@types/react')).toBeUndefined();
  });

  it('an exact name in allowNames is never a typosquat; any other spelling still is', () => {
    expect(typosquatOf('npm', 'expresss', ['expresss'])).toBeUndefined();
    expect(typosquatOf('npm', 'expres', ['expresss'])?.popular).toBe('express');
  });

  it('the refusal names the fix: the spelling, or supply.allowNames; an allowed name is still screened', () => {
    const data = indexedData();
    const spec = { ecosystem: 'npm' as const, name: 'expresss', version: '1.0.0' };
    const refused = screenPackage(data, spec);
    expect(!refused.ok && refused.error.code).toBe('supply.typosquat');
    expect(!refused.ok && refused.error.message).toContain('supply.allowNames');
    expect(!refused.ok && refused.error.layer).toBe('L25');
    expect(screenPackage(data, spec, { allowNames: ['expresss'] }).ok).toBe(true);
    const listed = screenPackage(
      data,
      { ecosystem: 'npm', name: 'evil-pkg', version: '1.0.0' },
      { allowNames: ['evil-pkg'] },
    );
    expect(!listed.ok && listed.error.code).toBe('supply.malicious');
  });

  it('bulwark supply check reads supply.allowNames from the config', async () => {
    const data = indexedData();
    const before = await runCliInProcess(data, ['supply', 'check', 'npm', 'expresss', '1.0.0', '--json']);
    expect(before.code).toBe(2);
    expect(JSON.parse(before.out).reason).toContain('supply.allowNames');
    expect((await runCliInProcess(data, ['supply', 'check', 'npm', 'mysql2', '3.11.0'])).code).toBe(0);
    writeFileSync(path.join(data, 'config.yaml'), 'supply:\n  allowNames: [expresss]\n');
    const after = await runCliInProcess(data, ['supply', 'check', 'npm', 'expresss', '1.0.0']);
    expect([after.code, after.out]).toEqual([0, 'allow: pinned, not listed in a fresh index, no typosquat\n']);
    writeFileSync(path.join(data, 'config.yaml'), 'supply:\n  allowNames: ["bad name"]\n');
    const bad = await runCliInProcess(data, ['supply', 'check', 'npm', 'expresss', '1.0.0']);
    expect(bad.code).toBe(1);
  });
});
