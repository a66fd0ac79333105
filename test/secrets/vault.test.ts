import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { openSecretStore, rotateMasterKey, pendingKeyPath, type SecretStore } from '../../src/secrets/store.js';
import { open as openRecord, seal } from '../../src/secrets/crypto.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { vaultTag } from '../../src/secrets/key-ring.js';
import { filesUnder, layout, randomSecret, tracesOf } from './helpers.js';

const opened: SecretStore[] = [];
function mustOpen(dataDir: string, keyFile: string, create = true, bus?: EventBus): SecretStore {
  const r = openSecretStore({ dataDir, masterKeySource: { keyFile, create }, bus: bus ?? new EventBus() });
  if (!r.ok) throw new Error(r.error.message);
  opened.push(r.value);
  return r.value;
}
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
});

describe('record crypto', () => {
  const key = randomBytes(32);
  it('round-trips, with a fresh salt and IV each time', () => {
    const a = seal(key, 'N', Buffer.from('value'));
    const b = seal(key, 'N', Buffer.from('value'));
    expect(a.equals(b)).toBe(false);
    expect(a.subarray(1, 29).equals(b.subarray(1, 29))).toBe(false);
    const r = openRecord(key, 'N', a);
    expect(r.ok && r.value.toString()).toBe('value');
  });
  it('fails on a flipped byte anywhere, another name, or another key', () => {
    const s = seal(key, 'N', Buffer.from('value'));
    for (let i = 1; i < s.length; i++) {
      const t = Buffer.from(s);
      t[i] = (t[i] as number) ^ 1;
      expect(openRecord(key, 'N', t).ok, `byte ${i}`).toBe(false);
    }
    expect(openRecord(key, 'M', s).ok).toBe(false);
    expect(openRecord(randomBytes(32), 'N', s).ok).toBe(false);
    expect(openRecord(key, 'N', s.subarray(0, 20)).ok).toBe(false);
  });
});

