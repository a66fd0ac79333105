/**
 * Data dir and key file ownership: what another local user owns or could swap is refused by `start` and by `doctor`
 * alike (one check), with a message naming the file and the fix. The tests run as root and hand files to uid 1234.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDataDir } from '../../src/config/data-dir.js';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { readKeyFile } from '../../src/secrets/master-key.js';
import { checkDaemonFiles, daemonFileProblems } from '../../src/secrets/trusted-files.js';
import { asRoot, doctorFailures, expectRefusedByBoth, layout, startRefusal } from '../support/ownership.js';

const OTHER = 1234;

let configHome: string;
let savedXdg: string | undefined;
beforeEach(() => {
  // A key directory of this test's own, so the default key files of these data dirs stay here.
  savedXdg = process.env.XDG_CONFIG_HOME;
  configHome = mkdtempSync(path.join(tmpdir(), 'bulwark-own-cfg-'));
  process.env.XDG_CONFIG_HOME = configHome;
  resetEnvSnapshotForTests();
});
afterEach(() => {
  process.env.XDG_CONFIG_HOME = savedXdg;
  resetEnvSnapshotForTests();
});

describe.skipIf(!asRoot)('ownership of the data dir and what is in it (as root, files handed to uid 1234)', () => {
  it('a data dir owned by another user is refused by every command, start and doctor', async () => {
    const { dataDir } = layout();
    chownSync(dataDir, OTHER, OTHER);
    const r = ensureDataDir(dataDir);
    expect(!r.ok && r.error.message).toContain(`data dir ${dataDir} belongs to uid ${OTHER}`);
    await expectRefusedByBoth(dataDir, dataDir, new RegExp(`chown 0 ${dataDir}|remove it`));
  });

  it("another user's config.yaml is refused before it is read", async () => {
    const { dataDir, config } = layout('server: { port: 0 }\n');
    chownSync(config, OTHER, OTHER);
    await expectRefusedByBoth(dataDir, config, /chown 0/);
    expect(await startRefusal(dataDir)).toMatch(/config file .*belongs to uid 1234/);
  });

  it("another user's token database, vault or audit log is refused", async () => {
    for (const name of ['bulwark.db', 'vault.db', 'audit.jsonl', 'bulwark.db-wal']) {
      const { dataDir } = layout();
      const file = path.join(dataDir, name);
      writeFileSync(file, '', { mode: 0o600 });
      chownSync(file, OTHER, OTHER);
      await expectRefusedByBoth(dataDir, file, /chown 0/);
    }
  });

  it('a config.yaml that links to a file another user owns is refused', async () => {
    const { root, dataDir, config } = layout();
    const theirs = path.join(root, 'theirs.yaml');
    writeFileSync(theirs, 'server: { port: 0 }\n', { mode: 0o644 });
    chownSync(theirs, OTHER, OTHER);
    const { unlinkSync } = await import('node:fs');
    unlinkSync(config);
    symlinkSync(theirs, config);
    const refusal = await startRefusal(dataDir);
    expect(refusal).toContain(config);
    expect(refusal).toContain(theirs);
  });

  it('a config.yaml others may write is refused', async () => {
    const { dataDir, config } = layout();
    chmodSync(config, 0o666);
    await expectRefusedByBoth(dataDir, config, /chmod 600/);
  });

  it("another user's master key file is refused (configured, and this data dir's own default)", async () => {
    const { root, dataDir, config } = layout();
    const keyFile = path.join(root, 'master.key');
    writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    chownSync(keyFile, OTHER, OTHER);
    writeFileSync(config, `server: { port: 0 }\nsecrets: { masterKeyFile: ${JSON.stringify(keyFile)} }\n`);
    await expectRefusedByBoth(dataDir, keyFile, /chown 0/);
    const direct = readKeyFile(keyFile);
    expect(!direct.ok && direct.error.code).toBe('masterkey.foreign_owner');

    // The default key file, named by the data dir's id.
    const other = layout();
    writeFileSync(path.join(other.dataDir, 'bulwark.id'), `${'ab'.repeat(16)}\n`, { mode: 0o600 });
    const keysDir = path.join(configHome, 'bulwark', 'keys');
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    const defaultKey = path.join(keysDir, `${'ab'.repeat(16)}.key`);
    writeFileSync(defaultKey, randomBytes(32).toString('base64'), { mode: 0o600 });
    chownSync(defaultKey, OTHER, OTHER);
    await expectRefusedByBoth(other.dataDir, defaultKey, /chown 0/);
  });

  it('a parent directory others can write without the sticky bit is refused; with the sticky bit it is fine', async () => {
    const { root, dataDir } = layout();
    chmodSync(root, 0o777);
    await expectRefusedByBoth(dataDir, root, /chmod go-w|chmod \+t/);
    chmodSync(root, 0o1777);
    expect(checkDaemonFiles(dataDir).ok).toBe(true);
    chmodSync(root, 0o700);
    // A parent owned by another (non-root) user is refused too: they could rename the data dir away.
    chownSync(root, OTHER, OTHER);
    const r = checkDaemonFiles(dataDir);
    expect(!r.ok && r.error.message).toContain(`${root}, a directory above the data dir`);
  });

  it('a parent of the key file others can write is refused', async () => {
    const { root, dataDir, config } = layout();
    const keyDir = path.join(root, 'keys');
    mkdirSync(keyDir, { mode: 0o700 });
    const keyFile = path.join(keyDir, 'master.key');
    writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    writeFileSync(config, `server: { port: 0 }\nsecrets: { masterKeyFile: ${JSON.stringify(keyFile)} }\n`);
    chmodSync(keyDir, 0o777);
    await expectRefusedByBoth(dataDir, keyDir, /chmod go-w/);
  });

  it('agent workspaces may belong to the sandbox user; a clean data dir passes and the daemon starts', async () => {
    const { dataDir } = layout();
    const ws = path.join(dataDir, 'workspaces');
    mkdirSync(path.join(ws, 'default'), { recursive: true, mode: 0o755 });
    chownSync(ws, OTHER, OTHER);
    chownSync(path.join(ws, 'default'), OTHER, OTHER);
    expect(daemonFileProblems(dataDir).filter((p) => p.severity === 'refuse')).toEqual([]);
    expect(doctorFailures(dataDir)).toEqual([]);
    expect(await startRefusal(dataDir)).toBeUndefined();
  });
});
