/**
 * The last step of a holder that execs its program (sandbox/holder-start.ts ARMED): after dropping to the sandbox user, setpriv arms the
 * parent-death signal again (a credential change clears it) and a shell checks, through the descriptor the holder
 * keeps on its `unshare`'s /proc stat (PARENT_FD), that this parent is still alive before bwrap starts. A parent
 * killed between the drop and the re-arming used to leave bwrap running under init (seen once under load in the
 * escape suite's kill -9 row).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARMED, PARENT_FD } from '../../src/exec/sandbox/holder-start.js';

const root = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const DROP = '--reuid=65534 --regid=65534 --clear-groups';

/** State letter of a process from /proc, or 'gone'. A killed child of init is reaped at once or shows Z. */
function state(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] ?? 'gone';
  } catch {
    return 'gone';
  }
}

/** Starts `setpriv <args> sleep 30` in the background of a shell, SIGKILLs that shell and returns the sleeper's pid. */
function orphanAfter(setprivArgs: string, redirect = ''): number {
  const r = spawnSync(
    '/bin/sh',
    ['-c', `setpriv ${setprivArgs} sleep 30 >/dev/null 2>&1 ${redirect} & echo $!; sleep 0.5; kill -9 $$`],
    {
      encoding: 'utf8',
    },
  );
  return Number(r.stdout.trim());
}

describe.skipIf(!root || !hasSetpriv)('holder: the program after the drop dies with its parent', () => {
  it('the dropped program is killed when its parent dies; without re-arming it survives', async () => {
    const armed = orphanAfter(`${DROP} ${ARMED}`, `${PARENT_FD}</proc/$$/stat`);
    const control = orphanAfter(`${DROP} --`);
    try {
      await new Promise((r) => setTimeout(r, 300));
      expect(armed).toBeGreaterThan(0);
      expect(control).toBeGreaterThan(0);
      expect(['Z', 'gone']).toContain(state(armed));
      expect(state(control)).toBe('S');
    } finally {
      for (const p of [armed, control]) if (p > 0 && state(p) !== 'gone') spawnSync('kill', ['-9', String(p)]);
    }
  });

  it.each([
    ['gone', 'wait $p'],
    ['a zombie', 'sleep 0.3'],
  ])('refuses to start the program when the parent it watches is %s', (_name, after) => {
    // The descriptor is opened while the watched process lives, as the holder opens it on its `unshare`.
    const watch = `sleep 0.1 & p=$!; exec ${PARENT_FD}</proc/$p/stat; ${after}; `;
    const r = spawnSync('/bin/sh', ['-c', `${watch}setpriv ${DROP} ${ARMED} /bin/echo started; exit $?`], {
      encoding: 'utf8',
    });
    expect(r.status).toBe(125);
    expect(r.stdout).not.toContain('started');
    const ok = spawnSync(
      '/bin/sh',
      ['-c', `exec ${PARENT_FD}</proc/$$/stat; setpriv ${DROP} ${ARMED} /bin/sh -c 'echo started; ls /proc/self/fd'`],
      { encoding: 'utf8' },
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('started');
    // The descriptor does not reach the program.
    expect(ok.stdout.split('\n')).not.toContain(String(PARENT_FD));
  });
});
