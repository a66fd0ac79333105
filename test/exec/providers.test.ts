/**
 * The sandbox seam (src/exec/sandbox/): each provider's plan for one RunSpec — bwrap's argv and options pipe,
 * the SBPL profile of sandbox-exec, none's bare shell — and the refusals each provider makes, with their gate.
 * Plans are pure (bwrap reads the workspace for the protected mounts), so nothing runs here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { buildChildEnv } from '../../src/exec/env-policy.js';
import { protectedEntries } from '../../src/exec/protected-paths.js';
import type { SandboxCgroup } from '../../src/exec/cgroup.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import type { BrokerSpawn } from '../../src/exec/broker-access.js';
import { BwrapProvider, INSIDE_WORKSPACE } from '../../src/exec/sandbox/bwrap.js';
import { BWRAP_HARDENING } from '../../src/exec/sandbox/bwrap-args.js';
import { NoSandboxProvider } from '../../src/exec/sandbox/none.js';
import { SandboxExecProvider } from '../../src/exec/sandbox/sandbox-exec.js';
import { buildSbplProfile, macRealPath, SANDBOX_EXEC_PATH } from '../../src/exec/sandbox/sbpl.js';
import type { RunSpec, SpawnPlan } from '../../src/exec/sandbox/provider.js';
import {
  CGROUP_PROCS_INSIDE,
  DAEMON_ALIVE,
  LIMITS_EXEC_SCRIPT,
  LIMITS_SCRIPT,
  LIMITS_SCRIPT_MACOS,
  PARKED_COMMAND_VAR,
} from '../../src/exec/sandbox/shell.js';

let root: string;
let ws: string;
const limits = ExecConfigSchema.parse({}).limits;
const limitArgs = [String(limits.cpuSeconds), String(limits.memoryMb * 1024), String(limits.fileSizeMb * 2048)];

beforeAll(() => {
  root = realpathSync(mkdtempSync(join(tmpdir(), 'bulwark-providers-')));
  ws = join(root, 'ws');
  mkdirSync(join(ws, 'src'), { recursive: true });
  mkdirSync(join(ws, '.git', 'hooks'), { recursive: true });
  writeFileSync(join(ws, '.bashrc'), 'alias ls=ls\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function spec(over: Partial<RunSpec> = {}): RunSpec {
  return {
    workspace: ws,
    protectedPaths: protectedEntries([]),
    cwd: { rel: 'src', host: join(ws, 'src') },
    command: 'make test',
    childEnv: (paths) => buildChildEnv({ ...paths, extra: { DEBUG: '1' } }),
    limits,
    network: 'none',
    ...over,
  };
}

function planOf(r: ReturnType<BwrapProvider['prepare']>): SpawnPlan {
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** The value after each occurrence of `flag` (one operand), or the pair after it (two operands). */
function operands(args: readonly string[], flag: string, n = 2): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args.slice(i + 1, i + 1 + n) as string[]);
  });
  return out;
}

