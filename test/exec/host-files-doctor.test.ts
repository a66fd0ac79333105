/** `bulwark doctor` recommends safe.bareRepository=explicit in the operator's git config, reading it with real git. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bareRepositoryCheck } from '../../src/cli/commands/doctor.js';
import { err, ok } from '../../src/core/result.js';

const saved = process.env.GIT_CONFIG_GLOBAL;
afterEach(() => {
  if (saved === undefined) delete process.env.GIT_CONFIG_GLOBAL;
  else process.env.GIT_CONFIG_GLOBAL = saved;
});

function globalConfig(text: string): void {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-doctor-git-')), 'gitconfig');
  writeFileSync(file, text);
  process.env.GIT_CONFIG_GLOBAL = file;
}

describe('doctor: git safe.bareRepository', () => {
  it('warns with the fix when it is not set, and is ok once it is explicit (real git)', () => {
    globalConfig('[user]\n\tname = x\n');
    const unset = bareRepositoryCheck();
    expect(unset).toMatchObject({ name: 'git bare repositories', state: 'warn' });
    expect(unset.detail).toContain('not set');
    expect(unset.fix).toContain('git config --global safe.bareRepository explicit');
    globalConfig('[safe]\n\tbareRepository = explicit\n');
    expect(bareRepositoryCheck()).toMatchObject({ state: 'ok' });
  });

  it('warns on any other value, says so when the config cannot be read, and passes when git is absent', () => {
    expect(bareRepositoryCheck(() => ok('all'))).toMatchObject({
      state: 'warn',
      detail: expect.stringContaining('"all"'),
    });
    expect(bareRepositoryCheck(() => err({ missing: false, message: 'bad config line 3' }))).toMatchObject({
      state: 'warn',
      detail: expect.stringContaining('bad config line 3'),
      fix: expect.stringContaining('safe.bareRepository explicit'),
    });
    expect(bareRepositoryCheck(() => err({ missing: true, message: 'git is not installed' }))).toMatchObject({
      state: 'ok',
    });
  });
});