describe('vault', () => {
  it('stores, reads, lists metadata and deletes; creates the key file 0600 outside the data dir', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    expect(v.keyInfo).toMatchObject({ origin: 'file', created: true, location: keyFile });
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(path.join(dataDir, 'vault.db')).mode & 0o077).toBe(0);
    expect(v.set('OPENAI_API_KEY', 'sk-abc-123456').ok).toBe(true);
    const got = v.get('OPENAI_API_KEY');
    expect(got.ok && got.value).toBe('sk-abc-123456');
    expect(v.list().map((m) => m.name)).toEqual(['OPENAI_API_KEY']);
    expect(JSON.stringify(v.list())).not.toContain('sk-abc');
    expect(v.delete('OPENAI_API_KEY')).toEqual({ ok: true, value: true });
    const gone = v.get('OPENAI_API_KEY');
    expect(!gone.ok && gone.error.code).toBe('secret.not_found');
    expect(!gone.ok && gone.error.message).toContain('OPENAI_API_KEY');
  });

  it('keeps created time and changes updated time on overwrite', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    v.set('A', 'first-value');
    const before = v.list()[0];
    v.set('A', 'second-value');
    const after = v.list()[0];
    expect(after?.createdAt).toBe(before?.createdAt);
    const got = v.get('A');
    expect(got.ok && got.value).toBe('second-value');
  });

  it('rejects bad names, empty and oversized values, changing nothing', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    for (const bad of ['', '1ABC', 'A-B', 'A B', '../x', 'a'.repeat(200), 'X\u0000']) {
      const r = v.set(bad, 'value-value');
      expect(!r.ok && r.error.code, bad).toBe('secret.bad_name');
    }
    expect(!v.set('A', '').ok).toBe(true);
    const big = v.set('A', 'x'.repeat(64 * 1024 + 1));
    expect(!big.ok && big.error.code).toBe('secret.too_large');
    // All-or-nothing: one bad entry in a batch writes none.
    expect(
      v.setMany([
        ['GOOD', 'value-1'],
        ['bad name', 'value-2'],
      ]).ok,
    ).toBe(false);
    expect(v.list()).toEqual([]);
  });

  it('after set, no file under the data dir contains the value in any encoding', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    const secret = randomSecret();
    v.set('PROVIDER_KEY', secret);
    v.set('OTHER', randomSecret());
    v.get('PROVIDER_KEY');
    v.close();
    opened.pop();
    const files = filesUnder(dataDir);
    expect(files.some((f) => f.endsWith('vault.db'))).toBe(true);
    expect(tracesOf(secret, files)).toEqual([]);
  });

  it('tamper: a flipped ciphertext byte is a clear error naming the secret, and nothing is overwritten', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    v.set('A', 'value-of-a-123');
    v.close();
    opened.pop();
    const db = new Database(path.join(dataDir, 'vault.db'));
    const row = db.prepare('SELECT sealed FROM secrets WHERE name = ?').get('A') as { sealed: Buffer };
    const flipped = Buffer.from(row.sealed);
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 0x40;
    db.prepare('UPDATE secrets SET sealed = ? WHERE name = ?').run(flipped, 'A');
    db.close();
    const v2 = mustOpen(dataDir, keyFile);
    const r = v2.get('A');
    expect(!r.ok && r.error.code).toBe('vault.tampered');
    expect(!r.ok && r.error.message).toContain('"A"');
    const stored = (
      new Database(path.join(dataDir, 'vault.db'), { readonly: true }).prepare('SELECT sealed FROM secrets').get() as {
        sealed: Buffer;
      }
    ).sealed;
    expect(stored.equals(flipped)).toBe(true);
  });

  it('tamper: ciphertexts swapped between names fail to decrypt', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    v.set('A', 'value-of-a-123');
    v.set('B', 'value-of-b-456');
    v.close();
    opened.pop();
    const db = new Database(path.join(dataDir, 'vault.db'));
    const a = db.prepare('SELECT sealed FROM secrets WHERE name = ?').get('A') as { sealed: Buffer };
    const b = db.prepare('SELECT sealed FROM secrets WHERE name = ?').get('B') as { sealed: Buffer };
    db.prepare('UPDATE secrets SET sealed = ? WHERE name = ?').run(b.sealed, 'A');
    db.prepare('UPDATE secrets SET sealed = ? WHERE name = ?').run(a.sealed, 'B');
    db.close();
    const v2 = mustOpen(dataDir, keyFile);
    for (const n of ['A', 'B']) {
      const r = v2.get(n);
      expect(!r.ok && r.error.code).toBe('vault.tampered');
    }
  });

  it('a wrong master key is reported as such, never as garbage, and the vault is untouched', () => {
    const { dataDir, keyFile, root } = layout();
    const v = mustOpen(dataDir, keyFile);
    v.set('A', 'value-of-a-123');
    v.close();
    opened.pop();
    const dbFile = path.join(dataDir, 'vault.db');
    const before = readFileSync(dbFile);
    const other = path.join(root, 'other.key');
    writeFileSync(other, randomBytes(32).toString('base64'), { mode: 0o600 });
    const r = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile: other } });
    expect(!r.ok && r.error.code).toBe('vault.wrong_key');
    expect(!r.ok && r.error.message).toMatch(/master key does not match/);
    expect(readFileSync(dbFile).equals(before)).toBe(true);
    const byKey = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { key: randomBytes(32) } });
    expect(!byKey.ok && byKey.error.code).toBe('vault.wrong_key');
  });

  it('a truncated database is a clear error and is not overwritten', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    for (let i = 0; i < 50; i++) v.set(`S${i}`, randomSecret());
    v.close();
    opened.pop();
    const dbFile = path.join(dataDir, 'vault.db');
    // Fold the WAL into the main file first so the truncation hits real content.
    const db = new Database(dbFile);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const size = statSync(dbFile).size;
    truncateSync(dbFile, Math.floor(size / 2) + 100);
    const before = readFileSync(dbFile);
    const r = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error.code).toBe('vault.corrupt');
    expect(!r.ok && r.error.message).toMatch(/nothing was changed/);
    expect(readFileSync(dbFile).equals(before)).toBe(true);
  });

  it('a file that is not a database at all is refused without being touched', () => {
    const { dataDir, keyFile } = layout();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(path.join(dataDir, 'vault.db'), 'this is not sqlite '.repeat(100));
    const r = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile, create: true } });
    expect(!r.ok && r.error.code).toBe('vault.corrupt');
    expect(readFileSync(path.join(dataDir, 'vault.db'), 'utf8')).toMatch(/^this is not sqlite/);
  });

  it('emits secret:changed with the name, never the value', () => {
    const { dataDir, keyFile } = layout();
    const bus = new EventBus();
    const events: Envelope<EventType>[] = [];
    bus.on('*', (e) => events.push(e));
    const v = mustOpen(dataDir, keyFile, true, bus);
    v.set('A', 'value-of-a-123');
    v.delete('A');
    expect(events.map((e) => [e.type, e.payload.secretName, e.payload.action])).toEqual([
      ['secret:changed', 'A', 'set'],
      ['secret:changed', 'A', 'delete'],
    ]);
    expect(JSON.stringify(events)).not.toContain('value-of-a');
  });
});

