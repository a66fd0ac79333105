import { describe, expect, it } from 'vitest';
import { buildChildEnv, checkModelEnv, isDeniedEnvName } from '../../src/exec/env-policy.js';
import { buildBwrapArgs, type BwrapPlan } from '../../src/exec/sandbox/bwrap-args.js';
import { buildSeccompFilter, deniedSyscalls } from '../../src/exec/sandbox/seccomp.js';
import { HeadTailBuffer } from '../../src/exec/output-buffer.js';

describe('env denylist (exec layer 3)', () => {
  it('refuses loader and interpreter start-up variables, whatever their case', () => {
    for (const k of [
      'LD_PRELOAD',
      'LD_LIBRARY_PATH',
      'LD_AUDIT',
      'DYLD_INSERT_LIBRARIES',
      'NODE_OPTIONS',
      'BASH_ENV',
      'ENV',
      'PROMPT_COMMAND',
      'PYTHONSTARTUP',
      'PERL5OPT',
      'BASH_FUNC_x%%',
      'ld_preload',
      'GIT_SSH_COMMAND',
      'PATH',
      'HOME',
      'HTTPS_PROXY',
    ]) {
      expect(isDeniedEnvName(k), k).toBe(true);
    }
    const r = checkModelEnv({ FOO: 'x', LD_PRELOAD: '/w/evil.so' });
    expect(r).toMatchObject({ ok: false, error: { code: 'exec.env.denied', layer: 'L11.3' } });
  });

  it('accepts ordinary variables and refuses hostile shapes', () => {
    expect(checkModelEnv({ DEBUG: '1', CI: 'true' })).toEqual({ ok: true, value: { DEBUG: '1', CI: 'true' } });
    expect(checkModelEnv(undefined)).toEqual({ ok: true, value: {} });
    expect(checkModelEnv(['A=1']).ok).toBe(false);
    expect(checkModelEnv({ 'A B': '1' }).ok).toBe(false);
    expect(checkModelEnv({ A: 1 }).ok).toBe(false);
    expect(checkModelEnv({ A: 'x\0y' }).ok).toBe(false);
    expect(checkModelEnv({ A: 'x'.repeat(10_000) }).ok).toBe(false);
    expect(checkModelEnv(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`V${i}`, 'x']))).ok).toBe(false);
  });
});

describe('child environment (exec layer 6)', () => {
  it('is built from nothing: no variable of the daemon reaches it', () => {
    process.env['ANTHROPIC_API_KEY'] = 'sk-ant-should-never-leak';
    try {
      const env = buildChildEnv({ home: '/workspace', tmp: '/tmp', extra: { DEBUG: '1' } });
      expect(Object.values(env).join('\n')).not.toContain('sk-ant-should-never-leak');
      expect(env['ANTHROPIC_API_KEY']).toBeUndefined();
      expect(env).toMatchObject({
        HOME: '/workspace',
        TMPDIR: '/tmp',
        DEBUG: '1',
        XDG_CACHE_HOME: '/workspace/.cache',
        // Bytecode of the workspace's Python goes to the run's temporary directory, never beside its sources.
        PYTHONPYCACHEPREFIX: '/tmp/pycache',
      });
      for (const k of Object.keys(env))
        expect(process.env[k] === env[k] && !['LANG', 'TERM', 'SHELL'].includes(k) && k !== 'PATH' ? k : '').toBe('');
    } finally {
      delete process.env['ANTHROPIC_API_KEY'];
    }
  });

  it('lets code-supplied variables win over model-supplied ones', () => {
    const env = buildChildEnv({
      home: '/w',
      tmp: '/tmp',
      extra: { HTTPS_PROXY: 'http://evil' },
      system: { HTTPS_PROXY: 'http://127.0.0.1:1' },
    });
    expect(env['HTTPS_PROXY']).toBe('http://127.0.0.1:1');
    expect(buildChildEnv({ home: '/w', tmp: '/t', extra: { PATH: '/evil' } })['PATH']).not.toContain('/evil');
  });
});

const plan: BwrapPlan = {
  bwrapPath: '/usr/bin/bwrap',
  layout: {
    mounts: [
      { kind: 'ro-bind', source: '/usr', dest: '/usr' },
      { kind: 'symlink', source: 'usr/bin', dest: '/bin' },
    ],
  },
  workspace: '/srv/ws',
  insideWorkspace: '/workspace',
  cwdInside: '/workspace/src',
  env: { PATH: '/usr/bin', HOME: '/workspace' },
  network: 'none',
  tmpBytes: 1024,
  protected: [
    { host: '/srv/ws/.git/hooks', inside: '/workspace/.git/hooks', kind: 'dir' },
    { host: '/srv/ws/.git/config', inside: '/workspace/.git/config', kind: 'missing-file' },
  ],
  etcStubs: { passwd: '/run/p', group: '/run/g' },
  runtimePaths: ['/opt/node'],
  seccompFd: 3,
  uid: 1000,
  gid: 1000,
  command: ['/bin/sh', '-c', 'echo hi'],
};

function pairsAfter(args: string[], flag: string): string[][] {
  const out: string[][] = [];
  args.forEach((a, i) => {
    if (a === flag) out.push(args.slice(i + 1, i + 3));
  });
  return out;
}

