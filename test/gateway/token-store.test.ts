import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/core/sqlite.js';
import { generateToken, looksLikeToken } from '../../src/gateway/auth/token-format.js';
import { TokenStore } from '../../src/gateway/auth/token-store.js';
import { queryCarriesCredential } from '../../src/gateway/auth/bearer.js';

let dir: string;
let db: Db;
let store: TokenStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'bulwark-tok-'));
  db = openDatabase(path.join(dir, 'bulwark.db'));
  store = new TokenStore(db);
});
afterEach(() => db.close());

function created(name: string, scopes: string[]): { id: string; token: string } {
  const r = store.create(name, scopes);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('token store', () => {
  it('makes bwk_ tokens of 32 random bytes, each different', () => {
    const a = generateToken();
    expect(a).toMatch(/^bwk_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(4), 'base64url')).toHaveLength(32);
    expect(new Set(Array.from({ length: 200 }, generateToken)).size).toBe(200);
  });

  it('stores only a SHA-256 hash: the token is nowhere in the database file', () => {
    const t = created('laptop', ['chat']);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const raw = readFileSync(path.join(dir, 'bulwark.db'));
    expect(raw.includes(Buffer.from(t.token))).toBe(false);
    expect(raw.includes(Buffer.from(t.token.slice(4)))).toBe(false);
    const row = db.prepare('SELECT * FROM gateway_tokens').get() as Record<string, unknown>;
    expect(Object.values(row).some((v) => typeof v === 'string' && v.includes(t.token))).toBe(false);
    expect((row.hash as Buffer).length).toBe(32);
  });

  it('verifies the right token among many and returns its identity and scopes', () => {
    const tokens = Array.from({ length: 20 }, (_, i) => created(`t${i}`, i % 2 ? ['chat'] : ['chat', 'admin']));
    for (const [i, t] of tokens.entries()) {
      const v = store.verify(t.token);
      expect(v.ok && v.value.id).toBe(t.id);
      expect(v.ok && v.value.scopes).toEqual(i % 2 ? ['chat'] : ['chat', 'admin']);
    }
  });

  it('refuses unknown, malformed and revoked tokens with distinct codes', () => {
    const t = created('x', ['chat']);
    const unknown = store.verify(generateToken());
    expect(!unknown.ok && unknown.error.code).toBe('auth.unknown');
    const malformed = store.verify('sk-abc');
    expect(!malformed.ok && malformed.error.code).toBe('auth.malformed');
    expect(store.revoke(t.id).ok).toBe(true);
    const revoked = store.verify(t.token);
    expect(!revoked.ok && revoked.error.code).toBe('auth.revoked');
    expect(store.list()[0]?.revokedAt).not.toBeNull();
  });

  it('no presented string other than the token itself verifies (property)', () => {
    const t = created('x', ['chat']);
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        fc.pre(s !== t.token);
        return !store.verify(s).ok && !store.verify(`bwk_${s}`).ok;
      }),
      { numRuns: 300 },
    );
  });

  it('refuses unknown scopes, empty scopes and odd names, creating nothing', () => {
    expect(store.create('x', ['chat', 'root']).ok).toBe(false);
    expect(store.create('x', []).ok).toBe(false);
    expect(store.create('x', ['']).ok).toBe(false);
    expect(store.create('', ['chat']).ok).toBe(false);
    expect(store.create('a\nb', ['chat']).ok).toBe(false);
    expect(store.create('x'.repeat(65), ['chat']).ok).toBe(false);
    expect(store.count()).toBe(0);
  });

  it('sees tokens created and revoked through another connection (the CLI) on the next verify', () => {
    const t = created('first', ['chat']);
    expect(store.verify(t.token).ok).toBe(true);
    const other = new TokenStore(openDatabase(path.join(dir, 'bulwark.db')));
    const fresh = other.create('from cli', ['chat']);
    if (!fresh.ok) throw new Error(fresh.error.message);
    expect(store.verify(fresh.value.token).ok).toBe(true);
    expect(other.revoke(t.id).ok).toBe(true);
    const v = store.verify(t.token);
    expect(!v.ok && v.error.code).toBe('auth.revoked');
    expect(other.revoke(fresh.value.id).ok).toBe(true);
    expect(store.verify(fresh.value.token).ok).toBe(false);
  });

  it('revoking an unknown id is an error naming the fix', () => {
    const r = store.revoke('tok_nope');
    expect(!r.ok && r.error.message).toContain('bulwark token list');
  });

  it('looksLikeToken and queryCarriesCredential', () => {
    expect(looksLikeToken(generateToken())).toBe(true);
    expect(looksLikeToken('bwk_short')).toBe(false);
    expect(queryCarriesCredential('http://h/x?token=a')).toBe(true);
    expect(queryCarriesCredential('http://h/x?Access_Token=a')).toBe(true);
    expect(queryCarriesCredential('http://h/x?apikey=a')).toBe(true);
    expect(queryCarriesCredential(`http://h/x?q=${generateToken()}`)).toBe(true);
    expect(queryCarriesCredential('http://h/x?limit=10&order=asc')).toBe(false);
  });
});
