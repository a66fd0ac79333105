import { testCaller } from '../support/drivers.js';
/** Detection, explicit downgrade, and the exec tool end to end on real bwrap. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { detectSandbox } from '../../src/exec/detect.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import { ensureSandboxUser } from '../../src/exec/sandbox-user.js';
import { createExecTool } from '../../src/agent/tools/exec.js';
import { hostProcessesWith, hostProcessesWithAnywhere } from '../escape/attempts.js';

let root: string;
let workspace: string;
const dropsAll = process.getuid?.() === 0;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-exec-'));
  workspace = join(root, 'ws');
  mkdirSync(join(workspace, 'sub'), { recursive: true });
  // As a root daemon's workspaces are: owned by the sandbox user every run drops to.
  if (process.getuid?.() === 0) {
    const user = ensureSandboxUser('bulwark-sandbox');
    if (!user.ok) throw new Error(user.error.message);
    for (const d of [workspace, join(workspace, 'sub')]) chownSync(d, user.value.uid, user.value.gid);
  }
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const toolCtx = (signal = new AbortController().signal) => ({
  agentId: 'a',
  sessionId: 's',
  traceId: 't',
  caller: testCaller('test'),
  workspace,
  signal,
});

describe('detection and explicit downgrade', () => {
  it('probes bwrap with a real smoke test on this host', () => {
    const d = detectSandbox();
    expect(d.provider).toBe('bwrap');
    expect(d.providers[0]).toMatchObject({ name: 'bwrap', works: true });
    expect(d.cgroup.available).toBe(true);
  });

  it('disables exec and reports L11 degraded, with the reason and the fix, when no sandbox works', async () => {
    const detection = detectSandbox({ forceUnavailable: 'bwrap: No permissions to create new namespace' });
    const svc = startExec({
      config: ExecConfigSchema.parse({}),
      runtimeDir: join(root, 'rt1'),
      detection,
      bus: new EventBus(),
    });
    expect(svc.ok).toBe(true);
    if (!svc.ok) return;
    expect(svc.value.enabled).toBe(false);
    expect(svc.value.runner).toBeUndefined();
    expect(svc.value.layer.state).toBe('degraded');
    expect(svc.value.layer.reason).toMatch(/No permissions to create new namespace/);
    expect(svc.value.layer.reason).toMatch(/exec\.sandbox: off/);
    expect(svc.value.log.some((l) => l.level === 'error')).toBe(true);
    const tool = createExecTool({ disabledReason: svc.value.layer.reason });
    const r = await tool.run({ command: 'echo hi' }, toolCtx());
    expect(r).toMatchObject({ ok: false, error: { code: 'exec.disabled', layer: 'L11' } });
  });

  it('runs unsandboxed only when the operator says exec.sandbox: off, and audits every run as such', async () => {
    const bus = new EventBus();
    const events: Envelope<EventType>[] = [];
    bus.on('*', (e) => events.push(e));
    const detection = detectSandbox({ forceUnavailable: 'no bwrap' });
    const svc = startExec({
      config: ExecConfigSchema.parse({ sandbox: 'off' }),
      runtimeDir: join(root, 'rt2'),
      detection,
      bus,
    });
    if (!svc.ok) throw new Error(svc.error.message);
    expect(svc.value.layer.state).toBe('off');
    expect(svc.value.runner?.mode).toBe('unsandboxed');
    const r = await svc.value.runner?.run(workspace, { command: 'echo $HOME' });
    // Under a root daemon the command runs as the sandbox user, who reaches the workspace only at the holder's bind
    // point (the data dir above it is root's).
    if (dropsAll) expect(r?.ok && r.value.stdout.trim()).toMatch(/^\/tmp\/bulwark-ws-/);
    else expect(r?.ok && r.value.stdout.trim()).toBe(workspace);
    expect(events.some((e) => e.type === 'security:warning' && e.payload.outcome === 'unsandboxed')).toBe(true);
    expect(events.some((e) => e.type === 'tool:exec' && e.payload['sandbox'] === 'unsandboxed')).toBe(true);
    svc.value.stop();
  });

  it('refuses network: broker while the broker is not delivered', () => {
    const svc = startExec({
      config: ExecConfigSchema.parse({ network: 'broker' }),
      runtimeDir: join(root, 'rt3'),
      bus: new EventBus(),
    });
    expect(svc).toMatchObject({ ok: false, error: { code: 'exec.network.broker_unavailable' } });
  });

  it('rejects a hostile exec config', () => {
    expect(ExecConfigSchema.safeParse({ sandbox: 'maybe' }).success).toBe(false);
    expect(ExecConfigSchema.safeParse({ protectedPaths: ['../../etc'] }).success).toBe(false);
    expect(ExecConfigSchema.safeParse({ protectedPaths: ['/etc'] }).success).toBe(false);
    expect(ExecConfigSchema.safeParse({ limits: { processes: 1 } }).success).toBe(false);
    expect(ExecConfigSchema.safeParse({ extra: true }).success).toBe(false);
  });
});

describe('exec tool on bwrap', () => {
  let svc: ExecService;
  const bus = new EventBus();
  const events: Envelope<EventType>[] = [];
  beforeAll(() => {
    bus.on('*', (e) => events.push(e));
    const s = startExec({
      config: ExecConfigSchema.parse({ timeoutMs: 10_000, maxOutputBytes: 2048 }),
      runtimeDir: join(root, 'rt4'),
      bus,
    });
    if (!s.ok) throw new Error(s.error.message);
    svc = s.value;
  });
  afterAll(() => svc?.stop());

  it('declares group runtime and action class exec', () => {
    const tool = createExecTool({ runner: svc.runner });
    expect(tool).toMatchObject({ group: 'runtime', actionClass: 'exec', spec: { name: 'exec' } });
  });

  it('returns the exit code and output, in the workspace, as the sandbox user', async () => {
    writeFileSync(join(workspace, 'sub', 'f.txt'), 'content');
    const tool = createExecTool({ runner: svc.runner });
    const r = await tool.run({ command: 'pwd; cat f.txt; id -u; exit 3', cwd: 'sub' }, toolCtx());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value).toContain('exit code 3');
    expect(r.value).toContain('/workspace/sub');
    expect(r.value).toContain('content');
    expect(r.value).toContain('1000');
    expect(
      events.some((e) => e.type === 'tool:exec' && e.payload['sandbox'] === 'bwrap' && e.payload['exitCode'] === 3),
    ).toBe(true);
  });

  it('caps long output, keeping its head and tail', async () => {
    const r = await svc.runner?.run(workspace, { command: 'seq 1 100000' });
    if (!r?.ok) throw new Error('run failed');
    expect(r.value.stdoutTruncated).toBe(true);
    expect(r.value.stdout.startsWith('1\n2\n3\n')).toBe(true);
    expect(r.value.stdout.endsWith('99999\n100000\n')).toBe(true);
    expect(r.value.stdout.length).toBeLessThan(2200);
  });

  it('passes stdin and model env through the layers', async () => {
    const r = await svc.runner?.run(workspace, {
      command: 'cat; echo " $GREETING"',
      stdin: 'from stdin',
      env: { GREETING: 'hello' },
    });
    expect(r?.ok && r.value.stdout).toBe('from stdin hello\n');
  });

  // A run starts from a parked bwrap: its command line travels in the environment, not in argv.
  // So each sleeper carries a unique duration in its own argv (what `ps` shows), and the sweep
  // afterwards also reads the environment, to catch the shells that carried the command.
  const uniqueSleep = () => `${600 + Math.floor(Math.random() * 300)}.${process.pid}${Date.now() % 100_000}`;
  const sleepersOf = (duration: string) => hostProcessesWith(`sleep\0${duration}\0`);
  async function waitFor(check: () => boolean): Promise<void> {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((res) => setTimeout(res, 50));
  }
  async function gone(mark: string): Promise<number[]> {
    let left = hostProcessesWithAnywhere(mark);
    for (let i = 0; i < 40 && left.length; i++) {
      await new Promise((res) => setTimeout(res, 50));
      left = hostProcessesWithAnywhere(mark);
    }
    return left;
  }

  it('kills the whole process tree on timeout', async () => {
    await svc.runner?.settled();
    const parkedBefore = svc.runner?.parkedRuns ?? 0;
    const d1 = uniqueSleep();
    const d2 = `${d1}1`;
    const run = svc.runner?.run(workspace, {
      command: `(sleep ${d1}; echo x) & (sleep ${d2}; echo y) & wait`,
      timeoutMs: 8000,
    });
    await waitFor(() => sleepersOf(d1).length + sleepersOf(d2).length >= 2);
    // Both sleepers are really there before the kill: without this the check below proves nothing.
    expect(sleepersOf(d1).length + sleepersOf(d2).length).toBe(2);
    const r = await run;
    expect(r?.ok && r.value.timedOut).toBe(true);
    // A root daemon drops every run to the sandbox user, which no parked bwrap (started as root) serves.
    expect(svc.runner?.parkedRuns).toBe(parkedBefore + (dropsAll ? 0 : 1));
    expect(await gone(d1)).toEqual([]);
    expect(await gone(d2)).toEqual([]);
  });

  it('kills the whole process tree when the turn is cancelled', async () => {
    await svc.runner?.settled();
    const parkedBefore = svc.runner?.parkedRuns ?? 0;
    const d = uniqueSleep();
    const ac = new AbortController();
    const tool = createExecTool({ runner: svc.runner });
    const p = tool.run({ command: `sleep ${d}; echo done` }, toolCtx(ac.signal));
    await waitFor(() => sleepersOf(d).length >= 1);
    expect(sleepersOf(d)).toHaveLength(1);
    ac.abort();
    const r = await p;
    expect(r.ok && r.value).toContain('cancelled');
    // A root daemon drops every run to the sandbox user, which no parked bwrap (started as root) serves.
    expect(svc.runner?.parkedRuns).toBe(parkedBefore + (dropsAll ? 0 : 1));
    expect(await gone(d)).toEqual([]);
  });

  it('runs one command at a time per workspace, other workspaces in parallel', async () => {
    const other = join(root, 'ws-other');
    mkdirSync(other, { recursive: true });
    const r = svc.runner;
    if (!r) throw new Error('no runner');
    const a = r.run(workspace, { command: 'echo a-start >> order.log; sleep 0.4; echo a-end >> order.log' });
    const b = r.run(workspace, { command: 'echo b >> order.log' });
    const c = r.run(other, { command: 'echo c' });
    const cDone = await c;
    expect(cDone.ok && cDone.value.durationMs).toBeLessThan(5000);
    await Promise.all([a, b]);
    expect(readFileSync(join(workspace, 'order.log'), 'utf8')).toBe('a-start\na-end\nb\n');
  });

  it('refuses bad arguments, a destructive command, a loader variable and an escaping cwd, each naming its gate', async () => {
    const tool = createExecTool({ runner: svc.runner });
    const blockedBefore = events.filter((e) => e.type === 'security:blocked').length;
    expect(await tool.run({ command: 'ls', extra: 1 }, toolCtx())).toMatchObject({
      ok: false,
      error: { code: 'tool.invalid_args' },
    });
    expect(await tool.run({ command: '' }, toolCtx())).toMatchObject({ ok: false });
    expect(await tool.run({ command: 'rm -rf /' }, toolCtx())).toMatchObject({
      ok: false,
      error: { code: 'exec.command.denied', layer: 'L11.2' },
    });
    expect(await tool.run({ command: 'ls', env: { BASH_ENV: '/workspace/x' } }, toolCtx())).toMatchObject({
      ok: false,
      error: { code: 'exec.env.denied', layer: 'L11.3' },
    });
    expect(await tool.run({ command: 'ls', cwd: '../' }, toolCtx())).toMatchObject({
      ok: false,
      error: { layer: 'L11.4' },
    });
    expect(await tool.run({ command: 'ls', cwd: '/etc' }, toolCtx())).toMatchObject({
      ok: false,
      error: { layer: 'L11.4' },
    });
    const blocked = events.filter((e) => e.type === 'security:blocked').slice(blockedBefore);
    expect(blocked.map((e) => e.payload.layer)).toEqual(['L11.2', 'L11.3', 'L11.4', 'L11.4']);
    expect(blocked.every((e) => e.payload.agentId === 'a' && e.payload.outcome === 'denied')).toBe(true);
  });
});
