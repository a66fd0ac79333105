/** The audit feed (GET /v1/audit): newest first, filtered by layer, agent, decision and event type; can follow. */
import { useEffect, useState } from 'preact/hooks';
import { useLoad } from '../use-load.js';

type Line = Record<string, unknown>;

function text(v: unknown): string {
  return v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
}

export function AuditView() {
  const [filters, setFilters] = useState({ layer: '', agent: '', decision: '', type: '' });
  const [applied, setApplied] = useState(filters);
  const [follow, setFollow] = useState(false);
  const query = new URLSearchParams({ limit: '200' });
  for (const [k, v] of Object.entries(applied)) if (v.trim()) query.set(k, v.trim());
  const feed = useLoad<{ data: Line[]; scanned: number }>(`/v1/audit?${query.toString()}`);
  useEffect(() => {
    if (!follow) return undefined;
    const t = setInterval(feed.reload, 3000);
    return () => clearInterval(t);
  }, [follow, feed.reload]);
  const field = (name: keyof typeof filters, label: string, placeholder: string) => (
    <>
      <label for={`audit-${name}`}>{label}</label>
      <input
        id={`audit-${name}`}
        value={filters[name]}
        placeholder={placeholder}
        size={10}
        onInput={(e) => setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value })}
      />
    </>
  );
  return (
    <section aria-labelledby="audit-h">
      <h2 id="audit-h">Audit</h2>
      <form
        class="row"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(filters);
        }}
      >
        {field('layer', 'Layer', 'L01')}
        {field('agent', 'Agent', 'default')}
        {field('decision', 'Decision', 'blocked')}
        {field('type', 'Event', 'security:')}
        <button type="submit" class="primary">
          Filter
        </button>
        <label>
          <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} />{' '}
          Follow
        </label>
      </form>
      {feed.error ? <p class="error">{feed.error}</p> : null}
      <p class="muted" aria-live="polite">
        {feed.data ? `${feed.data.data.length} events (of the newest ${feed.data.scanned} looked at)` : 'Loading…'}
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">time</th>
              <th scope="col">event</th>
              <th scope="col">layer</th>
              <th scope="col">agent</th>
              <th scope="col">decision</th>
              <th scope="col">details</th>
            </tr>
          </thead>
          <tbody>
            {(feed.data?.data ?? []).map((l, i) => {
              const { at, type, layer, agentId, outcome, decision, ...rest } = l;
              return (
                <tr key={i}>
                  <td>{text(at).replace('T', ' ').slice(0, 19)}</td>
                  <td>{text(type)}</td>
                  <td>{text(layer)}</td>
                  <td>{text(agentId)}</td>
                  <td>{text(outcome ?? decision)}</td>
                  <td class="reason">
                    <code>{JSON.stringify(rest)}</code>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
