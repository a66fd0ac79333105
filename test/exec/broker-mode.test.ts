import { testCaller } from '../support/drivers.js';
/**
 * exec network mode `broker` end to end through the real exec runner and the `exec` tool (real bwrap, cgroup,
 * seccomp, rlimits): one broker session per run, a local HTTPS upstream on 127.0.0.1 allowed explicitly by the
 * rig's net allow list, a binding whose secret comes from a vault-like resolver. The sandbox only ever holds
 * the placeholder; the upstream sees the real key; unbound hosts and direct egress get nothing out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { bulwarkError } from '../../src/core/errors.js';
import { err, type Result } from '../../src/core/result.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import type { BrokerSpawn, BrokerSpawner } from '../../src/exec/broker-access.js';
import { createExecTool } from '../../src/agent/tools/exec.js';
import { usableSandboxUser } from '../../src/exec/sandbox-identity.js';
import { checkBrokerRunDir, execBrokerSpawner, removeBrokerSessionBase } from '../../src/broker/exec-spawner.js';
import { PLACEHOLDER } from '../../src/config/sections/broker.js';
import { rig, REAL_KEY, type Rig } from '../broker/harness.js';

const hostReady = spawnSync('curl', ['--version']).status === 0 && spawnSync('bwrap', ['--version']).status === 0;

let r: Rig;
let root: string;
let workspace: string;
let runDir: string;
const events: Envelope<EventType>[] = [];
const bus = new EventBus();
bus.on('*', (e) => events.push(e));

/** The daemon's spawner, with a record of what the runner did with each session. */
function recording(inner: BrokerSpawner): {
  spawner: BrokerSpawner;
  opened: Array<{ agentId?: string; token: string }>;
  closed: number;
} {
  const rec = {
    opened: [] as Array<{ agentId?: string; token: string }>,
    closed: 0,
    spawner: undefined as unknown as BrokerSpawner,
  };
  rec.spawner = async (ctx) => {
    const s = await inner(ctx);
    if (!s.ok) return s;
    const proxy = s.value.access.env['HTTPS_PROXY'] ?? '';
    rec.opened.push({
      ...(ctx.agentId ? { agentId: ctx.agentId } : {}),
      token: decodeURIComponent(new URL(proxy).password),
    });
    const wrapped: BrokerSpawn = {
      access: s.value.access,
      wrapCommand: (argv) => s.value.wrapCommand(argv),
      close: async () => {
        rec.closed++;
        await s.value.close();
      },
    };
    return { ok: true, value: wrapped };
  };
  return rec;
}

function service(
  config: Record<string, unknown>,
  spawner?: BrokerSpawner,
  name = `rt-${Math.random().toString(16).slice(2)}`,
): ExecService {
  const svc = startExec({
    config: ExecConfigSchema.parse({ network: 'broker', ...config }),
    runtimeDir: join(root, name),
    bus,
    ...(spawner ? { brokerSpawner: spawner } : {}),
  });
  if (!svc.ok) throw new Error(svc.error.message);
  if (!svc.value.runner) throw new Error(svc.value.layer.reason);
  return svc.value;
}

const toolCtx = (agentId = 'agent-1') => ({
  agentId,
  sessionId: 'sess-1',
  traceId: 'trace-exec-broker',
  caller: testCaller('test'),
  workspace,
  signal: new AbortController().signal,
});

async function viaTool(svc: ExecService, command: string, agentId = 'agent-1'): Promise<string> {
  const tool = createExecTool({ runner: svc.runner as NonNullable<ExecService['runner']> });
  const out = await tool.run({ command, timeoutMs: 30_000 }, toolCtx(agentId));
  if (!out.ok) throw new Error(`${out.error.code}: ${out.error.message}`);
  return String(out.value);
}

/** The last line of the tool's stdout section. */
const lastLine = (text: string) => text.trim().split('\n').pop()?.trim();

