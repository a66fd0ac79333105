/**
 * L13 attack: the client disconnects while a tool call waits for an operator, and the operator then
 * approves (or an approval lands just as the turn is cancelled). A cancelled turn must run nothing:
 * the waiter is dropped, the pending entry is withdrawn as cancelled, and no tool:executed follows.
 * Real turn loop and runtime, the official OpenAI SDK against the fake provider.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { queueStore } from '../support/stores.js';
import { z } from 'zod';
import { ok, type Result } from '../../src/core/result.js';
import type { BulwarkError } from '../../src/core/errors.js';
import type { Controls } from '../../src/agent/controls.js';
import type { TurnPipelines } from '../../src/agent/boundaries.js';
import type { Tool } from '../../src/agent/tools/tool.js';
import type { TurnEvent } from '../../src/agent/types.js';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { ApprovalQueue, type EffectView, type PendingApproval } from '../../src/policy/approvals.js';
import { collect, makeHarness, turn, type Harness } from '../agent/helpers.js';
import { callContext, gatedTool, gateToolCall } from '../support/drivers.js';
import { reply, startFakeProvider, type FakeScript } from '../support/fake-provider.js';

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function recordingExec(ran: string[]): Tool {
  return {
    spec: {
      name: 'exec',
      description: 'run a shell command',
      inputSchema: { type: 'object', properties: { command: { type: 'string' } } },
    },
    group: 'runtime',
    actionClass: 'exec',
    external: true,
    async run(args) {
      const a = z.object({ command: z.string() }).passthrough().parse(args);
      ran.push(a.command);
      return ok(`ran: ${a.command}`);
    },
  };
}

interface Setup {
  h: Harness;
  queue: ApprovalQueue;
  controls: Controls;
  ran: string[];
}

async function setup(script: FakeScript, pipelinesOf?: (real: TurnPipelines) => TurnPipelines): Promise<Setup> {
  const fake = await startFakeProvider({ script });
  cleanups.push(() => fake.close());
  const ran: string[] = [];
  const h = makeHarness(fake, {
    agent: {
      tools: { profile: 'full' },
      maxSteps: 10,
      approvals: { timeoutMs: 30_000, require: ['destructive', 'credential', 'config'], strangers: 'allow' },
    },
    ...(pipelinesOf ? { pipelines: pipelinesOf } : {}),
    extraTools: [recordingExec(ran)],
  });
  cleanups.push(() => h.close());
  return { h, queue: h.parts.controls.approvals, controls: h.parts.controls, ran };
}

function untilToolResult(name: string, args: object): FakeScript {
  return (req) => (req.messages.at(-1)?.['role'] === 'tool' ? reply.text('done') : reply.toolCall(name, args));
}

function nextRequest(queue: ApprovalQueue): Promise<PendingApproval> {
  return new Promise((resolve) => {
    const existing = queue.list()[0];
    if (existing) return resolve(existing);
    const off = queue.onRequested((p) => {
      off();
      resolve(p);
    });
  });
}

function executed(events: readonly Envelope<EventType>[], tool: string): number {
  return events.filter((e) => e.type === 'tool:executed' && e.payload['tool'] === tool).length;
}

function last(events: TurnEvent[]): TurnEvent | undefined {
  return events.at(-1);
}

describe('L13: a cancelled turn runs nothing after approval', () => {
  it('exec: client disconnects while pending, operator approves → the command never runs', async () => {
    const s = await setup(untilToolResult('exec', { command: 'rm -rf ~' }));
    const client = new AbortController();
    const turnP = collect(s.h.runtime.runTurn(turn('clean up', { signal: client.signal })));
    const pending = await nextRequest(s.queue);
    expect(s.queue.list()).toHaveLength(1);

    client.abort();
    // The request is withdrawn at once: nothing is left for the operator to approve.
    expect(s.queue.list()).toHaveLength(0);
    const approve = s.queue.decide(pending.id, 'approve', 'operator:test');
    expect(approve.ok).toBe(false);
    expect(!approve.ok && approve.error.code).toBe('approval.not_pending');

    const events = await turnP;
    expect(last(events)).toMatchObject({ type: 'done', finishReason: 'cancelled' });
    expect(s.ran).toEqual([]);
    expect(executed(s.h.events, 'exec')).toBe(0);
    expect(await s.queue.get(pending.id)).toMatchObject({ decision: 'deny', source: 'cancelled' });
    const resolved = s.h.events.find((e) => e.type === 'approval:resolved');
    expect(resolved?.payload).toMatchObject({ outcome: 'cancelled', source: 'cancelled', requestId: pending.id });
    // A cancellation is not an operator denial: the same action asked again is pending, not denied from cache.
    expect(s.queue.status().cachedDenials).toBe(0);
  });

  it('write: client disconnects while pending, operator approves → the file is untouched', async () => {
    const s = await setup(untilToolResult('write', { path: 'notes.md', content: 'attacker content' }));
    const file = path.join(s.h.workspace, 'notes.md');
    writeFileSync(file, 'original\n');
    const client = new AbortController();
    const turnP = collect(s.h.runtime.runTurn(turn('edit notes', { signal: client.signal })));
    const pending = await nextRequest(s.queue);
    expect(pending.view.diff).toContain('+attacker content');

    client.abort();
    expect(s.queue.decide(pending.id, 'approve', 'operator:test').ok).toBe(false);
    await turnP;
    expect(readFileSync(file, 'utf8')).toBe('original\n');
    expect(executed(s.h.events, 'write')).toBe(0);
    expect(s.queue.list()).toHaveLength(0);
  });

  it('a gate that ignores the signal and approves after the cancel still cannot start the tool', async () => {
    // Models a hook that does not honour the signal (or an approval racing the disconnect).
    let release!: (r: Result<void, BulwarkError>) => void;
    let gateEntered!: () => void;
    const entered = new Promise<void>((r) => (gateEntered = r));
    const s = await setup(untilToolResult('exec', { command: 'echo hi' }), (real) => ({
      ...real,
      toolCall: [
        ...real.toolCall,
        {
          layer: 'L13',
          name: 'test: waits, ignoring the signal',
          run: (item) => {
            gateEntered();
            return new Promise<Result<typeof item, BulwarkError>>((r) => (release = (v) => r(v.ok ? ok(item) : v)));
          },
        },
      ],
    }));
    const client = new AbortController();
    const turnP = collect(s.h.runtime.runTurn(turn('say hi', { signal: client.signal })));
    await entered;
    client.abort();
    release(ok(undefined));
    const events = await turnP;
    expect(s.ran).toEqual([]);
    expect(executed(s.h.events, 'exec')).toBe(0);
    expect(events.filter((e) => e.type === 'tool_finished')).toEqual([expect.objectContaining({ ok: false })]);
    expect(s.h.events.some((e) => e.type === 'tool:denied' && e.payload['outcome'] === 'cancelled')).toBe(true);
  });

  it('controls: an approval that lands as the turn is cancelled leaves no grant to execute', async () => {
    const s = await setup(untilToolResult('exec', { command: 'rm -rf ~' }));
    const client = new AbortController();
    const call = { id: 'c1', name: 'exec', arguments: JSON.stringify({ command: 'rm -rf ~' }) };
    const ctx = callContext('coder', { sessionId: 's1', traceId: 't1' });
    const { actions } = s.controls;
    const gate = gateToolCall([actions.classify, actions.approve], call, ctx, client.signal);
    const pending = await nextRequest(s.queue);
    expect(s.queue.decide(pending.id, 'approve', 'operator:test').ok).toBe(true);
    client.abort();
    const r = await gate;
    expect(r.ok).toBe(false);
    const guarded = gatedTool([actions.recheck], recordingExec(s.ran));
    const run = await guarded.run(
      { command: 'rm -rf ~' },
      { ...ctx, workspace: s.h.workspace, signal: new AbortController().signal },
    );
    expect(run.ok).toBe(false);
    expect(s.ran).toEqual([]);
  });
});

describe('L13 queue: cancelled waiters', () => {
  const view: EffectView = {
    tool: 'exec',
    classes: ['destructive'],
    reasons: ['rm'],
    agentId: 'a',
    sessionId: 's',
    cwd: '/w',
    network: { mode: 'none', grants: [] },
    args: '{}',
  };
  const ctx = { agentId: 'a', sessionId: 's', traceId: 't', owner: true };

  it('drops one joined waiter; the other still gets the operator decision', async () => {
    const queue = new ApprovalQueue({ bus: new EventBus(), ...queueStore() });
    const a = new AbortController();
    const b = new AbortController();
    const pa = queue.request('h1', view, ctx, 60_000, a.signal);
    const pb = queue.request('h1', view, ctx, 60_000, b.signal);
    expect(queue.list()[0]?.waiters).toBe(2);
    a.abort();
    expect(await pa).toMatchObject({ decision: 'deny', source: 'cancelled' });
    expect(queue.list()[0]?.waiters).toBe(1);
    const id = queue.list()[0]!.id;
    expect(queue.decide(id, 'approve', 'op').ok).toBe(true);
    expect(await pb).toMatchObject({ decision: 'approve', source: 'operator' });
    queue.shutdown();
  });

  it('an already aborted signal never creates a pending entry', async () => {
    const queue = new ApprovalQueue({ bus: new EventBus(), ...queueStore() });
    const a = new AbortController();
    a.abort();
    expect(await queue.request('h1', view, ctx, 60_000, a.signal)).toMatchObject({
      decision: 'deny',
      source: 'cancelled',
    });
    expect(queue.list()).toHaveLength(0);
    queue.shutdown();
  });

  it('after a cancellation the same effect asks the operator again (no denial cached)', async () => {
    const queue = new ApprovalQueue({ bus: new EventBus(), ...queueStore() });
    const a = new AbortController();
    const p = queue.request('h1', view, ctx, 60_000, a.signal);
    a.abort();
    await p;
    void queue.request('h1', view, ctx, 60_000);
    expect(queue.list()).toHaveLength(1);
    queue.shutdown();
  });
});
