/**
 * The declared pipelines are what runs: the runtime is not built without them, each gate of the tool-call
 * boundary runs in the declared order for a real call, and every layer in the catalogue is reported by
 * exactly one service of the running daemon.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { REQUIRED_GATES, checkPipelines, type TurnPipelines } from '../../src/agent/boundaries.js';
import { createAgentRuntime } from '../../src/agent/runtime.js';
import { ConfigSchema } from '../../src/config/schema.js';
import { bulwarkError } from '../../src/core/errors.js';
import { GATES, LAYERS, type GateId } from '../../src/core/layers.js';
import type { Gate } from '../../src/core/pipeline.js';
import { err } from '../../src/core/result.js';
import { EXEC_GATES, execPipeline } from '../../src/pipelines.js';
import { checkExecPipeline, REQUIRED_EXEC_GATES, type ExecGate } from '../../src/exec/exec-pipeline.js';
import { startExec } from '../../src/exec/service.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { EventBus } from '../../src/core/events.js';
import { offlineView } from '../../src/daemon.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collect, makeHarness, turn, type Harness } from '../agent/helpers.js';
import { startE2E, type E2E } from '../e2e/support.js';
import { reply, scriptFrom, startFakeProvider, type FakeProvider } from '../support/fake-provider.js';

let fake: FakeProvider | undefined;
let h: Harness | undefined;
let e2e: E2E | undefined;
afterEach(async () => {
  h?.close();
  await fake?.close();
  await e2e?.close();
  h = undefined;
  fake = undefined;
  e2e = undefined;
});

/** The same gate, recording its id before it runs. */
function recorded<T>(gate: Gate<T>, seen: GateId[]): Gate<T> {
  return {
    layer: gate.layer,
    name: gate.name,
    run(item, ctx, signal) {
      seen.push(gate.layer);
      return gate.run(item, ctx, signal);
    },
  };
}

describe('pipelines are required', () => {
  it('the agent runtime is not constructed without pipelines or without a required gate of any boundary', async () => {
    fake = await startFakeProvider({ script: scriptFrom([reply.text('ok')]) });
    h = makeHarness(fake);
    const base = {
      config: ConfigSchema.parse({}),
      sessions: h.stores.sessions,
      compactions: h.stores.compactions,
      bus: h.bus,
      dataDir: h.dataDir,
      resolveSecret: () => err(bulwarkError('none', 'none')),
    };
    expect(createAgentRuntime({ ...base, pipelines: undefined as unknown as TurnPipelines }).ok).toBe(false);
    const real = h.parts.pipelines;
    for (const [boundary, required] of Object.entries(REQUIRED_GATES) as Array<[keyof TurnPipelines, GateId[]]>) {
      for (const id of required) {
        const without = {
          ...real,
          [boundary]: (real[boundary] as ReadonlyArray<{ layer: GateId }>).filter((g) => g.layer !== id),
        };
        const r = checkPipelines(without as TurnPipelines);
        expect(r.ok ? `built without ${boundary} ${id}` : r.error.code).toBe('runtime.gate_missing');
      }
    }
    expect(checkPipelines(real).ok).toBe(true);
  });

  it('nor with two required gates of a boundary swapped', async () => {
    fake = await startFakeProvider({ script: scriptFrom([reply.text('ok')]) });
    h = makeHarness(fake);
    const real = h.parts.pipelines;
    for (const [boundary, required] of Object.entries(REQUIRED_GATES) as Array<[keyof TurnPipelines, GateId[]]>) {
      const list = real[boundary] as ReadonlyArray<{ layer: GateId }>;
      for (let i = 1; i < required.length; i++) {
        const a = list.findIndex((g) => g.layer === required[i - 1]);
        const b = list.findIndex((g) => g.layer === required[i]);
        const swapped = [...list];
        [swapped[a], swapped[b]] = [list[b] as { layer: GateId }, list[a] as { layer: GateId }];
        const r = checkPipelines({ ...real, [boundary]: swapped } as TurnPipelines);
        expect(r.ok ? `built with ${boundary} ${required[i]} before ${required[i - 1]}` : r.error.code).toBe(
          'runtime.gate_order',
        );
      }
    }
  });
});

