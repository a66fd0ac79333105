/**
 * The view holder starts bwrap as its child (sandbox/overlay-holder.ts forkProgram), as root or after setpriv's drop
 * to the sandbox user, with no parent-death signal re-armed after the drop: the holder stays the first process of
 * its PID namespace, so what it started dies with it when its `unshare` is killed (the daemon's death reaches
 * `unshare` first). Real holders (setpriv, unshare, a PID namespace); `sleep` stands in for bwrap. The control: a
 * holder that execs the dropped program instead, without ARMED, leaves it running.
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AS_SANDBOX_USER, holderStart, PARENT_FD } from '../../src/exec/sandbox/holder-start.js';
import { forkProgram } from '../../src/exec/sandbox/overlay-holder.js';
import { hostProcessesWith } from '../escape/attempts.js';

const which = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
const tools = { setpriv: which('setpriv'), unshare: which('unshare') };
const root = process.getuid?.() === 0;
const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };
const NOBODY = 65534;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The sleep processes themselves (the holder's command line names them too). */
const sleepers = (d: string) =>
  hostProcessesWith(`sleep\0${d}\0`).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8') === `/bin/sleep\0${d}\0`;
    } catch (cause) {
      if (['ENOENT', 'ESRCH'].includes((cause as NodeJS.ErrnoException).code ?? '')) return false;
      throw cause;
    }
  });

async function until<T>(get: () => T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = get();
    if (v !== undefined) return v;
    await sleep(25);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function uidOf(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('Uid:'));
  return Number(line?.split(/\s+/)[1]);
}

/** Starts a holder running `script` with `sleep <unique>` as its program; returns the sleeper and the holder's start. */
async function holderWithSleeper(script: string): Promise<{ unshare: number; sleeper: number; d: string }> {
  const d = `${800 + Math.floor(Math.random() * 100)}.${process.pid}${Date.now() % 100_000}`;
  const [file, ...args] = [...holderStart(tools, script, 'bulwark-test'), '/bin/sleep', d];
  const child = spawn(file as string, args, { stdio: 'ignore', detached: true, env });
  if (child.pid === undefined) throw new Error('the holder did not start');
  const sleeper = await until(() => sleepers(d)[0], 'the sleeper');
  // setpriv, then a shell, then unshare: one pid.
  return { unshare: child.pid, sleeper, d };
}

async function gone(d: string): Promise<number[]> {
  let left = sleepers(d);
  for (let i = 0; i < 80 && left.length; i++) {
    await sleep(25);
    left = sleepers(d);
  }
  return left;
}

describe.skipIf(!root || !tools.setpriv || !tools.unshare)('a program the view holder forked', () => {
  it.each([
    ['as root', 0],
    ['dropped to the sandbox user', NOBODY],
  ])('dies with the holder when its unshare is killed (%s)', async (_name, uid) => {
    const { unshare, sleeper, d } = await holderWithSleeper(`U=${uid}; G=${uid}\n${forkProgram()}\nexit $?`);
    try {
      expect(uidOf(sleeper)).toBe(uid);
      process.kill(unshare, 'SIGKILL');
      expect(await gone(d)).toEqual([]);
    } finally {
      for (const p of sleepers(d)) process.kill(p, 'SIGKILL');
    }
  });

  it('gets neither the descriptor on unshare nor the ones the holder closes for it', () => {
    const [file, ...args] = [
      ...holderStart(tools, `U=${NOBODY}; G=${NOBODY}\nexec 5</dev/null\n${forkProgram(' 5<&-')}`, 'bulwark-test'),
      '/bin/sh',
      '-c',
      'id -u; ls /proc/self/fd',
    ];
    const r = spawnSync(file as string, args, { encoding: 'utf8', env });
    expect(r.status).toBe(0);
    const [id, ...fds] = r.stdout.trim().split('\n');
    expect(id).toBe(String(NOBODY));
    expect(fds).not.toContain(String(PARENT_FD));
    expect(fds).not.toContain('5');
  });

  it('control: a holder that execs the dropped program, without re-arming, leaves it running', async () => {
    const { unshare, sleeper, d } = await holderWithSleeper(
      `U=${NOBODY}; G=${NOBODY}\nexec setpriv ${AS_SANDBOX_USER} -- "$@"`,
    );
    try {
      expect(uidOf(sleeper)).toBe(NOBODY);
      process.kill(unshare, 'SIGKILL');
      await sleep(300);
      expect(sleepers(d)).toEqual([sleeper]);
    } finally {
      for (const p of sleepers(d)) process.kill(p, 'SIGKILL');
    }
  });
});