describe('master key file', () => {
  it('is refused when group or others can read it', () => {
    const { dataDir, keyFile } = layout();
    mustOpen(dataDir, keyFile).close();
    opened.pop();
    chmodSync(keyFile, 0o640);
    const r = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile } });
    expect(!r.ok && r.error.code).toBe('masterkey.insecure_mode');
    expect(!r.ok && r.error.message).toContain(`chmod 600 ${keyFile}`);
  });

  it('is refused inside the data dir', () => {
    const { dataDir } = layout();
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const inside = path.join(dataDir, 'master.key');
    writeFileSync(inside, randomBytes(32).toString('hex'), { mode: 0o600 });
    const r = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile: inside } });
    expect(!r.ok && r.error.code).toBe('masterkey.inside_data_dir');
    const created = openSecretStore({
      bus: new EventBus(),
      dataDir,
      masterKeySource: { keyFile: path.join(dataDir, 'k2'), create: true },
    });
    expect(!created.ok && created.error.code).toBe('masterkey.inside_data_dir');
  });

  it('is not created unless asked, with a message saying how to get one', () => {
    const { dataDir, keyFile } = layout();
    const r = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile } });
    expect(!r.ok && r.error.code).toBe('masterkey.missing');
    expect(existsSync(keyFile)).toBe(false);
  });

  it('rejects malformed key material', () => {
    const { dataDir, keyFile, root } = layout();
    const bad = path.join(root, 'bad.key');
    writeFileSync(bad, 'not a key', { mode: 0o600 });
    const r = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile: bad } });
    expect(!r.ok && r.error.code).toBe('masterkey.malformed');
    expect(existsSync(keyFile)).toBe(false);
  });
});

