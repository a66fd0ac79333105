/** Helpers for the ownership tests: a private data dir, and what `start` and `doctor` each say about it. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { doctorChecks, type DoctorCheck } from '../../src/cli/commands/doctor.js';
import type { SandboxDetection } from '../../src/exec/detect.js';
import { startDaemon } from '../../src/daemon.js';
import { daemonFileProblems } from '../../src/secrets/trusted-files.js';

export const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** A private root (0700) with a data dir (0700) inside, and a config.yaml (0600). */
export function layout(configYaml = 'server: { port: 0 }\n'): { root: string; dataDir: string; config: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'bulwark-own-'));
  const dataDir = path.join(root, 'data');
  mkdirSync(dataDir, { mode: 0o700 });
  const config = path.join(dataDir, 'config.yaml');
  writeFileSync(config, configYaml, { mode: 0o600 });
  return { root, dataDir, config };
}

/** What the daemon says when it refuses to start, or undefined when it starts (it is closed again at once). */
export async function startRefusal(dataDir: string): Promise<string | undefined> {
  try {
    const d = await startDaemon({ dataDir, port: 0 });
    await d.close();
    return undefined;
  } catch (cause) {
    return cause instanceof Error ? cause.message : String(cause);
  }
}

/** A sandbox detection that probed nothing (doctor's file checks alone are under test). */
export const NO_SANDBOX_PROBE = {
  platform: 'linux',
  providers: [],
  seccomp: { available: false, reason: 'not probed' },
  landlock: { reason: 'not probed' },
  cgroup: { available: false, reason: 'not probed' },
  rlimits: { available: false, reason: 'not probed' },
} as unknown as SandboxDetection;

export function doctorFailures(dataDir: string): DoctorCheck[] {
  return doctorChecks(dataDir, NO_SANDBOX_PROBE).filter(
    (c) => c.state === 'fail' && !['bwrap present', 'bwrap works'].includes(c.name),
  );
}

/** start and doctor refuse the same file, naming it and the fix. */
export async function expectRefusedByBoth(dataDir: string, file: string, fix: RegExp): Promise<void> {
  const refusal = await startRefusal(dataDir);
  expect(refusal, 'start must refuse').toBeDefined();
  expect(refusal).toContain(file);
  expect(refusal).toMatch(fix);
  const failures = doctorFailures(dataDir);
  expect(
    failures.some((c) => c.detail.includes(file) && fix.test(c.fix ?? '')),
    JSON.stringify(failures),
  ).toBe(true);
  const problems = daemonFileProblems(dataDir).filter((p) => p.severity === 'refuse');
  expect(problems.map((p) => p.path)).toContain(file);
}
