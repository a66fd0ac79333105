import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Daemons started by tests create their vault master key under $XDG_CONFIG_HOME/bulwark: keep it out of the real home.
const testConfigHome = mkdtempSync(path.join(tmpdir(), 'bulwark-test-config-'));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Time per folder against test/budgets.json, and the list of skipped tests, after every run.
    reporters: ['default', './test/support/budget-reporter.ts'],
    env: { XDG_CONFIG_HOME: testConfigHome },
  },
});
