/**
 * One turn at a time per session: a second turn on a busy session queues behind the first and sees
 * its messages; turns on different sessions still run side by side; the queue is bounded.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { MAX_SESSION_WAITERS, SessionLocks } from '../../src/agent/session-lock.js';
import type { TurnEvent } from '../../src/agent/types.js';
import {
  reply,
  startFakeProvider,
  type FakeProvider,
  type FakeReply,
  type FakeRequest,
} from '../support/fake-provider.js';
import { bulwarkError } from '../../src/core/errors.js';
import { err, ok } from '../../src/core/result.js';
import { collect, makeHarness, turn, type Harness } from './helpers.js';

let fake: FakeProvider | undefined;
let h: Harness | undefined;
afterEach(async () => {
  await fake?.close();
  h?.close();
  fake = undefined;
  h = undefined;
});

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function lastUserText(req: FakeRequest): string {
  const users = req.messages.filter((m) => m.role === 'user');
  return String(users.at(-1)?.content ?? '');
}

/** Answers "answer <last user text>"; a user text starting with "hold" waits for `gate` first. */
async function setup(gate: Promise<void>): Promise<Harness> {
  fake = await startFakeProvider({
    script: async (req): Promise<FakeReply> => {
      const text = lastUserText(req);
      if (text.startsWith('hold')) await gate;
      return reply.text(`answer ${text}`);
    },
  });
  h = makeHarness(fake);
  return h;
}

function sessionOf(evs: readonly TurnEvent[]): string {
  const s = evs.find((e) => e.type === 'session');
  if (s?.type !== 'session') throw new Error(`no session event in ${JSON.stringify(evs)}`);
  return s.sessionId;
}

