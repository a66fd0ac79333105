/** The memory inspector (GET /v1/memory): entries with their provenance; search, forget, promote. */
import { useState } from 'preact/hooks';
import { api, messageOf, post } from '../api.js';
import { useLoad } from '../use-load.js';

interface Entry {
  readonly id: string;
  readonly agentId: string;
  readonly origin: string;
  readonly kind: string;
  readonly text: string;
  readonly createdAt: string;
  readonly score?: number;
  readonly [key: string]: unknown;
}

export function MemoryView() {
  const [origin, setOrigin] = useState('');
  const [q, setQ] = useState('');
  const [search, setSearch] = useState('');
  const [error, setError] = useState('');
  const path = search
    ? `/v1/memory/search?q=${encodeURIComponent(search)}${origin ? `&origin=${origin}` : ''}`
    : `/v1/memory?limit=100${origin ? `&origin=${origin}` : ''}`;
  const list = useLoad<{ data: Entry[] }>(path);
  const act = async (f: () => Promise<unknown>) => {
    setError('');
    try {
      await f();
      list.reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <section aria-labelledby="memory-h">
      <h2 id="memory-h">Memory</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setSearch(q.trim());
        }}
      >
        <label for="memory-q">Search</label>
        <input id="memory-q" value={q} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />
        <label for="memory-origin">Origin</label>
        <select id="memory-origin" value={origin} onChange={(e) => setOrigin((e.target as HTMLSelectElement).value)}>
          <option value="">any</option>
          {['owner', 'system', 'agent', 'external'].map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
        <button type="submit" class="primary">
          Search
        </button>
        {search ? (
          <button
            type="button"
            onClick={() => {
              setQ('');
              setSearch('');
            }}
          >
            Show all
          </button>
        ) : null}
      </form>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      {list.error ? (
        <p class="error">
          {list.error.includes('no route') ? 'Memory is off on this daemon (memory.enabled).' : list.error}
        </p>
      ) : null}
      {(list.data?.data ?? []).map((m) => (
        <article key={m.id} class="panel" aria-label={`Memory ${m.id}`}>
          <p class="muted">
            <code>{m.id}</code> · {m.agentId} · origin <strong>{m.origin}</strong> · {m.kind} ·{' '}
            {m.createdAt.slice(0, 19)}
            {m.score !== undefined ? ` · score ${m.score.toFixed(2)}` : ''}
          </p>
          <pre>{m.text}</pre>
          <details>
            <summary>Provenance</summary>
            <pre>{JSON.stringify(m, null, 2)}</pre>
          </details>
          <div class="row">
            {m.origin !== 'owner' ? (
              <button
                type="button"
                aria-label={`Promote ${m.id} to owner`}
                onClick={() => void act(() => post(`/v1/memory/${m.id}/promote`))}
              >
                Promote
              </button>
            ) : null}
            <button
              type="button"
              class="deny"
              aria-label={`Forget ${m.id}`}
              onClick={() => void act(() => api('DELETE', `/v1/memory/${m.id}`))}
            >
              Forget
            </button>
          </div>
        </article>
      ))}
      {list.data?.data.length === 0 ? <p>No entries.</p> : null}
    </section>
  );
}
