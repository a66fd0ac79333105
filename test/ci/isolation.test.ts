/**
 * Test files share one module graph per worker (vitest.config.ts), so two things would silently break a run
 * that happens to order files differently: a file that replaces a module for everyone after it, and a test file
 * imported by another (its suites would register in the importer). Both are checked on the source here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ISOLATED_TEST_FILES } from '../support/isolated-files.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function files(dir: string, suffix: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(suffix))
    .map((f) => path.join(dir, f).split(path.sep).join('/'));
}

const testFiles = [...files('test', '.test.ts'), ...files('src', '.test.ts')];
const read = (f: string) => readFileSync(path.join(root, f), 'utf8');

describe('test isolation', () => {
  it('every file that replaces modules runs isolated, and every isolated file exists', () => {
    const mocking = testFiles.filter((f) => /\bvi\.(?:mock|doMock|resetModules|unmock|doUnmock)\(/.test(read(f)));
    expect(
      mocking.filter((f) => !ISOLATED_TEST_FILES.includes(f)),
      'add these to test/support/isolated-files.ts',
    ).toEqual([]);
    expect(ISOLATED_TEST_FILES.filter((f) => !testFiles.includes(f))).toEqual([]);
  });

  it('no file imports a test file (shared helpers live in a module of their own)', () => {
    const importers = [...testFiles, ...files('test', '.ts').filter((f) => !f.endsWith('.test.ts'))].filter((f) =>
      /from\s+['"][^'"]+\.test\.js['"]|import\(\s*['"][^'"]+\.test\.js['"]/.test(read(f)),
    );
    expect(importers).toEqual([]);
  });
});
