import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';
import { ISOLATED_TEST_FILES } from './test/support/isolated-files.js';

// Daemons started by tests create their vault master key under $XDG_CONFIG_HOME/bulwark: keep it out of the real home.
const testConfigHome = mkdtempSync(path.join(tmpdir(), 'bulwark-test-config-'));

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Time per folder against test/budgets.json, and the list of skipped tests, after every run.
    reporters: ['default', './test/support/budget-reporter.ts'],
    env: { XDG_CONFIG_HOME: testConfigHome },
    projects: [
      {
        extends: true,
        // One module graph per worker for all but the isolated files (test/support/isolated-files.ts says why).
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...ISOLATED_TEST_FILES],
          isolate: false,
        },
      },
      { extends: true, test: { name: 'isolated', include: [...ISOLATED_TEST_FILES], isolate: true } },
    ],
  },
});
