/** The 27 layers and their numbered gates, live from the daemon (GET /v1/status, the source of `bulwark layers`). */
import { useLoad } from '../use-load.js';

interface GateRow {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly reason: string;
}
interface LayerRow extends GateRow {
  readonly category: string;
  readonly gates?: readonly GateRow[];
}
export interface StatusBody {
  readonly daemon: { url: string | null; startedAt: string; uptimeSeconds: number; pid: number };
  readonly summary: Record<string, number>;
  readonly layers: readonly LayerRow[];
  readonly breakers: ReadonlyArray<Record<string, unknown>>;
  readonly budget: Record<string, unknown> | null;
  readonly approvals: unknown;
}

function State({ state }: { state: string }) {
  return <span class={`state state-${state}`}>{state}</span>;
}

export function LayersView() {
  const status = useLoad<StatusBody>('/v1/status');
  const s = status.data;
  return (
    <section aria-labelledby="layers-h">
      <h2 id="layers-h">Layers</h2>
      <div class="row">
        {s ? (
          <span aria-label="Summary">
            {Object.entries(s.summary)
              .map(([k, v]) => `${v} ${k}`)
              .join(' · ')}{' '}
            · up {Math.round(s.daemon.uptimeSeconds / 60)} min · pid {s.daemon.pid}
          </span>
        ) : null}
        <button type="button" onClick={status.reload}>
          Refresh
        </button>
      </div>
      {status.error ? <p class="error">{status.error}</p> : null}
      {s ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">Layers and gates with their state and why</caption>
            <thead>
              <tr>
                <th scope="col">id</th>
                <th scope="col">layer</th>
                <th scope="col">category</th>
                <th scope="col">state</th>
                <th scope="col">why</th>
              </tr>
            </thead>
            <tbody>
              {s.layers.flatMap((l) => [
                <tr key={l.id}>
                  <td>{l.id}</td>
                  <td>{l.name}</td>
                  <td>{l.category}</td>
                  <td>
                    <State state={l.state} />
                  </td>
                  <td class="reason">{l.reason}</td>
                </tr>,
                ...(l.gates ?? []).map((g) => (
                  <tr key={g.id} class="gate">
                    <td>{g.id}</td>
                    <td>{g.name}</td>
                    <td />
                    <td>
                      <State state={g.state} />
                    </td>
                    <td class="reason">{g.reason}</td>
                  </tr>
                )),
              ])}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
