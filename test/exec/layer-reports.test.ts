/**
 * The exec service reports L11 and its gates L11.2–L11.6 itself (a LayerReporter), with their honest state on
 * this host: the OS sandbox degraded without a cgroup or a wanted seccomp filter, off by configuration, and
 * the other gates off while exec is disabled. Composed with the net guard (L10) and the broker (L08), every
 * gate is reported exactly once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus } from '../../src/core/events.js';
import { LayerCatalogue, type GateReport } from '../../src/core/layers.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { detectSandbox, type SandboxDetection } from '../../src/exec/detect.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import { SsrfGuard } from '../../src/net/guard.js';
import { StubResolver } from '../../src/net/resolver.js';
import { brokerLayerStatus } from '../../src/broker/layer-status.js';
import { BrokerConfigSchema } from '../../src/config/sections/broker.js';
import { staticReporter } from '../../src/core/layers.js';

let root: string;
let ws: string;
let detection: SandboxDetection;
const started: ExecService[] = [];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-exec-layers-'));
  ws = join(root, 'ws');
  mkdirSync(ws);
  detection = detectSandbox();
});
afterAll(() => {
  for (const s of started) s.stop();
  rmSync(root, { recursive: true, force: true });
});

/** A host user that exists everywhere stands in for exec.sandboxUser, so the reports do not depend on `init`. */
function start(config: Record<string, unknown>, d: SandboxDetection = detection): ExecService {
  const s = startExec({
    config: ExecConfigSchema.parse({ sandboxUser: 'nobody', ...config }),
    runtimeDir: join(root, `rt-${started.length}`),
    journalDir: join(root, `journal-${started.length}`),
    detection: d,
    bus: new EventBus(),
    parkedSandboxes: 0,
  });
  if (!s.ok) throw new Error(s.error.message);
  started.push(s.value);
  return s.value;
}

const states = (s: ExecService) => Object.fromEntries(s.layers().map((g) => [g.id, g.state]));
const reason = (s: ExecService, id: string) => s.layers().find((g) => g.id === id)?.reason ?? '';

