/**
 * `rotate-key` in one data dir never makes another data dir's vault unreadable: default keys are per data dir, the
 * key file all data dirs once shared is adopted (copied) and never changed, and a key file the operator shares keeps
 * its previous keys while another vault is on record as using them.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { defaultKeyFilePath, legacyKeyFilePath } from '../../src/secrets/master-key.js';
import { openSecretStore, rotateMasterKey, type SecretStore } from '../../src/secrets/store.js';
import type { MasterKeyOptions } from '../../src/secrets/master-key.js';
import { EventBus } from '../../src/core/index.js';

let configHome: string;
let savedXdg: string | undefined;
const opened: SecretStore[] = [];
beforeEach(() => {
  savedXdg = process.env.XDG_CONFIG_HOME;
  configHome = mkdtempSync(path.join(tmpdir(), 'bulwark-rot-cfg-'));
  process.env.XDG_CONFIG_HOME = configHome;
  resetEnvSnapshotForTests();
});
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  process.env.XDG_CONFIG_HOME = savedXdg;
  resetEnvSnapshotForTests();
});

function dataDir(): string {
  const d = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-rot-')), 'data');
  mkdirSync(d, { mode: 0o700 });
  return d;
}

function open(dir: string, source: MasterKeyOptions = {}, create = false): SecretStore {
  const r = openSecretStore({ bus: new EventBus(), dataDir: dir, masterKeySource: { ...source, create } });
  if (!r.ok) throw new Error(r.error.message);
  opened.push(r.value);
  return r.value;
}

function close(s: SecretStore): void {
  s.close();
  opened.splice(opened.indexOf(s), 1);
}

/** Opens, reads every name, closes: the values, or the error. */
function readAll(dir: string, names: string[], source: MasterKeyOptions = {}): Record<string, string> {
  const s = open(dir, source);
  try {
    return Object.fromEntries(
      names.map((n) => {
        const v = s.get(n);
        if (!v.ok) throw new Error(v.error.message);
        return [n, v.value];
      }),
    );
  } finally {
    close(s);
  }
}

function rotate(dir: string, source: MasterKeyOptions = {}, opts: Parameters<typeof rotateMasterKey>[1] = {}) {
  const s = open(dir, source);
  try {
    const r = rotateMasterKey(s, opts);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  } finally {
    close(s);
  }
}

