/**
 * Test files that need a module graph of their own. Every other test file shares one per vitest worker
 * (vitest.config.ts): evaluating the daemon's ~770 modules afresh for each of ~280 files took 260 s of an
 * 880 s run on 2 cores; shared, all imports take ~20 s. A file that replaces a module (vi.mock, vi.doMock)
 * or resets the module registry belongs here; test/ci/isolation.test.ts checks that it is. Files that change
 * process-wide state (environment, cwd) put it back in afterEach/afterAll.
 */
export const ISOLATED_TEST_FILES: readonly string[] = ['test/guards/tool-output-canonical-once.test.ts'];
