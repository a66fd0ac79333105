/**
 * Ownership through symbolic links: a data-dir entry, the data dir itself or the master key file that is a link is
 * judged at every hop (each link, the directories it resolves through, the final target), by `start` and `doctor`
 * alike; a key file with a second name is refused. Runs as root, with paths handed to the real user `nobody`.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  chmodSync,
  lchownSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureDataDir } from '../../src/config/data-dir.js';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { MAX_LINK_HOPS, walkPath } from '../../src/config/link-walk.js';
import { readKeyFile } from '../../src/secrets/master-key.js';
import { checkDaemonFiles, daemonFileProblems } from '../../src/secrets/trusted-files.js';
import { asRoot, doctorFailures, expectRefusedByBoth, layout, startRefusal } from '../support/ownership.js';

const NOBODY = 65534;

let savedXdg: string | undefined;
beforeEach(() => {
  savedXdg = process.env.XDG_CONFIG_HOME;
  process.env.XDG_CONFIG_HOME = mkdtempSync(path.join(tmpdir(), 'bulwark-links-cfg-'));
  resetEnvSnapshotForTests();
});
afterEach(() => {
  process.env.XDG_CONFIG_HOME = savedXdg;
  resetEnvSnapshotForTests();
});

/** Moves config.yaml to `real` and makes the data dir's config.yaml a link to `via` (which leads to `real`). */
function linkConfig(config: string, real: string, via = real): void {
  renameSync(config, real);
  symlinkSync(via, config);
}

function refusedCodes(dataDir: string): string[] {
  return daemonFileProblems(dataDir)
    .filter((p) => p.severity === 'refuse')
    .map((p) => p.code);
}

