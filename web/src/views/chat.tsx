/**
 * Chat with an agent: the answer streams in, each tool call shows as a card with its arguments and result, and a
 * layer that acted on the turn (input guard, output guard, tool output sanitizer, …) shows as a notice.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, checked, get, headers, messageOf, sseData } from '../api.js';

interface Notice {
  readonly layer: string;
  readonly name?: string;
  readonly event: string;
  readonly outcome?: string;
  readonly reason?: string;
  readonly tool?: string;
  readonly risk?: string;
  readonly findings?: readonly string[];
}

type Item =
  | { kind: 'user'; text: string }
  | { kind: 'assistant'; text: string; done: boolean }
  | { kind: 'tool'; id: string; name: string; args: string; result?: string; ok?: boolean }
  | { kind: 'notice'; notice: Notice }
  | { kind: 'error'; text: string; layer?: string };

interface ToolChunk {
  readonly id: string;
  readonly name: string;
  readonly status: 'started' | 'finished';
  readonly arguments?: string;
  readonly result?: string;
  readonly ok?: boolean;
}

interface Chunk {
  readonly choices?: ReadonlyArray<{ delta?: { content?: string } }>;
  readonly bulwark?: { tool?: ToolChunk; notice?: Notice };
  readonly error?: { message: string; code?: string | null };
}

/** The layer an error code comes from, for refusals that end a turn before it streams. */
function layerOfCode(code: string | null | undefined): string | undefined {
  if (!code) return undefined;
  if (code === 'input.blocked') return 'L01';
  if (code === 'input.rate_limited') return 'L05';
  if (code.startsWith('budget.')) return 'L21';
  if (code.startsWith('breaker.')) return 'L22';
  return undefined;
}

function noticeText(n: Notice): string {
  const parts = [n.outcome ?? n.event.replace(/^[a-z]+:/, '')];
  if (n.risk) parts.push(`risk ${n.risk}`);
  if (n.tool) parts.push(`tool ${n.tool}`);
  if (n.reason) parts.push(n.reason);
  if (n.findings?.length) parts.push(`(${n.findings.join(', ')})`);
  return parts.join(' · ');
}

function ToolCard({ item, admin }: { item: Extract<Item, { kind: 'tool' }>; admin: boolean }) {
  const state = item.ok === undefined ? 'running' : item.ok ? 'finished' : 'failed';
  return (
    <article
      class={`msg tool-card${item.ok === false ? ' failed' : ''}`}
      aria-label={`Tool call ${item.name}: ${state}`}
    >
      <span class="who">
        tool call · {item.name} · {state}
      </span>
      <details open>
        <summary>Arguments</summary>
        <pre>{item.args || '{}'}</pre>
      </details>
      {item.result !== undefined ? (
        <details open>
          <summary>Result</summary>
          <pre>{item.result}</pre>
        </details>
      ) : admin ? (
        <p class="muted">
          Running. If it needs an operator, it waits in <a href="#/approvals">Approvals</a>.
        </p>
      ) : (
        <p class="muted">Running…</p>
      )}
    </article>
  );
}

