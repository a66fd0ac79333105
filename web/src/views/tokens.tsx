/** API tokens: list, create (the secret is shown once, here), revoke (its UI sessions end with it). */
import { useState } from 'preact/hooks';
import { messageOf, post, type UiSession } from '../api.js';
import { useLoad } from '../use-load.js';

interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly owner: boolean;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export function TokensView({ session }: { session: UiSession }) {
  const list = useLoad<{ data: TokenInfo[] }>('/v1/tokens');
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['chat']);
  const [owner, setOwner] = useState(false);
  const [created, setCreated] = useState<(TokenInfo & { token: string }) | undefined>(undefined);
  const [error, setError] = useState('');
  const toggle = (s: string, on: boolean) =>
    setScopes((list) => (on ? [...new Set([...list, s])] : list.filter((x) => x !== s)));
  const create = async (e: Event) => {
    e.preventDefault();
    setError('');
    try {
      setCreated(await post<TokenInfo & { token: string }>('/v1/tokens', { name, scopes, owner }));
      setName('');
      list.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const revoke = async (t: TokenInfo) => {
    setError('');
    try {
      await post(`/v1/tokens/${t.id}/revoke`);
      list.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <section aria-labelledby="tokens-h">
      <h2 id="tokens-h">Tokens</h2>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {created ? (
        <div class="panel secret-once" role="status">
          <p>
            <strong>Token “{created.name}” created.</strong> Copy it now: it is shown this once and stored only as a
            hash.
          </p>
          <code aria-label="New token">{created.token}</code>
          <div class="row">
            <button type="button" onClick={() => void navigator.clipboard?.writeText(created.token)}>
              Copy
            </button>
            <button type="button" onClick={() => setCreated(undefined)}>
              Done
            </button>
          </div>
        </div>
      ) : null}
      <form class="panel" onSubmit={(e) => void create(e)} aria-label="Create a token">
        <div class="row">
          <label for="token-name">Name</label>
          <input
            id="token-name"
            value={name}
            required
            maxLength={64}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
          <fieldset class="row">
            <legend>Scopes</legend>
            {['chat', 'admin'].map((s) => (
              <label key={s}>
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  onChange={(e) => toggle(s, (e.target as HTMLInputElement).checked)}
                />{' '}
                {s}
              </label>
            ))}
            {session.owner ? (
              <label>
                <input
                  type="checkbox"
                  checked={owner}
                  onChange={(e) => setOwner((e.target as HTMLInputElement).checked)}
                />{' '}
                owner
              </label>
            ) : null}
          </fieldset>
          <button type="submit" class="primary" disabled={scopes.length === 0}>
            Create token
          </button>
        </div>
      </form>
      {list.error ? <p class="error">{list.error}</p> : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">name</th>
              <th scope="col">id</th>
              <th scope="col">scopes</th>
              <th scope="col">created</th>
              <th scope="col">state</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {(list.data?.data ?? []).map((t) => (
              <tr key={t.id}>
                <td>
                  {t.name}
                  {t.owner ? ' (owner)' : ''}
                  {t.id === session.tokenId ? ' (this session)' : ''}
                </td>
                <td>
                  <code>{t.id}</code>
                </td>
                <td>{t.scopes.join(', ')}</td>
                <td>{t.createdAt.replace('T', ' ').slice(0, 19)}</td>
                <td>{t.revokedAt ? `revoked ${t.revokedAt.replace('T', ' ').slice(0, 19)}` : 'active'}</td>
                <td>
                  {t.revokedAt ? null : (
                    <button type="button" class="deny" aria-label={`Revoke ${t.name}`} onClick={() => void revoke(t)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