describe('the tool-call boundary runs its gates in the declared order', () => {
  it('one call passes L12 → L02 → L27 → L13, then L13 at run time', async () => {
    const seen: GateId[] = [];
    fake = await startFakeProvider({
      script: scriptFrom([reply.toolCall('write', { path: 'order.txt', content: 'x' }), reply.text('done')]),
    });
    h = makeHarness(fake, {
      pipelines: (real) => ({
        ...real,
        toolCall: real.toolCall.map((g) => recorded(g, seen)),
        toolRun: real.toolRun.map((g) => recorded(g, seen)),
      }),
    });
    const evs = await collect(h.runtime.runTurn(turn('write it')));
    expect(evs.at(-1)).toMatchObject({ type: 'done', text: 'done' });
    expect(seen).toEqual(['L12', 'L02', 'L27', 'L13', 'L13']);
    expect(h.parts.pipelines.toolCall.map((g) => g.layer)).toEqual(['L12', 'L02', 'L27', 'L13']);
  });
});

describe('a gate that crashes', () => {
  it('refuses the call, names its layer to the model and is audited', async () => {
    fake = await startFakeProvider({
      script: scriptFrom([reply.toolCall('write', { path: 'crash.txt', content: 'x' }), reply.text('done')]),
    });
    h = makeHarness(fake, {
      pipelines: (real) => ({
        ...real,
        toolCall: real.toolCall.map((g) =>
          g.layer === 'L27'
            ? {
                layer: g.layer,
                name: g.name,
                run: () => {
                  throw new Error('classifier exploded');
                },
              }
            : g,
        ),
      }),
    });
    await collect(h.runtime.runTurn(turn('write it')));
    const toolMessage = JSON.stringify(fake.requests.at(-1)?.messages.at(-1));
    expect(toolMessage).toContain('L27');
    expect(h.events.find((e) => e.type === 'tool:denied')?.payload).toMatchObject({
      layer: 'L27',
      outcome: 'error',
      tool: 'write',
    });
  });
});

describe('the memory-write boundary runs its gates in the declared order', () => {
  it('a memory_save passes L15 → L14, and the prompt L12 → L16 → L17', async () => {
    const writes: GateId[] = [];
    const prompt: GateId[] = [];
    fake = await startFakeProvider({
      script: scriptFrom([reply.toolCall('memory_save', { text: 'The standup is at 9.' }), reply.text('done')]),
    });
    h = makeHarness(fake, {
      memory: true,
      pipelines: (real) => ({
        ...real,
        prompt: real.prompt.map((g) => recorded(g, prompt)),
        memoryWrite: real.memoryWrite.map((g) => recorded(g, writes)),
      }),
    });
    const evs = await collect(h.runtime.runTurn(turn('remember the standup time')));
    expect(evs.at(-1)).toMatchObject({ type: 'done', text: 'done' });
    // The tool's save, then automatic capture of nothing (no fact-like sentence in this turn).
    expect(writes).toEqual(['L15', 'L14']);
    expect(prompt).toEqual(['L12', 'L16', 'L17']);
    expect(h.parts.pipelines.memoryWrite.map((g) => g.layer)).toEqual(['L15', 'L14']);
  });
});

describe('layer catalogue', () => {
  it('every layer and gate of the running daemon is reported by exactly one service, or by none when not built', async () => {
    e2e = await startE2E('openai', scriptFrom([reply.text('ok')]));
    const owners = e2e.daemon.catalogue.owners();
    for (const [id, by] of owners) expect(by.length, `${id} is reported by ${by.join(', ')}`).toBe(1);
    const reported = new Set(owners.keys());
    const layers = e2e.daemon.catalogue.list();
    for (const l of layers) {
      // A layer nobody reports is absent: never claimed on, never silently dropped.
      expect(l.state === 'absent', `${l.id} ${l.state} (${l.reason})`).toBe(!reported.has(l.id));
    }
    // What the daemon wires today (the rest are still to be built).
    const built = layers.filter((l) => l.state !== 'absent').map((l) => l.id);
    for (const id of [
      'L01',
      'L02',
      'L03',
      'L04',
      'L05',
      'L06',
      'L07',
      'L09',
      'L10',
      'L11',
      'L12',
      'L13',
      'L14',
      'L15',
      'L16',
      'L17',
      'L18',
      'L21',
      'L22',
      'L23',
      'L26',
      'L27',
    ]) {
      expect(built).toContain(id);
    }
    expect(LAYERS).toHaveLength(27);
    // The exec gates the runner applies are numbered gates of the catalogue.
    for (const id of EXEC_GATES) expect(GATES.some((g) => g.id === id)).toBe(true);
    // …and the exec service reports each of them, as the guard reports L10.
    for (const id of EXEC_GATES) expect(owners.get(id)).toEqual(['exec']);
    expect(owners.get('L10')).toEqual(['net']);
  });
});

