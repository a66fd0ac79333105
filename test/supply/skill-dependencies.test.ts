/** L25 on a skill's own dependencies at `skills add`: listed → refused, unpinned → a warning naming the fix. */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { updateIndex } from '../../src/supply/osv/advisory-index.js';
import { skillDependencies } from '../../src/supply/skills/dependencies.js';
import { addSkill, listSkills } from '../../src/supply/skills/store.js';
import { runCliInProcess } from '../support/cli-in-process.js';

function indexed(): string {
  const data = mkdtempSync(path.join(tmpdir(), 'bulwark-skilldeps-data-'));
  const src = mkdtempSync(path.join(tmpdir(), 'bulwark-skilldeps-osv-'));
  const rec = (id: string, ecosystem: string, name: string, versions: string[]) =>
    JSON.stringify({ id, affected: [{ package: { ecosystem, name }, versions }] });
  writeFileSync(path.join(src, 'MAL-1.json'), rec('MAL-1', 'npm', 'evil-helper', ['1.0.1']));
  writeFileSync(path.join(src, 'MAL-2.json'), rec('MAL-2', 'PyPI', 'bad-py', ['0.3.0']));
  const r = updateIndex(data, src);
  if (!r.ok) throw new Error(r.error.message);
  return data;
}

function skill(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-skilldeps-'));
  writeFileSync(
    path.join(dir, 'SKILL.md'),
    '---\nname: csv-tidy\ndescription: Tidy CSV files.\n---\nRun the script.\n',
  );
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, p)), { recursive: true });
    writeFileSync(path.join(dir, p), text);
  }
  return dir;
}

const lock = (deps: Record<string, string>) =>
  JSON.stringify({
    lockfileVersion: 3,
    packages: {
      '': { name: 'csv-tidy' },
      ...Object.fromEntries(Object.entries(deps).map(([n, v]) => [`node_modules/${n}`, { version: v }])),
    },
  });

describe('L25 on skill dependencies', () => {
  it('reads pins from package-lock.json, package.json and requirements.txt, and what is not pinned', () => {
    const files = [
      {
        path: 'package.json',
        bytes: Buffer.from(JSON.stringify({ dependencies: { a: '1.2.3', b: '^2.0.0', c: '^1' } })),
      },
      { path: 'package-lock.json', bytes: Buffer.from(lock({ c: '1.4.0', 'c/node_modules/d': '0.1.0' })) },
      {
        path: 'scripts/requirements.txt',
        bytes: Buffer.from('# tools\nrequests[socks]==2.32.3 ; python_version>"3"\nrich>=13\n'),
      },
    ];
    const deps = skillDependencies(files);
    if (!deps.ok) throw new Error(deps.error.message);
    expect(deps.value.pinned.map((p) => `${p.spec.ecosystem}:${p.spec.name}@${p.spec.version}`).sort()).toEqual([
      'npm:a@1.2.3',
      'npm:c@1.4.0',
      'npm:d@0.1.0',
      'pypi:requests@2.32.3',
    ]);
    expect(deps.value.unpinned.map((u) => u.name)).toEqual(['b', 'rich>=13']);
  });

  it('refuses a skill whose lockfile resolves a listed package, even with --override; nothing is installed', () => {
    const data = indexed();
    const dir = skill({ 'package-lock.json': lock({ 'left-pad': '1.3.0', 'evil-helper': '1.0.1' }) });
    for (const override of [undefined, 'csv-tidy']) {
      const r = addSkill(data, dir, override ? { override } : {});
      expect(!r.ok && [r.error.code, r.error.layer]).toEqual(['supply.malicious', 'L25']);
      expect(!r.ok && r.error.message).toContain('evil-helper (package-lock.json)');
    }
    expect(listSkills(data).ok && listSkills(data)).toMatchObject({ value: [] });
    expect(existsSync(path.join(data, 'skills', 'csv-tidy'))).toBe(false);
  });

  it('refuses a listed PyPI pin in requirements.txt; installs a clean one with a warning for what is unpinned', () => {
    const data = indexed();
    const bad = addSkill(data, skill({ 'scripts/requirements.txt': 'Bad_Py==0.3.0\n' }));
    expect(!bad.ok && bad.error.code).toBe('supply.malicious');
    const good = addSkill(data, skill({ 'scripts/requirements.txt': 'bad-py==0.4.0\nrequests\n' }));
    if (!good.ok) throw new Error(good.error.message);
    expect(good.value.dependencies.checked).toBe(1);
    expect(good.value.dependencies.warnings).toEqual([
      'scripts/requirements.txt: "requests" is not pinned, so L25 cannot check it: pin it as name==x.y.z',
    ]);
  });

  it('with pinned dependencies and no index the install is refused; without dependencies no index is needed', () => {
    const data = mkdtempSync(path.join(tmpdir(), 'bulwark-skilldeps-empty-'));
    const r = addSkill(data, skill({ 'package.json': JSON.stringify({ dependencies: { 'left-pad': '1.3.0' } }) }));
    expect(!r.ok && r.error.code).toBe('supply.no_index');
    expect(addSkill(data, skill({ 'scripts/run.py': 'print("hi")\n' })).ok).toBe(true);
  });

  it('bulwark skills add prints the check and the warning naming the fix', async () => {
    const data = indexed();
    const dir = skill({ 'package.json': JSON.stringify({ dependencies: { 'left-pad': '1.3.0', chalk: '^5.0.0' } }) });
    const run = await runCliInProcess(data, ['skills', 'add', dir]);
    expect(run.code).toBe(0);
    expect(run.out).toContain('L25: 1 pinned dependencies checked, none listed');
    expect(run.out).toContain('chalk "^5.0.0" is not pinned, so L25 cannot check it: pin an exact version');
    const bad = await runCliInProcess(data, [
      'skills',
      'add',
      skill({ 'package.json': '{"dependencies":{"evil-helper":"1.0.1"}}' }),
    ]);
    expect(bad.code).not.toBe(0);
  });
});