describe('bwrap provider', () => {
  const provider = new BwrapProvider({
    host: {
      bwrapPath: '/usr/bin/bwrap',
      layout: { mounts: [{ kind: 'ro-bind', source: '/usr', dest: '/usr' }] },
      etcStubs: { passwd: '/rt/passwd', group: '/rt/group' },
      seccompFile: '/rt/seccomp.bpf',
      runtimePaths: ['/opt/node'],
      tmpMb: 16,
    },
  });
  const cgroup = { procsFile: '/sys/fs/cgroup/pids/bulwark-exec/run-1-abc/cgroup.procs' } as SandboxCgroup;

  it('puts only the command shell on the command line; every option goes through the pipe at fd 4', () => {
    const plan = planOf(provider.prepare(spec({ cgroup })));
    expect(plan.argv.slice(0, 4)).toEqual(['/usr/bin/bwrap', '--args', '4', '--']);
    expect(plan.argv.slice(4)).toEqual([
      '/bin/sh',
      '-c',
      `${DAEMON_ALIVE}echo $$ > ${CGROUP_PROCS_INSIDE} || exit 125; ${LIMITS_SCRIPT}`,
      'sh',
      ...limitArgs,
      'make test',
    ]);
    expect(plan.argv.join(' ')).not.toContain(ws);
    expect(plan).toMatchObject({ cwd: '/', env: {}, seccompFile: '/rt/seccomp.bpf', joinsCgroupInside: true });
    const opts = plan.argsViaFd ?? [];
    expect(opts.slice(0, BWRAP_HARDENING.length)).toEqual([...BWRAP_HARDENING]);
    expect(opts).not.toContain('--');
  });

  it('binds the workspace read-write at /workspace, its persistence paths read-only, and the cgroup to join', () => {
    const opts = planOf(provider.prepare(spec({ cgroup }))).argsViaFd ?? [];
    expect(operands(opts, '--bind')).toEqual([
      [ws, INSIDE_WORKSPACE],
      [cgroup.procsFile, CGROUP_PROCS_INSIDE],
    ]);
    expect(operands(opts, '--ro-bind')).toEqual(
      expect.arrayContaining([
        ['/usr', '/usr'],
        ['/opt/node', '/opt/node'],
        [join(ws, '.bashrc'), '/workspace/.bashrc'],
        [join(ws, '.git', 'hooks'), '/workspace/.git/hooks'],
      ]),
    );
    expect(operands(opts, '--seccomp', 1)).toEqual([['3']]);
    expect(operands(opts, '--chdir', 1)).toEqual([['/workspace/src']]);
    expect(opts).not.toContain('--share-net');
  });

  it('sets the environment the RunSpec builds (L11.6) for the paths inside the sandbox, and nothing else', () => {
    process.env['BULWARK_PROVIDER_TEST_KEY'] = 'sk-must-not-reach-the-child';
    try {
      const opts = planOf(provider.prepare(spec())).argsViaFd ?? [];
      const env = Object.fromEntries(operands(opts, '--setenv'));
      expect(env).toEqual(buildChildEnv({ home: '/workspace', tmp: '/tmp', extra: { DEBUG: '1' } }));
      expect(opts.join('\n')).not.toContain('sk-must-not-reach-the-child');
    } finally {
      delete process.env['BULWARK_PROVIDER_TEST_KEY'];
    }
  });

  it('without a cgroup, the shell does not try to join one and no alive pipe is asked for', () => {
    const plan = planOf(provider.prepare(spec()));
    expect(plan.joinsCgroupInside).toBe(false);
    expect(plan.argv[6]).toBe(LIMITS_SCRIPT);
    expect(plan.argsViaFd).not.toContain(CGROUP_PROCS_INSIDE);
  });

  it('hands a prestarted (parked) bwrap its options and the command through the pipe, nothing on argv', () => {
    const prestarted = { child: {} as ChildProcess, cgroup };
    const plan = planOf(provider.prepare(spec({ cgroup, prestarted })));
    expect(plan.argv).toEqual([]);
    expect(plan.prestarted).toBe(prestarted);
    expect(plan.argsViaFd?.slice(-3)).toEqual(['--setenv', PARKED_COMMAND_VAR, 'make test']);
    // Already inside its cgroup: nothing to bind for a join.
    expect(plan.argsViaFd).not.toContain(CGROUP_PROCS_INSIDE);
    expect(plan.seccompFile).toBeUndefined();
  });

  it('with a broker session: the socket and CA bound in, the proxy env set, the forwarder wrapper under the limits', () => {
    const broker: BrokerSpawn = {
      access: {
        sockets: [{ host: '/rt/broker/s-1/broker.sock', inside: '/run/bulwark/broker.sock' }],
        files: [{ host: '/rt/broker/s-1/ca.pem', inside: '/run/bulwark/ca.pem' }],
        env: { HTTPS_PROXY: 'http://bulwark:t@127.0.0.1:3128' },
      },
      wrapCommand: (argv) => ['/forwarder', ...argv],
      close: async () => undefined,
    };
    const plan = planOf(provider.prepare(spec({ network: 'broker', broker })));
    const opts = plan.argsViaFd ?? [];
    expect(operands(opts, '--bind')).toContainEqual(['/rt/broker/s-1/broker.sock', '/run/bulwark/broker.sock']);
    expect(operands(opts, '--ro-bind')).toContainEqual(['/rt/broker/s-1/ca.pem', '/run/bulwark/ca.pem']);
    expect(Object.fromEntries(operands(opts, '--setenv'))['HTTPS_PROXY']).toBe('http://bulwark:t@127.0.0.1:3128');
    expect(plan.argv.slice(4)).toEqual([
      '/bin/sh',
      '-c',
      LIMITS_EXEC_SCRIPT,
      'sh',
      ...limitArgs,
      '/forwarder',
      '/bin/sh',
      '-c',
      'make test',
    ]);
  });

  it('shares the host network only for network host', () => {
    expect(planOf(provider.prepare(spec({ network: 'host' }))).argsViaFd).toContain('--share-net');
  });

  it('refuses (L11.5) network broker without a session, and a NUL byte that would smuggle an option', () => {
    expect(provider.prepare(spec({ network: 'broker' }))).toMatchObject({
      ok: false,
      error: { code: 'exec.network.broker_unavailable', layer: 'L11.5', status: 403 },
    });
    expect(provider.prepare(spec({ command: 'true\0--bind\0/\0/host' }))).toMatchObject({
      ok: false,
      error: { code: 'exec.nul_byte', layer: 'L11.5' },
    });
    const env = provider.prepare(spec({ childEnv: () => ({ X: 'a\0--bind' }) }));
    expect(env).toMatchObject({ ok: false, error: { code: 'exec.nul_byte' } });
  });
});

