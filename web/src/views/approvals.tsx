/**
 * What waits for the operator, with the exact effect, and Approve / Deny bound to the effect hash shown. The commands
 * that made it ask come first; every model-chosen text is shown through visibleText (bidi overrides and invisible
 * characters escaped), the same function the CLI and Telegram use.
 */
import { useState } from 'preact/hooks';
import { askedBy } from '../../../src/policy/approval-caller.js';
import { rankCommands } from '../../../src/policy/approval-commands.js';
import { visibleText as vis } from '../../../src/text/visible-text.js';
import { messageOf, post } from '../api.js';
import type { ApprovalsFeed, Pending } from '../approvals-feed.js';

function DiffBlock({ diff }: { diff: string }) {
  return (
    <pre class="diff" aria-label="File diff">
      {diff.split('\n').map((line, i) => (
        <span
          key={i}
          class={
            line.startsWith('+') && !line.startsWith('+++')
              ? 'add'
              : line.startsWith('-') && !line.startsWith('---')
                ? 'del'
                : undefined
          }
        >
          {vis(line)}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

function json(v: unknown): string {
  return vis(typeof v === 'string' ? v : JSON.stringify(v, null, 2));
}

function ApprovalCard({ p, onDone }: { p: Pending; onDone: (id: string) => void }) {
  const v = p.view;
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const effects = p.effects ?? v.effects ?? [];
  const decide = async (decision: 'approve' | 'deny') => {
    setBusy(true);
    setError('');
    try {
      await post(`/v1/approvals/${p.id}/${decision}`, {
        // The decision names the effect this card shows: if the request is another one now, the daemon refuses.
        effectHash: p.effectHash,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      onDone(p.id);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };
  // Approve, and grant this request's own scope (its program, hosts or file) for ten minutes; the daemon refuses
  // effects no grant can cover (destructive commands, credentials …) and says why.
  const approveFor = async (minutes: number) => {
    setBusy(true);
    setError('');
    try {
      await post(`/v1/approvals/${p.id}/grant`, {
        effectHash: p.effectHash,
        minutes,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
      });
      onDone(p.id);
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };
  const headingId = `apr-${p.id}`;
  return (
    <article class="panel approval" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {vis(v.tool)} — {v.classes.join(', ')}
        {v.layer && v.layer !== 'L13' ? ` (${v.layer})` : ''}
      </h3>
      <ul>
        {(v.reasons.length ? v.reasons : v.reason ? [v.reason] : []).map((r, i) => (
          <li key={i}>{vis(r)}</li>
        ))}
      </ul>
      <dl>
        <dt>Asked by</dt>
        <dd class={v.caller?.owner === true ? undefined : 'stranger'}>{vis(askedBy(v.caller))}</dd>
        <dt>Agent</dt>
        <dd>{vis(v.agentId)}</dd>
        <dt>Session</dt>
        <dd>
          <code>{vis(v.sessionId)}</code>
        </dd>
        <dt>Working directory</dt>
        <dd>
          <code>{vis(v.cwd)}</code>
        </dd>
        <dt>Network</dt>
        <dd>
          <code>{json(v.network)}</code>
        </dd>
        {v.argv?.length ? (
          <>
            <dt>Commands (argv{v.asks?.length ? `; asks for ${v.asks.join(', ')}` : ''})</dt>
            <dd>
              {rankCommands(v).map((c) => (
                <pre key={c.index} class={c.asks ? 'asks' : undefined}>
                  {c.asks && c.classes.length ? `[${c.classes.join(', ')}] ` : ''}
                  {vis(JSON.stringify(c.argv))}
                </pre>
              ))}
            </dd>
          </>
        ) : null}
        {v.envNames?.length ? (
          <>
            <dt>Environment</dt>
            <dd>{vis(v.envNames.join(', '))}</dd>
          </>
        ) : null}
        <dt>Expires</dt>
        <dd>{new Date(p.expiresAt).toLocaleTimeString()}</dd>
        <dt>Effect hash</dt>
        <dd>
          <code>{p.effectHash}</code>
        </dd>
      </dl>
      {v.diff ? <DiffBlock diff={v.diff} /> : null}
      {effects.length ? (
        // A write's one change repeats the diff above: its entry stays folded.
        <details open={!v.diff}>
          <summary>Effect set ({p.effectsNote ?? effects.length})</summary>
          <pre>{json(effects)}</pre>
        </details>
      ) : null}
      <details>
        <summary>Arguments</summary>
        <pre>{vis(v.args)}</pre>
      </details>
      <div class="row">
        <label for={`reason-${p.id}`}>Reason</label>
        <input
          id={`reason-${p.id}`}
          value={reason}
          maxLength={500}
          placeholder="optional"
          onInput={(e) => setReason((e.target as HTMLInputElement).value)}
        />
        <button type="button" class="approve" disabled={busy} onClick={() => void decide('approve')}>
          Approve
        </button>
        {p.grantable === true ? (
          <button type="button" class="approve" disabled={busy} onClick={() => void approveFor(10)}>
            Approve for 10 min
          </button>
        ) : null}
        <button type="button" class="deny" disabled={busy} onClick={() => void decide('deny')}>
          Deny
        </button>
      </div>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
    </article>
  );
}

export function ApprovalsView({ feed }: { feed: ApprovalsFeed }) {
  return (
    <section aria-labelledby="approvals-h">
      <h2 id="approvals-h">Approvals</h2>
      <p class="muted" aria-live="polite">
        {feed.pending.length} pending · {feed.connected ? 'live' : 'connecting…'}
      </p>
      {feed.error ? <p class="error">{feed.error}</p> : null}
      {feed.pending.length === 0 ? <p>Nothing waits for a decision.</p> : null}
      {feed.pending.map((p) => (
        <ApprovalCard key={p.id} p={p} onDone={feed.remove} />
      ))}
    </section>
  );
}
