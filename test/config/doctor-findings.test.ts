/**
 * What `doctor` says about the data dir's files, the key files beside the master key and the vault's names agrees
 * with what `start` does: a finding about a file is never hidden behind "its files belong to this user", a key
 * file that links into the data dir or a bad retired key is refused by both, and names an older bulwark stored
 * under the reserved prefix are named (never a value).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { doctorChecks } from '../../src/cli/commands/doctor.js';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import type { SandboxDetection } from '../../src/exec/detect.js';
import { openSecretStore } from '../../src/secrets/store.js';
import { EventBus } from '../../src/core/events.js';
import { NO_SANDBOX_PROBE, expectRefusedByBoth, layout, startRefusal } from '../support/ownership.js';

let savedXdg: string | undefined;
beforeEach(() => {
  savedXdg = process.env.XDG_CONFIG_HOME;
  process.env.XDG_CONFIG_HOME = mkdtempSync(path.join(tmpdir(), 'bulwark-doctor-cfg-'));
  resetEnvSnapshotForTests();
});
afterEach(() => {
  process.env.XDG_CONFIG_HOME = savedXdg;
  resetEnvSnapshotForTests();
});

// Not Linux: doctor then runs no host probe (overlay, sandbox user), only the checks under test.
const NO_PROBE = { ...NO_SANDBOX_PROBE, platform: 'darwin' } as SandboxDetection;

function check(dataDir: string, name: string) {
  return doctorChecks(dataDir, NO_PROBE).find((c) => c.name === name);
}

function keyed(root: string, config: string): string {
  const keyFile = path.join(root, 'master.key');
  writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
  writeFileSync(config, `server: { port: 0 }\nsecrets: { masterKeyFile: ${JSON.stringify(keyFile)} }\n`);
  return keyFile;
}

describe('doctor agrees with start about files and names', () => {
  it('a data dir whose own entry fails does not say "its files belong to this user"', () => {
    const { dataDir } = layout();
    const log = path.join(dataDir, 'bulwark.log');
    writeFileSync(log, '', { mode: 0o600 });
    expect(check(dataDir, 'data dir')?.detail).toMatch(/and its files belong to this user/);
    chmodSync(log, 0o666);
    const line = check(dataDir, 'data dir');
    expect(line?.detail).not.toMatch(/its files belong/);
    expect(line?.detail).toMatch(/1 finding\(s\) about its files below/);
    expect(doctorChecks(dataDir, NO_PROBE).some((c) => c.state === 'fail' && c.detail.includes(log))).toBe(true);
  });

  it('a master key file that is a link into the data dir is refused by doctor as by start', async () => {
    const { root, dataDir, config } = layout();
    const inside = path.join(dataDir, 'hidden.key');
    writeFileSync(inside, randomBytes(32).toString('base64'), { mode: 0o600 });
    const keyFile = path.join(root, 'master.key');
    symlinkSync(inside, keyFile);
    writeFileSync(config, `server: { port: 0 }\nsecrets: { masterKeyFile: ${JSON.stringify(keyFile)} }\n`);
    await expectRefusedByBoth(dataDir, keyFile, /move it out of the data dir/);
  });

  it('a retired key beside the key file that others can read is refused by doctor as by start', async () => {
    const { root, dataDir, config } = layout();
    const keyFile = keyed(root, config);
    const retired = `${keyFile}.retired-0123456789abcdef`;
    writeFileSync(retired, randomBytes(32).toString('base64'), { mode: 0o600 });
    expect(await startRefusal(dataDir)).toBeUndefined();
    chmodSync(retired, 0o644);
    const refusal = await startRefusal(dataDir);
    expect(refusal).toContain(retired);
    await expectRefusedByBoth(dataDir, retired, /chmod 600/);
  });

  it('names reserved for bulwark in an older vault are named with the fix; values are never shown', () => {
    const { root, dataDir, config } = layout();
    const keyFile = keyed(root, config);
    const store = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile, dataDir } });
    if (!store.ok) throw new Error(store.error.message);
    const value = `v-${randomBytes(12).toString('hex')}`;
    expect(store.value.set('GOOD_NAME', value).ok).toBe(true);
    store.value.close();
    expect(check(dataDir, 'vault names')).toMatchObject({ state: 'ok' });
    // As an older bulwark stored it, before the prefix was reserved in every case.
    const db = new Database(path.join(dataDir, 'vault.db'));
    db.prepare(
      "INSERT INTO secrets (name, sealed, created_at, updated_at) SELECT 'bulwark_foo', sealed, created_at, updated_at FROM secrets WHERE name = 'GOOD_NAME'",
    ).run();
    db.close();
    const line = check(dataDir, 'vault names');
    expect(line?.state).toBe('warn');
    expect(line?.detail).toContain('"bulwark_foo"');
    expect(line?.detail).not.toContain('GOOD_NAME');
    expect(line?.fix).toMatch(/secrets set NEW_NAME.*secrets delete OLD_NAME/);
    expect(JSON.stringify(doctorChecks(dataDir, NO_PROBE))).not.toContain(value);
  });
});