describe('the exec boundary runs its declared gates, all of them, in order', () => {
  const recordedExec = (gate: ExecGate, seen: GateId[]): ExecGate => ({
    layer: gate.layer,
    name: gate.name,
    run(item) {
      seen.push(gate.layer);
      return gate.run(item);
    },
  });

  it('one exec passes L11.2 → L11.3 → L11.4 → L11.6 → L11.8 → L11.5 → L11.7, the declared list', async () => {
    const root = mkdtempSync(join(tmpdir(), 'bulwark-exec-order-'));
    const seen: GateId[] = [];
    const svc = startExec({
      config: ExecConfigSchema.parse({ sandboxUser: 'root' }),
      runtimeDir: join(root, 'rt'),
      journalDir: join(root, 'journal'),
      parkedSandboxes: 0,
      bus: new EventBus(),
      pipeline: (g) => execPipeline(g).map((gate) => recordedExec(gate, seen)),
    });
    try {
      if (!svc.ok || !svc.value.runner) throw new Error('exec is not available on this host');
      const r = await svc.value.runner.run(root, { command: 'echo hi' });
      expect(r.ok && r.value.stdout).toBe('hi\n');
      expect(seen).toEqual(['L11.2', 'L11.3', 'L11.4', 'L11.6', 'L11.8', 'L11.5', 'L11.7']);
      expect(svc.value.runner.pipeline.map((g) => g.layer)).toEqual(seen);
      // A refusal stops the list at the gate that refused.
      seen.length = 0;
      const refused = await svc.value.runner.run(root, { command: 'echo hi', env: { LD_PRELOAD: '/x.so' } });
      expect(refused.ok ? 'ran' : refused.error.layer).toBe('L11.3');
      expect(seen).toEqual(['L11.2', 'L11.3']);
    } finally {
      if (svc.ok) svc.value.stop();
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('exec does not start with a list that lacks a required gate or runs two out of order', () => {
    const root = mkdtempSync(join(tmpdir(), 'bulwark-exec-order-'));
    try {
      const start = (pipeline: Parameters<typeof startExec>[0]['pipeline']) =>
        startExec({
          config: ExecConfigSchema.parse({}),
          runtimeDir: join(root, 'rt'),
          parkedSandboxes: 0,
          bus: new EventBus(),
          ...(pipeline ? { pipeline } : {}),
        });
      for (const id of REQUIRED_EXEC_GATES) {
        const r = start((g) => execPipeline(g).filter((gate) => gate.layer !== id));
        expect(r.ok ? `started without ${id}` : r.error.code).toBe('exec.gate_missing');
      }
      // The sandbox before the working directory is checked; effects judged before the run.
      const swapped = start((g) => [g.command, g.env, g.childEnv, g.quota, g.sandbox, g.workdir, g.effects]);
      expect(swapped.ok ? 'started' : swapped.error.code).toBe('exec.gate_order');
      const late = start((g) => [g.command, g.env, g.workdir, g.childEnv, g.quota, g.effects, g.sandbox]);
      expect(late.ok ? 'started' : late.error.message).toMatch(/runs L11.7 before L11.5/);
      const declared = start(execPipeline);
      expect(declared.ok).toBe(true);
      if (declared.ok) {
        expect(checkExecPipeline(declared.value.runner?.pipeline ?? []).ok).toBe(true);
        declared.value.stop();
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('`bulwark layers --pipelines` shows the exec boundary as the runner runs it', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'bulwark-exec-order-'));
    try {
      const view = offlineView(dataDir);
      if (!view.ok) throw new Error(view.error.message);
      const exec = view.value.pipelines.find((p) => p.boundary === 'exec');
      expect(exec?.gates.map((g) => g.id)).toEqual(['L11.2', 'L11.3', 'L11.4', 'L11.6', 'L11.8', 'L11.5', 'L11.7']);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
