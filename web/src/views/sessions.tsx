/** The agents' sessions (GET /v1/sessions) and one session's messages, redacted by the daemon (L09). */
import { useState } from 'preact/hooks';
import { useLoad } from '../use-load.js';

interface Summary {
  readonly id: string;
  readonly agentId: string;
  readonly sender: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly messages: number;
}
interface Message {
  readonly role: string;
  readonly content: string;
  readonly name?: string;
  readonly isError?: boolean;
  readonly toolCalls?: ReadonlyArray<{ id: string; name: string; arguments: string }>;
}

function SessionMessages({ id }: { id: string }) {
  const s = useLoad<{ data: Message[]; total: number }>(`/v1/sessions/${id}`);
  if (s.error) return <p class="error">{s.error}</p>;
  if (!s.data) return <p>Loading…</p>;
  return (
    <section class="panel" aria-label={`Messages of ${id}`}>
      <p class="muted">{s.data.total} messages</p>
      {s.data.data.map((m, i) => (
        <div key={i} class={`msg ${m.role === 'user' ? 'user' : 'assistant'}`}>
          <span class="who">
            {m.role}
            {m.name ? ` · ${m.name}` : ''}
            {m.isError ? ' · error' : ''}
          </span>
          {m.content}
          {(m.toolCalls ?? []).map((t) => (
            <pre key={t.id}>
              {t.name} {t.arguments}
            </pre>
          ))}
        </div>
      ))}
    </section>
  );
}

export function SessionsView() {
  const list = useLoad<{ data: Summary[] }>('/v1/sessions?limit=100');
  const [open, setOpen] = useState<string | undefined>(undefined);
  return (
    <section aria-labelledby="sessions-h">
      <h2 id="sessions-h">Sessions</h2>
      <div class="row">
        <button type="button" onClick={list.reload}>
          Refresh
        </button>
      </div>
      {list.error ? <p class="error">{list.error}</p> : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">session</th>
              <th scope="col">agent</th>
              <th scope="col">caller</th>
              <th scope="col">messages</th>
              <th scope="col">last used</th>
              <th scope="col" />
            </tr>
          </thead>
          <tbody>
            {(list.data?.data ?? []).map((s) => (
              <tr key={s.id}>
                <td>
                  <code>{s.id}</code>
                </td>
                <td>{s.agentId}</td>
                <td>{s.sender}</td>
                <td>{s.messages}</td>
                <td>{s.updatedAt.replace('T', ' ').slice(0, 19)}</td>
                <td>
                  <button
                    type="button"
                    aria-expanded={open === s.id}
                    onClick={() => setOpen(open === s.id ? undefined : s.id)}
                  >
                    {open === s.id ? 'Close' : 'Open'} <span class="visually-hidden">{s.id}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data?.data.length === 0 ? <p>No sessions yet.</p> : null}
      {open ? <SessionMessages id={open} /> : null}
    </section>
  );
}