describe('rotate-key', () => {
  it('re-encrypts everything under a new key; the old key no longer opens the vault', () => {
    const { dataDir, keyFile, root } = layout();
    const v = mustOpen(dataDir, keyFile);
    const values = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`S${i}`, randomSecret()]));
    v.setMany(Object.entries(values));
    const oldKey = readFileSync(keyFile);
    const r = rotateMasterKey(v);
    expect(r.ok && r.value.records).toBe(5);
    expect(readFileSync(keyFile).equals(oldKey)).toBe(false);
    expect(existsSync(pendingKeyPath(keyFile, vaultTag(dataDir)))).toBe(false);
    v.close();
    opened.pop();
    const oldFile = path.join(root, 'old.key');
    writeFileSync(oldFile, oldKey, { mode: 0o600 });
    const withOld = openSecretStore({ bus: new EventBus(), dataDir, masterKeySource: { keyFile: oldFile } });
    expect(!withOld.ok && withOld.error.code).toBe('vault.wrong_key');
    const v2 = mustOpen(dataDir, keyFile, false);
    for (const [n, val] of Object.entries(values)) {
      const g = v2.get(n);
      expect(g.ok && g.value).toBe(val);
    }
  });

  it('a crash in the middle of the rotation leaves the old vault and the old key', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    v.setMany([
      ['A', 'value-a-1234'],
      ['B', 'value-b-1234'],
      ['C', 'value-c-1234'],
    ]);
    const oldKey = readFileSync(keyFile);
    const r = rotateMasterKey(v, {
      onRecord: (_n, i) => {
        if (i === 1) throw new Error('simulated crash');
      },
    });
    expect(!r.ok && r.error.code).toBe('vault.rotate_failed');
    expect(readFileSync(keyFile).equals(oldKey)).toBe(true);
    expect(existsSync(pendingKeyPath(keyFile, vaultTag(dataDir)))).toBe(false);
    const g = v.get('B');
    expect(g.ok && g.value).toBe('value-b-1234');
    v.close();
    opened.pop();
    const v2 = mustOpen(dataDir, keyFile, false);
    const g2 = v2.get('C');
    expect(g2.ok && g2.value).toBe('value-c-1234');
  });

  it('a crash after the commit but before the key file swap is finished on next open', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    v.set('A', 'value-a-1234');
    // Do what rotateMasterKey does, but stop before renaming the new key over the old one.
    const newKey = randomBytes(32);
    writeFileSync(pendingKeyPath(keyFile, vaultTag(dataDir)), newKey.toString('base64'), { mode: 0o600 });
    expect(v.rotateKey(newKey).ok).toBe(true);
    v.close();
    opened.pop();
    const v2 = mustOpen(dataDir, keyFile, false);
    const g = v2.get('A');
    expect(g.ok && g.value).toBe('value-a-1234');
    expect(existsSync(pendingKeyPath(keyFile, vaultTag(dataDir)))).toBe(false);
    expect(Buffer.from(readFileSync(keyFile, 'utf8').trim(), 'base64').equals(newKey)).toBe(true);
  });

  it('a stale pending key from a rotation that never committed is dropped', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    v.set('A', 'value-a-1234');
    v.close();
    opened.pop();
    writeFileSync(pendingKeyPath(keyFile, vaultTag(dataDir)), randomBytes(32).toString('base64'), { mode: 0o600 });
    const v2 = mustOpen(dataDir, keyFile, false);
    expect(v2.get('A').ok).toBe(true);
    expect(existsSync(pendingKeyPath(keyFile, vaultTag(dataDir)))).toBe(false);
  });

  it('a process still holding the old key after a rotation elsewhere is told to restart, not that the vault is tampered', () => {
    const { dataDir, keyFile } = layout();
    const daemon = mustOpen(dataDir, keyFile);
    daemon.set('A', 'value-a-1234');
    const cli = mustOpen(dataDir, keyFile, false);
    expect(rotateMasterKey(cli).ok).toBe(true);
    const r = daemon.get('A');
    expect(!r.ok && r.error.code).toBe('vault.key_changed');
  });

  it('refuses to rotate a tampered vault and changes nothing', () => {
    const { dataDir, keyFile } = layout();
    const v = mustOpen(dataDir, keyFile);
    v.set('A', 'value-a-1234');
    const db = new Database(path.join(dataDir, 'vault.db'));
    db.prepare('UPDATE secrets SET sealed = ? WHERE name = ?').run(randomBytes(80), 'A');
    db.close();
    const oldKey = readFileSync(keyFile);
    const r = rotateMasterKey(v);
    expect(!r.ok && r.error.code).toBe('vault.tampered');
    expect(readFileSync(keyFile).equals(oldKey)).toBe(true);
  });
});