describe.skipIf(!hostReady)('exec network mode broker (real runner, real bwrap)', () => {
  let svc: ExecService;
  let rec: ReturnType<typeof recording>;

  beforeAll(async () => {
    r = await rig();
    root = mkdtempSync(join(tmpdir(), 'bulwark-exec-broker-'));
    workspace = join(root, 'ws');
    mkdirSync(workspace);
    runDir = join(root, 'brk');
    mkdirSync(runDir, { mode: 0o700 });
    rec = recording(execBrokerSpawner(r.broker, { runDir }));
    svc = service({}, rec.spawner);
  });
  afterAll(async () => {
    svc?.stop();
    await svc?.runner?.settled();
    await r?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('the command sees only the placeholder; curl through HTTPS_PROXY gets 200 and the upstream receives the real key', async () => {
    const env = await viaTool(svc, "cat /proc/self/environ | tr '\\0' '\\n'");
    expect(env).toContain(`ANTHROPIC_API_KEY=${PLACEHOLDER}`);
    expect(env).toMatch(/HTTPS_PROXY=http:\/\/bulwark:[^@\s]+@127\.0\.0\.1:3128/);
    expect(env).not.toContain(REAL_KEY);
    const before = r.upstream.log.length;
    const out = await viaTool(
      svc,
      `curl -sS -w '\\n%{http_code}' -H "x-api-key: $ANTHROPIC_API_KEY" -d '{}' https://api.test:${r.upstream.port}/v1/messages`,
    );
    expect(out).toMatch(/exit code 0/);
    expect(lastLine(out)).toBe('200');
    expect(out).not.toContain(REAL_KEY);
    expect(r.upstream.log).toHaveLength(before + 1);
    expect(r.upstream.log.at(-1)?.headers['x-api-key']).toBe(REAL_KEY);
    expect(r.upstream.log.at(-1)?.url).toBe('/v1/messages');
  });

  it('an unbound host gets 403 from the broker and the upstream sees zero requests', async () => {
    const before = r.upstream.log.length;
    const out = await viaTool(
      svc,
      `curl -s -o /dev/null -w '%{http_connect}' https://unbound.test:${r.upstream.port}/anything`,
    );
    expect(lastLine(out)).toBe('403');
    expect(r.upstream.log).toHaveLength(before);
    expect(
      r.events.some(
        (e) => e.type === 'broker:deny' && e.payload.rule === 'no-binding' && e.payload.agentId === 'agent-1',
      ),
    ).toBe(true);
    expect(
      events.some(
        (e) => e.type === 'tool:exec' && e.payload['network'] === 'broker' && e.payload['agentId'] === 'agent-1',
      ),
    ).toBe(true);
  });

  it('direct egress without the proxy fails: the sandbox has no network of its own', async () => {
    const before = r.upstream.log.length;
    const out = await viaTool(
      svc,
      `curl -sS --noproxy '*' --max-time 5 -k https://127.0.0.1:${r.upstream.port}/v1/messages; echo "exit=$?"`,
    );
    expect(out).toMatch(/exit=(7|28)/);
    expect(r.upstream.log).toHaveLength(before);
  });

  it('every run gets its own session for the agent that asked, closed after the run: token dead, directory gone', async () => {
    const n = rec.opened.length;
    await viaTool(svc, 'true');
    await viaTool(svc, 'exit 3');
    expect(rec.opened.length).toBe(n + 2);
    const [a, b] = rec.opened.slice(-2);
    expect(a?.agentId).toBe('agent-1');
    expect(a?.token).not.toBe(b?.token);
    expect(rec.closed).toBe(rec.opened.length);
    expect(readdirSync(runDir)).toEqual([]);
    // A token from a finished run is refused (407) by the next run's broker session.
    const out = await viaTool(
      svc,
      `curl -s -o /dev/null -w '%{http_connect}' --proxy http://bulwark:${a?.token}@127.0.0.1:3128 https://api.test:${r.upstream.port}/v1/messages`,
    );
    expect(lastLine(out)).toBe('407');
  });

  it('the session is closed when the run is killed by its timeout too', async () => {
    const closed = rec.closed;
    const res = await svc.runner?.run(workspace, { command: 'sleep 30', timeoutMs: 300 }, { agentId: 'agent-1' });
    expect(res?.ok && res.value.timedOut).toBe(true);
    expect(rec.closed).toBe(closed + 1);
    expect(readdirSync(runDir)).toEqual([]);
  });

  it('another agent gets its own scope: the binding does not resolve for it, and nothing reaches the upstream', async () => {
    const before = r.upstream.log.length;
    const out = await viaTool(
      svc,
      `curl -s -o /dev/null -w '%{http_code}' -H "x-api-key: $ANTHROPIC_API_KEY" -d '{}' https://api.test:${r.upstream.port}/v1/messages`,
      'agent-2',
    );
    expect(lastLine(out)).toBe('502');
    expect(r.upstream.log).toHaveLength(before);
    expect(rec.opened.at(-1)?.agentId).toBe('agent-2');
  });

  it('a command refused by the command policy opens no broker session', async () => {
    const n = rec.opened.length;
    const res = await svc.runner?.run(workspace, { command: 'rm -rf /' }, { agentId: 'agent-1' });
    expect(res?.ok).toBe(false);
    expect(rec.opened.length).toBe(n);
  });

  it('a run without an agent id is refused before anything is spawned', async () => {
    const marker = join(workspace, 'ran-anonymous');
    const res = await svc.runner?.run(workspace, { command: 'touch ran-anonymous' }, {});
    // The broker's own gate (L08) refused the session; the runner keeps its id.
    expect(res).toMatchObject({ ok: false, error: { code: 'broker.no_identity', layer: 'L08' } });
    expect(events.at(-1)).toMatchObject({ type: 'tool:exec', payload: { layer: 'L08', outcome: 'error' } });
    expect(existsSync(marker)).toBe(false);
  });

  it('a broker that cannot open a session refuses the run with a clear error; nothing runs', async () => {
    const failing: BrokerSpawner = async (): Promise<Result<BrokerSpawn, ReturnType<typeof bulwarkError>>> =>
      err(bulwarkError('broker.down', 'the broker is stopping'));
    const s = service({}, failing);
    const marker = join(workspace, 'ran-without-broker');
    const res = await s.runner?.run(workspace, { command: 'touch ran-without-broker' }, { agentId: 'agent-1' });
    expect(res).toMatchObject({ ok: false, error: { code: 'broker.down', layer: 'L11.5' } });
    if (res && !res.ok) expect(res.error.message).toMatch(/no broker session could be opened.*broker is stopping/);
    expect(existsSync(marker)).toBe(false);
    s.stop();
  });

  // Under the sandbox user bwrap runs as that unprivileged uid: the run's broker session then lives outside the
  // daemon's 0700 data dir (a 0711 directory under the temp dir), its socket owned by that uid alone.
  (usableSandboxUser('bulwark-sandbox') ? it : it.skip)(
    'under the sandbox user (a copy-on-write view, an unprivileged host uid) the broker works and the key stays out',
    async () => {
      const tx = startExec({
        config: ExecConfigSchema.parse({ network: 'broker', sandboxUser: 'bulwark-sandbox' }),
        runtimeDir: join(root, 'rt-tx'),
        journalDir: join(root, 'journal-tx'),
        bus,
        brokerSpawner: rec.spawner,
      });
      if (!tx.ok) throw new Error(tx.error.message);
      try {
        expect(tx.value.runner?.transactional).toBe(true);
        // The root-owned workspace runs as the sandbox user on the host, not as root: a root-only file is unreadable.
        writeFileSync(join(workspace, 'root-only.key'), 'ROOT-ONLY\n', { mode: 0o600 });
        const denied = await viaTool(tx.value, 'cat root-only.key 2>&1; true');
        expect(denied).toMatch(/Permission denied/);
        expect(denied).not.toContain('ROOT-ONLY');
        const before = r.upstream.log.length;
        const out = await viaTool(
          tx.value,
          `curl -sS -w '\\n%{http_code}' -H "x-api-key: $ANTHROPIC_API_KEY" -d '{}' https://api.test:${r.upstream.port}/v1/messages > reply.txt; tail -n1 reply.txt`,
        );
        // The status line is the command's last output line (the effect summary follows it).
        expect(out).toMatch(/\nstdout:\n200\n/);
        expect(out).not.toContain(REAL_KEY);
        expect(r.upstream.log).toHaveLength(before + 1);
        expect(r.upstream.log.at(-1)?.headers['x-api-key']).toBe(REAL_KEY);
        // What the command wrote went through the effect check and was applied.
        expect(existsSync(join(workspace, 'reply.txt'))).toBe(true);
        expect(rec.closed).toBe(rec.opened.length);
      } finally {
        await tx.value.runner?.settled();
        tx.value.stop();
      }
    },
  );

  // Without a copy-on-write view a root daemon drops as well (the bind holder): the broker session is the sandbox
  // user's in the same way.
  (usableSandboxUser('bulwark-sandbox') && process.getuid?.() === 0 ? it : it.skip)(
    'under the sandbox user on the direct path (no copy-on-write view) the broker works and a root-only file stays closed',
    async () => {
      const direct = startExec({
        config: ExecConfigSchema.parse({ network: 'broker', sandboxUser: 'bulwark-sandbox' }),
        runtimeDir: join(root, 'rt-direct'),
        bus,
        brokerSpawner: rec.spawner,
      });
      if (!direct.ok) throw new Error(direct.error.message);
      try {
        expect(direct.value.runner?.transactional).toBe(false);
        writeFileSync(join(workspace, 'root-only.key'), 'ROOT-ONLY\n', { mode: 0o600 });
        const denied = await viaTool(direct.value, 'cat root-only.key 2>&1; id -u; true');
        expect(denied).toMatch(/Permission denied/);
        expect(denied).not.toContain('ROOT-ONLY');
        const before = r.upstream.log.length;
        const out = await viaTool(
          direct.value,
          `curl -sS -o /dev/null -w '%{http_code}' -H "x-api-key: $ANTHROPIC_API_KEY" -d '{}' https://api.test:${r.upstream.port}/v1/messages`,
        );
        expect(out).toContain('200');
        expect(out).not.toContain(REAL_KEY);
        expect(r.upstream.log).toHaveLength(before + 1);
        expect(r.upstream.log.at(-1)?.headers['x-api-key']).toBe(REAL_KEY);
      } finally {
        await direct.value.runner?.settled();
        direct.value.stop();
      }
    },
  );

  it('without a broker, exec.network broker is refused at start with the fix; with sandbox off it is refused too', () => {
    const none = startExec({
      config: ExecConfigSchema.parse({ network: 'broker' }),
      runtimeDir: join(root, 'rt-none'),
      bus,
    });
    expect(none).toMatchObject({ ok: false, error: { code: 'exec.network.broker_unavailable' } });
    if (!none.ok) expect(none.error.message).toMatch(/broker\.enabled/);
    const off = startExec({
      config: ExecConfigSchema.parse({ network: 'broker', sandbox: 'off' }),
      runtimeDir: join(root, 'rt-off'),
      bus,
      brokerSpawner: rec.spawner,
    });
    expect(off).toMatchObject({ ok: false, error: { code: 'exec.network.broker_unsandboxed' } });
  });

  it('the shared session directory of runs started as another user is removed at daemon stop, once its sessions are closed', async () => {
    const spawner = execBrokerSpawner(r.broker, { runDir });
    const session = await spawner({ agentId: 'agent-1', runAs: { uid: 65534, gid: 65534 } });
    if (!session.ok) throw new Error(session.error.message);
    const socket = session.value.access.sockets[0]?.host ?? '';
    const base = dirname(dirname(socket));
    expect(base.startsWith(join(tmpdir(), 'bulwark-brk-'))).toBe(true);
    // A session still open keeps it (another daemon in this process may be using it).
    expect(removeBrokerSessionBase()).toBeUndefined();
    expect(existsSync(socket)).toBe(true);
    await session.value.close();
    expect(readdirSync(base)).toEqual([]);
    expect(removeBrokerSessionBase()).toBeUndefined();
    expect(existsSync(base)).toBe(false);
    // The next such run makes a new one.
    const again = await spawner({ agentId: 'agent-1', runAs: { uid: 65534, gid: 65534 } });
    if (!again.ok) throw new Error(again.error.message);
    const next = dirname(dirname(again.value.access.sockets[0]?.host ?? ''));
    expect(existsSync(next)).toBe(true);
    await again.value.close();
    expect(removeBrokerSessionBase()).toBeUndefined();
    expect(existsSync(next)).toBe(false);
  });

  it('a broker run directory too long for a unix socket path is reported by the check, and every run is refused with it', async () => {
    const longDir = `/tmp/${'d'.repeat(120)}`;
    const check = checkBrokerRunDir(longDir);
    expect(check).toMatchObject({ ok: false, error: { code: 'broker.run_dir_too_long' } });
    expect(checkBrokerRunDir(runDir).ok).toBe(true);
    const s = service({}, execBrokerSpawner(r.broker, { runDir: longDir }));
    const res = await s.runner?.run(workspace, { command: 'touch ran-long-dir' }, { agentId: 'agent-1' });
    expect(res?.ok).toBe(false);
    if (res && !res.ok) expect(res.error.message).toMatch(/too long for a unix socket/);
    expect(existsSync(join(workspace, 'ran-long-dir'))).toBe(false);
    s.stop();
  });
});