describe('exec layer reports', () => {
  it('on this host: L11 and every gate on, in order, L11.5 naming bwrap, the cgroup limit and seccomp', () => {
    const s = start({});
    expect(s.name).toBe('exec');
    expect(s.layers().map((g) => g.id)).toEqual(['L11', 'L11.2', 'L11.3', 'L11.4', 'L11.5', 'L11.6', 'L11.7', 'L11.8']);
    expect(new Set(Object.values(states(s)))).toEqual(new Set(['on']));
    expect(reason(s, 'L11.5')).toMatch(/^bwrap, network none; process limit 256 \(cgroup\); .*seccomp filter/);
    expect(s.layer).toEqual({ state: 'on', reason: reason(s, 'L11.5') });
  });

  it('L11.5 degraded without a usable cgroup (no process bound), and exec still runs', async () => {
    const noCgroup: SandboxDetection = {
      ...detection,
      cgroup: { available: false, reason: 'no cgroup pids controller is mounted' },
    };
    const s = start({}, noCgroup);
    expect(states(s)).toEqual({
      L11: 'degraded',
      'L11.2': 'on',
      'L11.3': 'on',
      'L11.4': 'on',
      'L11.5': 'degraded',
      'L11.6': 'on',
      'L11.7': 'on',
      'L11.8': 'on',
    });
    expect(reason(s, 'L11.5')).toContain('NO process limit (no usable cgroup)');
    const r = await s.runner?.run(ws, { command: 'echo still-runs' });
    expect(r?.ok && r.value.stdout).toBe('still-runs\n');
  });

  it('L11.5 degraded when exec.sandboxUser does not exist: root-owned workspaces would run as host root', () => {
    const s = start({ sandboxUser: 'no-such-user-here' });
    expect(states(s)['L11.5']).toBe('degraded');
    expect(reason(s, 'L11.5')).toMatch(/exec\.sandboxUser "no-such-user-here" does not exist.*bulwark init/);
  });

  it('L11.5 degraded without exec.sandboxUser on the direct path (no copy-on-write view) too', () => {
    const s = startExec({
      config: ExecConfigSchema.parse({ sandboxUser: 'no-such-user-here' }),
      runtimeDir: join(root, 'rt-nojournal-nouser'),
      detection,
      bus: new EventBus(),
      parkedSandboxes: 0,
    });
    if (!s.ok) throw new Error(s.error.message);
    started.push(s.value);
    expect(states(s.value)['L11.7']).toBe('degraded');
    if (process.getuid?.() === 0) expect(reason(s.value, 'L11.5')).toMatch(/"no-such-user-here" does not exist/);
  });

  it('L11.7 and L11.8 degraded, saying why, without a copy-on-write view', () => {
    const s = startExec({
      config: ExecConfigSchema.parse({ sandboxUser: 'nobody' }),
      runtimeDir: join(root, 'rt-nojournal'),
      detection,
      bus: new EventBus(),
      parkedSandboxes: 0,
    });
    if (!s.ok) throw new Error(s.error.message);
    started.push(s.value);
    expect(states(s.value)['L11.7']).toBe('degraded');
    expect(reason(s.value, 'L11.7')).toMatch(/no copy-on-write view.*commands change the workspace directly/);
    expect(reason(s.value, 'L11.8')).toMatch(/only the per-file limit/);
  });

  it('L11.5 degraded when the seccomp filter is wanted but cannot load; on when the operator turned it off', () => {
    const noSeccomp: SandboxDetection = {
      ...detection,
      seccomp: { available: false, reason: 'seccomp filter rejected' },
    };
    expect(states(start({}, noSeccomp))['L11.5']).toBe('degraded');
    const off = start({ seccomp: false });
    expect(states(off)['L11.5']).toBe('on');
    expect(reason(off, 'L11.5')).toContain('no seccomp (disabled in config)');
  });

  it('exec.sandbox: off — L11 and L11.5 off, the gates that still apply on', () => {
    const s = start({ sandbox: 'off' });
    expect(states(s)).toEqual({
      L11: 'off',
      'L11.2': 'on',
      'L11.3': 'on',
      'L11.4': 'on',
      'L11.5': 'off',
      'L11.6': 'on',
      'L11.7': 'degraded',
      'L11.8': 'degraded',
    });
    expect(reason(s, 'L11.7')).toMatch(/unsandboxed provider runs on the workspace itself/);
    expect(reason(s, 'L11.5')).toMatch(/WITHOUT an OS sandbox/);
  });

  it('no working sandbox — exec disabled: L11.5 degraded with the fix, the other gates off saying why', () => {
    const s = start({}, detectSandbox({ forceUnavailable: 'bwrap: No permissions to create new namespace' }));
    expect(s.enabled).toBe(false);
    expect(states(s)).toEqual({
      L11: 'degraded',
      'L11.2': 'off',
      'L11.3': 'off',
      'L11.4': 'off',
      'L11.5': 'degraded',
      'L11.6': 'off',
      'L11.7': 'off',
      'L11.8': 'off',
    });
    expect(reason(s, 'L11.5')).toMatch(/No permissions to create new namespace.*exec\.sandbox: off/);
    expect(reason(s, 'L11.2')).toMatch(/exec is disabled/);
  });

  it('composes with the net guard and a broker report in one catalogue: each gate reported once', () => {
    const exec = start({});
    const net = new SsrfGuard({ bus: new EventBus(), resolver: new StubResolver({}) });
    const broker = staticReporter('broker', [
      { id: 'L08', ...brokerLayerStatus(BrokerConfigSchema.parse({}), false) } satisfies GateReport,
    ]);
    const catalogue = new LayerCatalogue([exec, net, broker]);
    const owners = catalogue.owners();
    for (const id of ['L11', 'L11.2', 'L11.3', 'L11.4', 'L11.5', 'L11.6', 'L11.7', 'L11.8'] as const)
      expect(owners.get(id)).toEqual(['exec']);
    expect(owners.get('L10')).toEqual(['net']);
    const l11 = catalogue.get('L11');
    expect(l11.state).toBe('on');
    expect(l11.gates.map((g) => [g.id, g.state])).toEqual([
      ['L11.2', 'on'],
      ['L11.3', 'on'],
      ['L11.4', 'on'],
      ['L11.5', 'on'],
      ['L11.6', 'on'],
      ['L11.7', 'on'],
      ['L11.8', 'on'],
    ]);
    expect(catalogue.get('L08').state).toBe('off');
  });
});
