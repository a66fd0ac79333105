/** Tokens and cost per agent and model (GET /v1/usage) and the budgets and breakers in force (GET /v1/status). */
import { useState } from 'preact/hooks';
import { useLoad } from '../use-load.js';
import type { StatusBody } from './layers.js';

interface UsageRow {
  readonly agent: string;
  readonly model: string;
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cost: number;
  readonly calls: number;
}

export function UsageView() {
  const [days, setDays] = useState('1');
  const usage = useLoad<{ data: UsageRow[]; since: string }>(`/v1/usage?days=${days}`);
  const status = useLoad<StatusBody>('/v1/status');
  return (
    <section aria-labelledby="usage-h">
      <h2 id="usage-h">Usage and budgets</h2>
      <div class="row">
        <label for="usage-days">Period</label>
        <select id="usage-days" value={days} onChange={(e) => setDays((e.target as HTMLSelectElement).value)}>
          <option value="1">last 24 hours</option>
          <option value="7">last 7 days</option>
          <option value="30">last 30 days</option>
        </select>
      </div>
      {usage.error ? <p class="error">{usage.error}</p> : null}
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">agent</th>
              <th scope="col">model</th>
              <th scope="col">calls</th>
              <th scope="col">input tokens</th>
              <th scope="col">output tokens</th>
              <th scope="col">cost</th>
            </tr>
          </thead>
          <tbody>
            {(usage.data?.data ?? []).map((r) => (
              <tr key={`${r.agent}/${r.model}`}>
                <td>{r.agent}</td>
                <td>{r.model}</td>
                <td>{r.calls}</td>
                <td>{r.inputTokens}</td>
                <td>{r.outputTokens}</td>
                <td>{r.cost.toFixed(4)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {usage.data?.data.length === 0 ? <p>No model calls in this period.</p> : null}
      <h3>Budgets (L21)</h3>
      {status.error ? <p class="error">{status.error}</p> : null}
      <pre>{status.data ? JSON.stringify(status.data.budget, null, 2) : 'Loading…'}</pre>
      <h3>Circuit breakers (L22)</h3>
      <pre>{status.data ? JSON.stringify(status.data.breakers, null, 2) : 'Loading…'}</pre>
    </section>
  );
}