describe('rotate-key across data dirs', () => {
  it('default keys: each data dir has its own key file; rotating one leaves the other untouched and readable', () => {
    const a = dataDir();
    const b = dataDir();
    const sa = open(a, {}, true);
    const sb = open(b, {}, true);
    expect(sa.keyInfo.location).not.toBe(sb.keyInfo.location);
    expect(sa.keyInfo.location).toBe(defaultKeyFilePath(readFileSync(path.join(a, 'bulwark.id'), 'utf8').trim()));
    sa.set('A_TOKEN', 'value-of-a-0123456789');
    sb.set('B_TOKEN', 'value-of-b-0123456789');
    const bKey = readFileSync(sb.keyInfo.location);
    close(sa);
    close(sb);

    const r = rotate(a);
    expect(r.records).toBe(1);
    // The previous key of a's own file stays (a backup of a may need it), used by no vault on record.
    expect(r.removed).toEqual([]);
    expect(r.kept).toEqual([expect.objectContaining({ usedBy: [] })]);
    expect(readAll(a, ['A_TOKEN'])).toEqual({ A_TOKEN: 'value-of-a-0123456789' });
    expect(readAll(b, ['B_TOKEN'])).toEqual({ B_TOKEN: 'value-of-b-0123456789' });
    expect(readFileSync(defaultKeyFilePath(readFileSync(path.join(b, 'bulwark.id'), 'utf8').trim()))).toEqual(bKey);
  });

  it('the old shared key file: both data dirs adopt a copy; rotating one never changes the shared file', () => {
    // Two data dirs made by an older bulwark, both sealed with ~/.config/bulwark/master.key.
    const legacy = legacyKeyFilePath();
    mkdirSync(path.dirname(legacy), { recursive: true, mode: 0o700 });
    writeFileSync(legacy, randomBytes(32).toString('base64'), { mode: 0o600 });
    const legacyKey = readFileSync(legacy);
    const a = dataDir();
    const b = dataDir();
    for (const [d, n] of [
      [a, 'A_TOKEN'],
      [b, 'B_TOKEN'],
    ] as const) {
      const s = open(d, { keyFile: legacy });
      s.set(n, `value-${n}-0123456789`);
      close(s);
    }

    // a opens the new way: it gets its own copy of the shared key, then rotates.
    const sa = open(a);
    expect(sa.keyInfo.adoptedFrom).toBe(legacy);
    close(sa);
    rotate(a);
    expect(readFileSync(legacy)).toEqual(legacyKey);
    expect(readAll(a, ['A_TOKEN'])).toEqual({ A_TOKEN: 'value-A_TOKEN-0123456789' });
    // b still opens, from the shared file it was made with (adopting it now), and rotates on its own.
    expect(readAll(b, ['B_TOKEN'])).toEqual({ B_TOKEN: 'value-B_TOKEN-0123456789' });
    rotate(b);
    expect(readAll(a, ['A_TOKEN'])).toEqual({ A_TOKEN: 'value-A_TOKEN-0123456789' });
    expect(readAll(b, ['B_TOKEN'])).toEqual({ B_TOKEN: 'value-B_TOKEN-0123456789' });
    expect(readFileSync(legacy)).toEqual(legacyKey);

    // A copy of a made before any of this still opens with the shared key it was made with.
    const copy = dataDir();
    const s = open(copy, { keyFile: legacy });
    s.set('C', 'value-of-copy-0123456789');
    close(s);
    writeFileSync(path.join(copy, 'bulwark.id'), readFileSync(path.join(a, 'bulwark.id')));
    const reopened = open(copy);
    // Sealed under the shared key: a's kept copy of it (retired by the rotation) or the shared file itself opens it.
    expect(reopened.get('C')).toMatchObject({ ok: true, value: 'value-of-copy-0123456789' });
    expect(reopened.keyInfo.retiredKeyFile).toBeDefined();
    expect(reopened.keyInfo.warnings?.[0]).toMatch(/previous key/);
    close(reopened);
  });

  it('a backup of a data dir made before a rotation still opens after it (it is on no record)', () => {
    const a = dataDir();
    const sa = open(a, {}, true);
    sa.set('A_TOKEN', 'value-of-a-0123456789');
    close(sa);
    const backup = mkdtempSync(path.join(tmpdir(), 'bulwark-backup-'));
    cpSync(a, backup, { recursive: true });
    rotate(a);
    rotate(a);
    expect(readAll(backup, ['A_TOKEN'])).toEqual({ A_TOKEN: 'value-of-a-0123456789' });
    expect(readAll(a, ['A_TOKEN'])).toEqual({ A_TOKEN: 'value-of-a-0123456789' });
    // The operator drops the previous keys: the backup's key goes with them, as the option says.
    rotate(a, {}, { forgetPrevious: true });
    const lost = openSecretStore({ bus: new EventBus(), dataDir: backup, masterKeySource: {} });
    expect(!lost.ok && lost.error.code).toBe('vault.wrong_key');
    if (lost.ok) lost.value.close();
  });

  it('a key file the operator shares: the previous key stays while the other vault uses it, then goes on request', () => {
    const shared = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-shared-')), 'master.key');
    const src = { keyFile: shared };
    const a = dataDir();
    const b = dataDir();
    const sa = open(a, src, true);
    sa.set('A_TOKEN', 'value-of-a-0123456789');
    close(sa);
    const sb = open(b, src);
    sb.set('B_TOKEN', 'value-of-b-0123456789');
    close(sb);

    const ra = rotate(a, src);
    expect(ra.kept).toEqual([expect.objectContaining({ usedBy: [b] })]);
    // b opens with the kept previous key, and is told to move on.
    const sb2 = open(b, src);
    expect(sb2.get('B_TOKEN')).toMatchObject({ ok: true, value: 'value-of-b-0123456789' });
    expect(sb2.keyInfo.retiredKeyFile).toBe(ra.kept[0]?.file);
    close(sb2);

    // b rotates: a is on record with the newer key, the oldest one is no longer used by anyone on record, but a
    // key file the operator set keeps its previous keys until they say otherwise.
    const rb = rotate(b, src);
    expect(rb.kept.map((k) => k.usedBy)).toContainEqual([a]);
    expect(readAll(a, ['A_TOKEN'], src)).toEqual({ A_TOKEN: 'value-of-a-0123456789' });
    expect(readAll(b, ['B_TOKEN'], src)).toEqual({ B_TOKEN: 'value-of-b-0123456789' });

    // a moves to the current key; now the operator may drop what nobody uses.
    const ra2 = rotate(a, src, { forgetPrevious: true });
    expect(ra2.removed.length).toBeGreaterThan(0);
    expect(ra2.removed.every((k) => !k.usedBy.includes(a))).toBe(true);
    // --forget-previous dropped the key b is sealed under: exactly the data loss the default never causes.
    const lost = openSecretStore({ bus: new EventBus(), dataDir: b, masterKeySource: src });
    expect(!lost.ok && lost.error.code).toBe('vault.wrong_key');
    if (lost.ok) lost.value.close();
  });

  it('a rotation that fails leaves no stray key beside the key file, and another vault on the same file is unaffected', () => {
    const shared = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-shared-')), 'master.key');
    const src = { keyFile: shared };
    const a = dataDir();
    const b = dataDir();
    const sa = open(a, src, true);
    sa.setMany([
      ['X', 'value-x-0123456789'],
      ['Y', 'value-y-0123456789'],
    ]);
    close(sa);
    const sb = open(b, src);
    sb.set('Z', 'value-z-0123456789');
    close(sb);
    const before = readdirSync(path.dirname(shared)).sort();
    const s = open(a, src);
    const r = rotateMasterKey(s, {
      onRecord: () => {
        throw new Error('simulated crash');
      },
    });
    close(s);
    expect(r.ok).toBe(false);
    expect(readdirSync(path.dirname(shared)).sort()).toEqual(before);
    expect(readAll(a, ['X', 'Y'], src)).toEqual({ X: 'value-x-0123456789', Y: 'value-y-0123456789' });
    expect(readAll(b, ['Z'], src)).toEqual({ Z: 'value-z-0123456789' });
  });

  it('a data dir that is gone no longer holds a previous key', () => {
    const shared = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-shared-')), 'master.key');
    const src = { keyFile: shared };
    const a = dataDir();
    const b = dataDir();
    open(a, src, true).set('A', 'value-a-0123456789');
    open(b, src).set('B', 'value-b-0123456789');
    for (const s of opened.splice(0)) s.close();
    rmSync(b, { recursive: true });
    const r = rotate(a, src);
    expect(r.kept).toEqual([expect.objectContaining({ usedBy: [] })]);
    expect(existsSync(shared)).toBe(true);
  });
});