describe.skipIf(!asRoot)('ownership through symbolic links (as root, paths handed to nobody)', () => {
  it('a config.yaml that links into a directory others can write is refused by start and doctor', async () => {
    const { root, dataDir, config } = layout();
    const evil = path.join(root, 'evil');
    mkdirSync(evil);
    chmodSync(evil, 0o777);
    linkConfig(config, path.join(evil, 'config.yaml'));
    await expectRefusedByBoth(dataDir, evil, /chmod go-w/);
    expect(await startRefusal(dataDir)).toMatch(/config file .* leads through .*writable by group or others/);
  });

  it('the middle link of a chain counts: config.yaml -> mid(0777)/link -> safe/config.yaml is refused', async () => {
    const { root, dataDir, config } = layout();
    const mid = path.join(root, 'mid');
    const safe = path.join(root, 'safe');
    mkdirSync(mid);
    mkdirSync(safe, { mode: 0o755 });
    const real = path.join(safe, 'config.yaml');
    // A relative middle target, resolved from the link's own directory.
    symlinkSync('../safe/config.yaml', path.join(mid, 'link'));
    linkConfig(config, real, path.join(mid, 'link'));
    expect(checkDaemonFiles(dataDir).ok).toBe(true);
    chmodSync(mid, 0o777);
    await expectRefusedByBoth(dataDir, mid, /chmod go-w/);
  });

  it('a middle link another user owns in a sticky directory is refused (they may replace their own entry)', async () => {
    const { root, dataDir, config } = layout();
    const shared = path.join(root, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    const link = path.join(shared, 'link');
    linkConfig(config, path.join(root, 'real.yaml'), link);
    symlinkSync(path.join(root, 'real.yaml'), link);
    expect(checkDaemonFiles(dataDir).ok).toBe(true);
    lchownSync(link, NOBODY, NOBODY);
    await expectRefusedByBoth(dataDir, link, /ln -sfn/);
    expect(refusedCodes(dataDir)).toEqual(['ownership.foreign_link']);
  });

  it('a master key file reached through a middle link in a directory others can write is refused', async () => {
    const { root, dataDir, config } = layout();
    for (const d of ['keys', 'mid', 'safe']) mkdirSync(path.join(root, d), { mode: 0o700 });
    const real = path.join(root, 'safe', 'real.key');
    writeFileSync(real, randomBytes(32).toString('base64'), { mode: 0o600 });
    symlinkSync(real, path.join(root, 'mid', 'link'));
    const keyFile = path.join(root, 'keys', 'master.key');
    symlinkSync(path.join(root, 'mid', 'link'), keyFile);
    writeFileSync(config, `server: { port: 0 }\nsecrets: { masterKeyFile: ${JSON.stringify(keyFile)} }\n`);
    expect(readKeyFile(keyFile).ok).toBe(true);
    expect(checkDaemonFiles(dataDir).ok).toBe(true);
    chmodSync(path.join(root, 'mid'), 0o777);
    const direct = readKeyFile(keyFile);
    expect(!direct.ok && direct.error.message).toContain(`${path.join(root, 'mid')}, a directory the master key file`);
    await expectRefusedByBoth(dataDir, path.join(root, 'mid'), /chmod go-w/);
  });

  it('a symlinked data dir works when every hop is safe, and is refused when its target sits under a 0777 dir', async () => {
    const { root, dataDir } = layout();
    const alias = path.join(root, 'alias');
    symlinkSync(dataDir, alias);
    expect(ensureDataDir(alias).ok).toBe(true);
    expect(doctorFailures(alias)).toEqual([]);
    expect(await startRefusal(alias)).toBeUndefined();

    const open = path.join(root, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    const moved = path.join(open, 'data');
    renameSync(dataDir, moved);
    unlinkSync(alias);
    symlinkSync(moved, alias);
    await expectRefusedByBoth(alias, open, /chmod go-w/);
  });

  it('a master key file with a second name (hard link) is refused by every read, start and doctor', async () => {
    const { root, dataDir, config } = layout();
    const keyFile = path.join(root, 'master.key');
    writeFileSync(keyFile, randomBytes(32).toString('base64'), { mode: 0o600 });
    writeFileSync(config, `server: { port: 0 }\nsecrets: { masterKeyFile: ${JSON.stringify(keyFile)} }\n`);
    expect(checkDaemonFiles(dataDir).ok).toBe(true);
    linkSync(keyFile, path.join(root, 'spare.key'));
    const direct = readKeyFile(keyFile);
    expect(!direct.ok && direct.error.code).toBe('masterkey.hard_linked');
    await expectRefusedByBoth(dataDir, keyFile, /-samefile/);
    expect(await startRefusal(dataDir)).toContain('has 2 names');
  });
});

describe.skipIf(!asRoot)('hostile links give a clear error, start and doctor alike', () => {
  it('a link loop', async () => {
    const { root, dataDir, config } = layout();
    unlinkSync(config);
    symlinkSync(path.join(root, 'b'), path.join(root, 'a'));
    symlinkSync(path.join(root, 'a'), path.join(root, 'b'));
    symlinkSync(path.join(root, 'a'), config);
    await expectRefusedByBoth(dataDir, config, /ln -sfn/);
    expect(await startRefusal(dataDir)).toContain(`more than ${MAX_LINK_HOPS} symbolic links`);
  });

  it('a dangling link (a config.yaml that leads nowhere is not read as "no config")', async () => {
    const { root, dataDir, config } = layout();
    unlinkSync(config);
    symlinkSync(path.join(root, 'gone', 'config.yaml'), config);
    await expectRefusedByBoth(dataDir, config, /remove the link/);
    expect(await startRefusal(dataDir)).toMatch(/which does not exist/);
  });

  it('a data dir that is a link to nothing is refused by start and named by doctor (not "does not exist yet")', async () => {
    const { root } = layout();
    const alias = path.join(root, 'alias');
    symlinkSync(path.join(root, 'gone', 'home'), alias);
    expect(ensureDataDir(alias).ok).toBe(false);
    expect(doctorFailures(alias).map((c) => c.detail)).toEqual([
      expect.stringMatching(/alias leads through the symbolic link .* which does not exist/),
    ]);
  });

  it('a 40-hop chain that the kernel itself would still follow', async () => {
    const { root, dataDir, config } = layout();
    const real = path.join(root, 'real.yaml');
    renameSync(config, real);
    let next = real;
    for (let i = 0; i < 39; i++) {
      const hop = path.join(root, `hop${i}`);
      symlinkSync(next, hop);
      next = hop;
    }
    symlinkSync(next, config);
    await expectRefusedByBoth(dataDir, config, /ln -sfn/);
    expect(refusedCodes(dataDir)).toEqual(['ownership.too_many_links']);
  });
});

describe('walkPath', () => {
  it('resolves relative targets from the link, `..` after a link from where the link led, and names every dir', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bulwark-walk-'));
    mkdirSync(path.join(root, 'x', 'y'), { recursive: true });
    writeFileSync(path.join(root, 'x', 'f'), '');
    symlinkSync('x/y', path.join(root, 'l'));
    // Built by hand: path.join would fold `l/..` away before any link is followed.
    const w = walkPath(`${root}/l/../f`);
    expect(w.ok && w.value).toMatchObject({ exists: true, end: path.join(root, 'x', 'f') });
    // Nothing is looked up inside x/y: `..` leaves it at once.
    expect(w.ok && w.value.dirs.slice(-2)).toEqual([root, path.join(root, 'x')]);
    expect(w.ok && w.value.links.map((l) => l.target)).toEqual(['x/y']);
    // A missing tail is no error: the path may be about to be created.
    const later = walkPath(path.join(root, 'l', 'new', 'file'));
    expect(later.ok && later.value.exists).toBe(false);
  });
});