describe('sandbox-exec provider', () => {
  let provider: SandboxExecProvider;
  let tmpRoot: string;
  beforeAll(() => {
    tmpRoot = join(root, 'tmp');
    mkdirSync(tmpRoot);
    provider = new SandboxExecProvider({ runtimePaths: ['/opt/homebrew/opt/node@22'], tmpRoot });
  });

  it('runs the macOS limits shell under a profile generated for this run and its own temp dir', () => {
    const plan = planOf(provider.prepare(spec()));
    const tmp = plan.cleanupDir as string;
    expect(existsSync(tmp)).toBe(true);
    expect(tmp.startsWith(`${tmpRoot}/bulwark-run-`)).toBe(true);
    expect(plan.argv.slice(0, 2)).toEqual([SANDBOX_EXEC_PATH, '-p']);
    expect(plan.argv[2]).toBe(
      buildSbplProfile({
        workspace: ws,
        tmp,
        protectedPaths: protectedEntries([]),
        runtimePaths: ['/opt/homebrew/opt/node@22'],
        network: 'none',
      }),
    );
    expect(plan.argv.slice(3)).toEqual(['/bin/sh', '-c', LIMITS_SCRIPT_MACOS, 'sh', ...limitArgs, 'make test']);
    expect(plan).toMatchObject({ cwd: join(ws, 'src') });
    expect(plan.env).toEqual(buildChildEnv({ home: ws, tmp, extra: { DEBUG: '1' } }));
  });

  it('writes a deny-default profile: the workspace and the temp dir writable, persistence paths not, no network', () => {
    const plan = planOf(provider.prepare(spec()));
    const profile = plan.argv[2] as string;
    expect(profile).toContain('(deny default)');
    // SBPL matches real paths: macOS reaches /tmp through /private/tmp.
    const mac = (p: string) => macRealPath(p);
    expect(profile).toContain(
      `(allow file-read* file-write* (subpath "${mac(ws)}") (subpath "${mac(plan.cleanupDir as string)}"))`,
    );
    expect(profile).toContain(`(literal "${mac(ws)}/.bashrc")`);
    expect(profile).not.toMatch(/\(allow network/);
    const host = planOf(provider.prepare(spec({ network: 'host' })));
    expect(host.argv[2]).toContain('(allow network*)');
  });

  it('refuses network broker (L11.5) and leaves no temp dir behind', () => {
    const before = readdirSync(tmpRoot).length;
    expect(provider.prepare(spec({ network: 'broker' }))).toMatchObject({
      ok: false,
      error: { code: 'exec.network.broker_unavailable', layer: 'L11.5' },
    });
    expect(provider.supports('broker')).toBe(false);
    expect(readdirSync(tmpRoot)).toHaveLength(before);
  });
});

describe('no sandbox (exec.sandbox: off)', () => {
  const provider = new NoSandboxProvider({ macos: false });

  it('runs the limits shell in the workspace on the host, with the allow-listed environment', () => {
    const plan = planOf(provider.prepare(spec()));
    expect(plan.argv).toEqual(['/bin/sh', '-c', LIMITS_SCRIPT, 'sh', ...limitArgs, 'make test']);
    expect(plan.cwd).toBe(join(ws, 'src'));
    expect(plan.env).toEqual(buildChildEnv({ home: ws, tmp: tmpdir(), extra: { DEBUG: '1' } }));
    expect(plan.argsViaFd).toBeUndefined();
    expect(plan.joinsCgroupInside).toBeUndefined();
    expect(provider.mode).toBe('unsandboxed');
  });

  it('drops the address-space limit on macOS, which refuses it', () => {
    expect(planOf(new NoSandboxProvider({ macos: true }).prepare(spec())).argv[2]).toBe(LIMITS_SCRIPT_MACOS);
  });

  it('refuses network broker (L11.5): nothing would force traffic through the broker', () => {
    expect(provider.prepare(spec({ network: 'broker' }))).toMatchObject({
      ok: false,
      error: { code: 'exec.network.broker_unsandboxed', layer: 'L11.5' },
    });
  });
});