describe('per-session turn lock', () => {
  it('a second turn on the same session waits for the first and sees its messages', async () => {
    const gate = deferred();
    const harness = await setup(gate.promise);
    const sessionId = sessionOf(await collect(harness.runtime.runTurn(turn('zero'))));

    const a = collect(harness.runtime.runTurn(turn('hold A', { sessionId })));
    await vi.waitFor(() => expect(fake?.calls).toBe(2));
    const b = collect(harness.runtime.runTurn(turn('B', { sessionId })));
    // Let B run as far as it can while A is still inside its model call.
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    expect(fake?.calls).toBe(2);

    gate.resolve();
    const [ea, eb] = await Promise.all([a, b]);
    expect(ea.at(-1)).toMatchObject({ type: 'done', text: 'answer hold A' });
    expect(eb.at(-1)).toMatchObject({ type: 'done', text: 'answer B' });

    // B's model call carried A's exchange: B read the history only after A had stored it.
    const bRequest = fake?.requests[2];
    expect(
      bRequest?.messages.filter((m) => m.role !== 'system').map((m) => `${String(m.role)}:${String(m.content)}`),
    ).toEqual(['user:zero', 'assistant:answer zero', 'user:hold A', 'assistant:answer hold A', 'user:B']);
    const stored = await harness.stores.sessions.history(sessionId);
    expect(stored.map((m) => `${m.role}:${m.content}`)).toEqual([
      'user:zero',
      'assistant:answer zero',
      'user:hold A',
      'assistant:answer hold A',
      'user:B',
      'assistant:answer B',
    ]);
  });

  it('turns on different sessions do not wait for each other', async () => {
    const gate = deferred();
    const harness = await setup(gate.promise);
    const s1 = sessionOf(await collect(harness.runtime.runTurn(turn('one'))));
    const s2 = sessionOf(await collect(harness.runtime.runTurn(turn('two'))));

    const a = collect(harness.runtime.runTurn(turn('hold A', { sessionId: s1 })));
    await vi.waitFor(() => expect(fake?.calls).toBe(3));
    // Completes while A is still held in its model call.
    const eb = await collect(harness.runtime.runTurn(turn('B', { sessionId: s2 })));
    expect(eb.at(-1)).toMatchObject({ type: 'done', text: 'answer B' });

    gate.resolve();
    expect((await a).at(-1)).toMatchObject({ type: 'done', text: 'answer hold A' });
  });

  it('a waiting turn whose caller goes away ends as cancelled and never reaches the provider', async () => {
    const gate = deferred();
    const harness = await setup(gate.promise);
    const sessionId = sessionOf(await collect(harness.runtime.runTurn(turn('zero'))));
    const a = collect(harness.runtime.runTurn(turn('hold A', { sessionId })));
    await vi.waitFor(() => expect(fake?.calls).toBe(2));
    const abort = new AbortController();
    const b = collect(harness.runtime.runTurn(turn('B', { sessionId, signal: abort.signal })));
    abort.abort();
    expect((await b).at(-1)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
    gate.resolve();
    await a;
    expect(fake?.calls).toBe(2);
    expect((await harness.stores.sessions.history(sessionId)).map((m) => m.content)).not.toContain('B');
  });
});

/** Reads a turn up to its first terminal event and then stops, the way an HTTP handler answers an error: no drain, no return(). */
async function untilTerminal(events: AsyncIterable<TurnEvent>): Promise<TurnEvent[]> {
  const it = events[Symbol.asyncIterator]();
  const out: TurnEvent[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return out;
    out.push(r.value);
    if (r.value.type === 'done' || r.value.type === 'error') return out;
  }
}

describe('a consumer that stops reading at the terminal event', () => {
  /** Answers "answer <text>"; "fail" gets an upstream 400, "refuse" is refused before the model call. */
  async function failing(): Promise<Harness> {
    fake = await startFakeProvider({
      script: (req): FakeReply => {
        const text = lastUserText(req);
        return text === 'fail' ? reply.error(400, 'bad request upstream') : reply.text(`answer ${text}`);
      },
    });
    // A short turn deadline: a session left locked shows up as session.busy instead of a hung test.
    h = makeHarness(fake, {
      agent: { turnTimeoutMs: 1000 },
      pipelines: (real) => ({
        ...real,
        modelCall: [
          ...real.modelCall,
          {
            layer: 'L21',
            name: 'test: refuse the message "refuse"',
            run: (item) => {
              const users = item.request.messages.filter((m) => m.role === 'user');
              return users.at(-1)?.content === 'refuse'
                ? err(bulwarkError('budget.exceeded', 'over budget', { status: 429 }))
                : ok(item);
            },
          },
        ],
      }),
    });
    return h;
  }

  it.each([
    ['a provider error', 'fail', 'error'],
    ['a refusal before the model call', 'refuse', 'error'],
    ['a finished answer', 'fine', 'done'],
  ] as const)('after %s the session is free for the next turn at once', async (_what, text, type) => {
    const harness = await failing();
    const sessionId = sessionOf(await collect(harness.runtime.runTurn(turn('zero'))));

    const first = await untilTerminal(harness.runtime.runTurn(turn(text, { sessionId })));
    expect(first.at(-1)?.type).toBe(type);

    const second = await collect(harness.runtime.runTurn(turn('again', { sessionId })));
    expect(second.at(-1)).toMatchObject({ type: 'done', text: 'answer again' });
    // What the stopped turn added was stored before the session was handed on.
    const stored = (await harness.stores.sessions.history(sessionId)).map((m) => `${m.role}:${m.content}`);
    expect(stored).toContain(`user:${text}`);
    expect(stored.at(-1)).toBe('assistant:answer again');
  });

  it("a stopped turn closes its loop: the caller's abort signal has no listener of the turn left", async () => {
    const harness = await failing();
    const abort = new AbortController();
    let listeners = 0;
    const add = abort.signal.addEventListener.bind(abort.signal);
    const remove = abort.signal.removeEventListener.bind(abort.signal);
    abort.signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    abort.signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    const evs = await untilTerminal(harness.runtime.runTurn(turn('fail', { signal: abort.signal })));
    expect(evs.at(-1)?.type).toBe('error');
    expect(listeners).toBe(0);
  });
});

describe('SessionLocks', () => {
  it('hands the session to waiters in order, one at a time', async () => {
    const locks = new SessionLocks();
    const order: string[] = [];
    const first = await locks.acquire('s', { waitMs: 60_000 });
    if (!first.ok) throw new Error('first acquire failed');
    const second = locks.acquire('s', { waitMs: 60_000 }).then((r) => {
      order.push('second');
      return r;
    });
    const third = locks.acquire('s', { waitMs: 60_000 }).then((r) => {
      order.push('third');
      return r;
    });
    await Promise.resolve();
    expect(order).toEqual([]);
    first.value();
    first.value(); // a second release is a no-op, it does not let the third in early
    const r2 = await second;
    await Promise.resolve();
    expect(order).toEqual(['second']);
    if (r2.ok) r2.value();
    const r3 = await third;
    expect(order).toEqual(['second', 'third']);
    if (r3.ok) r3.value();
    expect(locks.busySessions).toBe(0);
  });

  it('refuses with session.busy (409) when the queue is full or the wait runs out', async () => {
    const locks = new SessionLocks();
    const held = await locks.acquire('s', { waitMs: 60_000 });
    const waiting = Array.from({ length: MAX_SESSION_WAITERS }, () => locks.acquire('s', { waitMs: 60_000 }));
    const full = await locks.acquire('s', { waitMs: 60_000 });
    expect(full).toMatchObject({ ok: false, error: { code: 'session.busy', status: 409 } });
    // Another session is not affected.
    const other = await locks.acquire('t', { waitMs: 1 });
    expect(other.ok).toBe(true);
    if (held.ok) held.value();
    for (const w of waiting) {
      const r = await w;
      if (r.ok) r.value();
    }

    const busy = await locks.acquire('t', { waitMs: 1 });
    expect(busy).toMatchObject({ ok: false, error: { code: 'session.busy', status: 409 } });
    if (other.ok) other.value();
    expect(locks.busySessions).toBe(0);
  });
});