export function ChatView({ admin }: { admin: boolean }) {
  const [agents, setAgents] = useState<string[]>([]);
  const [agent, setAgent] = useState('');
  const [items, setItems] = useState<Item[]>([]);
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const sessions = useRef(new Map<string, string>());
  const abort = useRef<AbortController | undefined>(undefined);
  const input = useRef<HTMLTextAreaElement>(null);
  const ready = agents.length > 0;

  useEffect(() => {
    get<{ data: Array<{ id: string }> }>('/v1/models').then(
      (r) => {
        const ids = r.data.map((m) => m.id);
        setAgents(ids);
        setAgent((a) => a || ids[0] || '');
      },
      (e: unknown) => setError(messageOf(e)),
    );
    return () => abort.current?.abort();
  }, []);
  useEffect(() => {
    // The chat is usable from here on: measured by the browser test (navigation start → this mark).
    if (ready && !input.current?.disabled && performance.getEntriesByName('bulwark:chat-ready').length === 0)
      performance.mark('bulwark:chat-ready');
  }, [ready]);

  const update = (f: (list: Item[]) => Item[]) => setItems((list) => f(list));
  // A layer notice that arrives mid-answer is shown beside it, and does not cut the answer in two.
  const appendText = (text: string) =>
    update((list) => {
      let at = list.length - 1;
      while (at >= 0 && list[at]?.kind === 'notice') at--;
      const open = list[at];
      if (open?.kind === 'assistant' && !open.done)
        return list.map((item, k) => (k === at ? { ...open, text: open.text + text } : item));
      return [...list, { kind: 'assistant', text, done: false }];
    });
  const closeAnswer = () =>
    update((list) => list.map((i) => (i.kind === 'assistant' && !i.done ? { ...i, done: true } : i)));
  const onTool = (t: ToolChunk) => {
    closeAnswer();
    update((list) => {
      if (t.status === 'started') return [...list, { kind: 'tool', id: t.id, name: t.name, args: t.arguments ?? '' }];
      return list.map((i) =>
        i.kind === 'tool' && i.id === t.id && i.result === undefined
          ? { ...i, result: t.result ?? '', ok: t.ok === true }
          : i,
      );
    });
  };

  const send = async (e?: Event) => {
    e?.preventDefault();
    const text = draft.trim();
    if (!text || busy || !agent) return;
    setDraft('');
    setBusy(true);
    setError('');
    update((list) => [...list, { kind: 'user', text }]);
    const controller = new AbortController();
    abort.current = controller;
    try {
      const session = sessions.current.get(agent);
      const res = await fetch('/v1/chat/completions', {
        method: 'POST',
        credentials: 'same-origin',
        signal: controller.signal,
        headers: headers(true, {
          'content-type': 'application/json',
          'x-bulwark-events': 'tools, notices',
          ...(session ? { 'x-bulwark-session': session } : {}),
        }),
        body: JSON.stringify({ model: agent, stream: true, messages: [{ role: 'user', content: text }] }),
      });
      await checked(res);
      const sid = res.headers.get('x-bulwark-session');
      if (sid) sessions.current.set(agent, sid);
      for await (const data of sseData(res.body as ReadableStream<Uint8Array>)) {
        if (data === '[DONE]') break;
        const chunk = JSON.parse(data) as Chunk;
        if (chunk.error) {
          const layer = layerOfCode(chunk.error.code);
          update((list) => [
            ...list,
            { kind: 'error', text: chunk.error?.message ?? 'error', ...(layer ? { layer } : {}) },
          ]);
          continue;
        }
        const content = chunk.choices?.[0]?.delta?.content;
        if (content) appendText(content);
        if (chunk.bulwark?.tool) onTool(chunk.bulwark.tool);
        const notice = chunk.bulwark?.notice;
        if (notice) update((list) => [...list, { kind: 'notice', notice }]);
      }
    } catch (err) {
      if (!controller.signal.aborted) {
        const layer = err instanceof ApiError ? layerOfCode(err.code) : undefined;
        update((list) => [...list, { kind: 'error', text: messageOf(err), ...(layer ? { layer } : {}) }]);
      }
    } finally {
      closeAnswer();
      setBusy(false);
      abort.current = undefined;
      input.current?.focus();
    }
  };

  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey) void send(e);
  };

  return (
    <section aria-labelledby="chat-h">
      <h2 id="chat-h">Chat</h2>
      <div class="row">
        <label for="agent">Agent</label>
        <select id="agent" value={agent} onChange={(e) => setAgent((e.target as HTMLSelectElement).value)}>
          {agents.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
        <button
          type="button"
          onClick={() => {
            // A turn still streaming belongs to the old conversation: stop it so it cannot write into the new one.
            abort.current?.abort();
            sessions.current.delete(agent);
            setItems([]);
          }}
        >
          New conversation
        </button>
      </div>
      {error ? (
        <p role="alert" class="error">
          {error}
        </p>
      ) : null}
      <div class="chat-log" role="log" aria-live="polite" aria-label="Conversation">
        {items.map((item, i) => {
          switch (item.kind) {
            case 'user':
              return (
                <div key={i} class="msg user">
                  <span class="who">you</span>
                  {item.text}
                </div>
              );
            case 'assistant':
              return (
                <div key={i} class="msg assistant" aria-busy={!item.done}>
                  <span class="who">{agent}</span>
                  {item.text}
                </div>
              );
            case 'tool':
              return <ToolCard key={i} item={item} admin={admin} />;
            case 'notice':
              return (
                <div key={i} class="notice" role="note">
                  <strong>
                    {item.notice.layer}
                    {item.notice.name ? ` ${item.notice.name}` : ''}
                  </strong>
                  : {noticeText(item.notice)}
                </div>
              );
            case 'error':
              return (
                <div key={i} class="msg error" role="alert">
                  {item.layer ? <strong>{item.layer}: </strong> : null}
                  {item.text}
                </div>
              );
          }
        })}
      </div>
      <form class="composer" onSubmit={(e) => void send(e)}>
        <label for="message" class="visually-hidden">
          Message
        </label>
        <textarea
          id="message"
          ref={input}
          value={draft}
          disabled={!ready}
          placeholder={ready ? 'Message (Enter sends, Shift+Enter for a new line)' : 'Loading agents…'}
          onInput={(e) => setDraft((e.target as HTMLTextAreaElement).value)}
          onKeyDown={onKey}
        />
        {busy ? (
          <button type="button" onClick={() => abort.current?.abort()}>
            Stop
          </button>
        ) : (
          <button type="submit" class="primary" disabled={!ready || draft.trim() === ''}>
            Send
          </button>
        )}
      </form>
    </section>
  );
}
