/**
 * L18 token store. Tokens are shown once at creation and stored only as SHA-256 hashes.
 * Verification hashes the presented token and compares it in constant time with EVERY stored
 * hash, revoked ones included, without stopping at the first match, so neither the position of
 * a match nor the number of tokens shows in the timing of one comparison pass.
 */
import {
  bulwarkError,
  type BulwarkError,
  digestEqual,
  sha256,
  newId,
  err,
  ok,
  type Result,
  migrate,
  type Db,
} from '../../core/index.js';
import { generateToken, looksLikeToken } from './token-format.js';
import { isTokenScope, TOKEN_SCOPES, type TokenScope } from './scopes.js';

const MIGRATIONS = [
  `CREATE TABLE gateway_tokens (
     id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     hash BLOB NOT NULL UNIQUE,
     scopes TEXT NOT NULL,
     created_at TEXT NOT NULL,
     revoked_at TEXT
   )`,
  // The operator's own tokens: their caller is the owner (never blocked from their own data).
  `ALTER TABLE gateway_tokens ADD COLUMN owner INTEGER NOT NULL DEFAULT 0`,
];

export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  /** The operator's own token: its caller is the owner. */
  readonly owner: boolean;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface CreatedToken extends TokenInfo {
  /** The token itself; exists only in this return value, never stored. */
  readonly token: string;
}

interface TokenRow {
  id: string;
  name: string;
  hash: Buffer;
  scopes: string;
  owner: number;
  created_at: string;
  revoked_at: string | null;
}

const NAME = /^[\p{L}\p{N} ._@:-]{1,64}$/u;

function toInfo(r: TokenRow): TokenInfo {
  return {
    id: r.id,
    name: r.name,
    scopes: r.scopes.split(',').filter(isTokenScope),
    owner: r.owner === 1,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  };
}

export function parseScopes(text: string): Result<TokenScope[], BulwarkError> {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0)
    return err(bulwarkError('token.scopes', `give at least one scope; known scopes: ${TOKEN_SCOPES.join(', ')}`));
  const bad = parts.filter((p) => !isTokenScope(p));
  if (bad.length > 0) {
    return err(
      bulwarkError(
        'token.scopes',
        `unknown scope(s) ${bad.map((b) => `"${b}"`).join(', ')}; known scopes: ${TOKEN_SCOPES.join(', ')}`,
      ),
    );
  }
  return ok([...new Set(parts as TokenScope[])]);
}

export class TokenStore {
  /**
   * The token rows, re-read when SQLite's data_version says another connection (the CLI) wrote;
   * writes through this store drop the cache themselves. Revocation therefore applies to the very
   * next request without reading the whole table on every request.
   */
  private cache: TokenRow[] | undefined;
  private cacheVersion = -1;

  constructor(private readonly db: Db) {
    migrate(db, 'gateway', MIGRATIONS);
  }

  private rows(): TokenRow[] {
    const version = this.db.pragma('data_version', { simple: true }) as number;
    if (this.cache === undefined || version !== this.cacheVersion) {
      this.cache = this.db.prepare('SELECT * FROM gateway_tokens').all() as TokenRow[];
      this.cacheVersion = version;
    }
    return this.cache;
  }

  create(
    name: string,
    requestedScopes: readonly string[],
    options: { readonly owner?: boolean } = {},
  ): Result<CreatedToken, BulwarkError> {
    if (!NAME.test(name)) {
      return err(bulwarkError('token.name', 'token name must be 1-64 letters, digits, spaces or . _ @ : -'));
    }
    const scopes = parseScopes(requestedScopes.join(','));
    if (!scopes.ok) return scopes;
    const token = generateToken();
    const row: TokenRow = {
      id: newId('tok'),
      name,
      hash: sha256(token),
      scopes: scopes.value.join(','),
      owner: options.owner === true ? 1 : 0,
      created_at: new Date().toISOString(),
      revoked_at: null,
    };
    this.db
      .prepare(
        'INSERT INTO gateway_tokens (id, name, hash, scopes, owner, created_at, revoked_at) VALUES (@id, @name, @hash, @scopes, @owner, @created_at, @revoked_at)',
      )
      .run(row);
    this.cache = undefined;
    return ok({ ...toInfo(row), token });
  }

  list(): TokenInfo[] {
    const rows = this.db.prepare('SELECT * FROM gateway_tokens ORDER BY created_at, id').all() as TokenRow[];
    return rows.map(toInfo);
  }

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM gateway_tokens').get() as { n: number }).n;
  }

  revoke(id: string): Result<TokenInfo, BulwarkError> {
    const row = this.db.prepare('SELECT * FROM gateway_tokens WHERE id = ?').get(id) as TokenRow | undefined;
    if (!row) return err(bulwarkError('token.unknown', `no token with id "${id}"; list them with: bulwark token list`));
    if (row.revoked_at) return ok(toInfo(row));
    const revokedAt = new Date().toISOString();
    this.db.prepare('UPDATE gateway_tokens SET revoked_at = ? WHERE id = ?').run(revokedAt, id);
    this.cache = undefined;
    return ok(toInfo({ ...row, revoked_at: revokedAt }));
  }

  /**
   * The token with this id as it stands now (revoked or not), from the same data_version-aware cache `verify` reads:
   * a revocation by the CLI or the API shows on the next call. Used by the web UI's sessions, which hold a token id.
   */
  info(id: string): TokenInfo | undefined {
    const row = this.rows().find((r) => r.id === id);
    return row ? toInfo(row) : undefined;
  }

  /** Constant-time check of a presented token against every stored hash. */
  verify(presented: string): Result<TokenInfo, BulwarkError> {
    if (!looksLikeToken(presented)) {
      return err(
        bulwarkError('auth.malformed', 'the bearer token is not a bulwark token (bwk_...)', {
          layer: 'L18',
          status: 401,
        }),
      );
    }
    const digest = sha256(presented);
    const rows = this.rows();
    let match: TokenRow | undefined;
    for (const row of rows) {
      // No early exit: every entry is compared.
      if (digestEqual(digest, row.hash) && match === undefined) match = row;
    }
    if (!match)
      return err(bulwarkError('auth.unknown', 'the bearer token is not valid', { layer: 'L18', status: 401 }));
    if (match.revoked_at) {
      return err(
        bulwarkError('auth.revoked', 'the bearer token has been revoked', {
          layer: 'L18',
          status: 401,
          details: { tokenId: match.id },
        }),
      );
    }
    return ok(toInfo(match));
  }
}