describe('bwrap arguments (exec layer 5)', () => {
  const args = buildBwrapArgs(plan);

  it('starts with every hardening flag', () => {
    expect(args.slice(0, 6)).toEqual([
      '--unshare-all',
      '--unshare-user',
      '--disable-userns',
      '--die-with-parent',
      '--new-session',
      '--clearenv',
    ]);
    expect(args).toContain('--cap-drop');
    expect(args.join(' ')).toContain('--uid 1000 --gid 1000');
    expect(args).not.toContain('--share-net');
  });

  it('binds system paths read-only and only the workspace read-write', () => {
    expect(pairsAfter(args, '--bind')).toEqual([['/srv/ws', '/workspace']]);
    expect(pairsAfter(args, '--ro-bind')).toEqual(
      expect.arrayContaining([
        ['/usr', '/usr'],
        ['/run/p', '/etc/passwd'],
        ['/opt/node', '/opt/node'],
        ['/srv/ws/.git/hooks', '/workspace/.git/hooks'],
        ['/dev/null', '/workspace/.git/config'],
      ]),
    );
    expect(args.join(' ')).toContain('--size 1024 --tmpfs /tmp');
  });

  it('mounts protected paths after the workspace and remounts / read-only at the end of the mounts', () => {
    const ws = args.indexOf('/srv/ws');
    expect(args.indexOf('/srv/ws/.git/hooks')).toBeGreaterThan(ws);
    const ro = args.lastIndexOf('--remount-ro');
    expect(args[ro + 1]).toBe('/');
    expect(ro).toBeGreaterThan(args.indexOf('/workspace/.git/config'));
    expect(args.slice(-6)).toEqual(['--chdir', '/workspace/src', '--', '/bin/sh', '-c', 'echo hi']);
    expect(pairsAfter(args, '--seccomp')[0]?.[0]).toBe('3');
  });

  it('passes the environment only through --setenv', () => {
    expect(pairsAfter(args, '--setenv')).toEqual([
      ['PATH', '/usr/bin'],
      ['HOME', '/workspace'],
    ]);
  });

  it('shares the network only in host mode, and adds resolv.conf then', () => {
    const host = buildBwrapArgs({ ...plan, network: 'host' });
    expect(host).toContain('--share-net');
    expect(host).toContain('/etc/resolv.conf');
    expect(args).not.toContain('/etc/resolv.conf');
  });

  it('binds the broker socket and adds its variables in broker mode, and refuses broker mode without one', () => {
    expect(() => buildBwrapArgs({ ...plan, network: 'broker' })).toThrow(/broker/);
    const b = buildBwrapArgs({
      ...plan,
      network: 'broker',
      broker: {
        sockets: [{ host: '/run/bulwark/broker.sock', inside: '/run/bulwark/broker.sock' }],
        files: [{ host: '/data/ca.pem', inside: '/etc/ssl/bulwark-ca.pem' }],
        env: { HTTPS_PROXY: 'http://127.0.0.1:3128', SSL_CERT_FILE: '/etc/ssl/bulwark-ca.pem' },
      },
    });
    expect(b).not.toContain('--share-net');
    expect(pairsAfter(b, '--bind')).toContainEqual(['/run/bulwark/broker.sock', '/run/bulwark/broker.sock']);
    expect(pairsAfter(b, '--setenv')).toContainEqual(['HTTPS_PROXY', 'http://127.0.0.1:3128']);
  });
});

describe('seccomp filter', () => {
  it('encodes a well-formed classic BPF program for x86-64', () => {
    const f = buildSeccompFilter('x64');
    expect(f).toBeDefined();
    const buf = f as Buffer;
    expect(buf.length % 8).toBe(0);
    const n = buf.length / 8;
    const ins = (i: number) => ({
      code: buf.readUInt16LE(i * 8),
      jt: buf.readUInt8(i * 8 + 2),
      jf: buf.readUInt8(i * 8 + 3),
      k: buf.readUInt32LE(i * 8 + 4),
    });
    expect(ins(0)).toEqual({ code: 0x20, jt: 0, jf: 0, k: 4 });
    expect(ins(1).k).toBe(0xc000003e);
    expect(ins(n - 2)).toEqual({ code: 0x06, jt: 0, jf: 0, k: 0x7fff0000 });
    expect(ins(n - 1)).toEqual({ code: 0x06, jt: 0, jf: 0, k: 0x00050001 });
    // Every jump lands inside the program, and every syscall check jumps to the deny instruction.
    for (let i = 0; i < n; i++) {
      const x = ins(i);
      if ((x.code & 0x07) === 0x05) {
        expect(i + 1 + x.jt).toBeLessThan(n);
        expect(i + 1 + x.jf).toBeLessThan(n);
      }
      if (x.code === 0x15 && i > 1) expect(i + 1 + x.jt).toBe(n - 1);
    }
    const checked = new Set(
      Array.from({ length: n }, (_, i) => ins(i))
        .filter((x, i) => x.code === 0x15 && i > 1)
        .map((x) => x.k),
    );
    expect(checked.has(101)).toBe(true);
    expect(deniedSyscalls('x64')).toEqual(
      expect.arrayContaining(['ptrace', 'keyctl', 'mount', 'bpf', 'io_uring_setup']),
    );
  });

  it('has no filter for an architecture it does not know', () => {
    expect(buildSeccompFilter('mips')).toBeUndefined();
    expect(buildSeccompFilter('arm64')).toBeDefined();
  });
});

describe('output cap', () => {
  it('keeps the head and the tail and counts the middle', () => {
    const b = new HeadTailBuffer(20);
    for (let i = 0; i < 10; i++) b.push(Buffer.from(`line${i}\n`));
    const t = b.text();
    expect(b.truncated).toBe(true);
    expect(t.startsWith('line0\nline\n[…')).toBe(true);
    expect(t.endsWith('line9\n')).toBe(true);
    expect(t).toMatch(/\[… 40 bytes omitted …\]/);
  });
  it('returns short output unchanged', () => {
    const b = new HeadTailBuffer(100);
    b.push(Buffer.from('hello'));
    expect(b.text()).toBe('hello');
    expect(b.truncated).toBe(false);
  });
});
