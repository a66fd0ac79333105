/**
 * A parked view holder runs no `stat` after its run: it asks the daemon, which holds its upper tmpfs open, for the
 * usage (sandbox/overlay-holder.ts ASK_DAEMON) and applies the file cap and the quota to the numbers it gets back;
 * an answer it cannot read keeps nothing. Real parked holders (setpriv, unshare, overlayfs), the daemon's side
 * played by this test through the real OverlayView; a shell in place of bwrap. Root.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openOverlayView, type OverlayView } from '../../src/exec/overlay-view.js';
import { parkedHolderArgv, startParkedView } from '../../src/exec/sandbox/overlay-holder.js';

const top = mkdtempSync(join(tmpdir(), 'bulwark-parked-usage-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));
const workspace = join(top, 'ws');
mkdirSync(workspace);
writeFileSync(join(workspace, 'a'), 'a\n');
const stubs = join(top, 'stubs');
mkdirSync(stubs);
writeFileSync(join(stubs, 'passwd'), 'root:x:0:0::/:/bin/sh\n');
writeFileSync(join(stubs, 'group'), 'root:x:0:\n');
const MAX_FILES = 1000;

interface Ran {
  readonly status: string;
  readonly questions: string[];
  readonly answers: string[];
  readonly view: OverlayView;
}

/**
 * Parks a holder (the daemon's way: fd 5 its parameter pipe), hands it a run of `script` (run by sh with $0 the
 * merged view) and answers its question with `answer` (given the view's own answer).
 */
async function parkAndRun(
  name: string,
  script: string,
  answer: (question: string, real: () => string) => string,
  before?: (view: OverlayView) => void,
): Promise<Ran> {
  const runDir = join(top, `run-${name}`);
  const mountPoint = join(top, `point-${name}`);
  mkdirSync(join(runDir, 't'), { recursive: true });
  mkdirSync(mountPoint);
  const [cmd, ...args] = parkedHolderArgv(
    { setpriv: '/usr/bin/setpriv', unshare: '/usr/bin/unshare' },
    { runDir, mountPoint, quotaKb: 8192, maxFiles: MAX_FILES },
    { passwd: join(stubs, 'passwd'), group: join(stubs, 'group') },
    ['/bin/sh', '-c', script, mountPoint],
  );
  const child = spawn(cmd as string, args, {
    stdio: ['ignore', 'ignore', 'pipe', 'ignore', 'ignore', 'pipe'],
    env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
  });
  const pipe = (child.stdio as unknown as Duplex[])[5] as Duplex;
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  await new Promise<void>((res, rej) => {
    pipe.once('data', () => res());
    child.once('exit', () => rej(new Error('the holder ended before it was parked')));
  });
  const opened = openOverlayView({
    workspace,
    viewsDir: join(top, 'views'),
    quotaMb: 8,
    maxFiles: MAX_FILES,
    identity: { uid: 0, gid: 0, source: 'root' },
    parked: { runDir, mountPoint, holderPid: child.pid as number },
  });
  if (!opened.ok) throw new Error(opened.error.message);
  const view = opened.value;
  const questions: string[] = [];
  const answers: string[] = [];
  startParkedView(child.pid as number, pipe, view.spec, (pid, q) => {
    questions.push(q);
    const a = answer(q, () => view.answerHolder(pid, q));
    answers.push(a);
    return a;
  });
  before?.(view);
  await exited;
  const status = readStatus(runDir);
  if (view.upperFd !== undefined && before === undefined) closeSync(view.upperFd);
  return { status, questions, answers, view };
}

function readStatus(runDir: string): string {
  const f = join(runDir, 'status');
  return existsSync(f) ? readFileSync(f, 'utf8').trim() : '';
}

const real = (_q: string, get: () => string) => get();
const ended = { timedOut: false, cancelled: false, signal: null };

describe.skipIf(process.getuid?.() !== 0)('a parked holder asks the daemon for its upper layer’s usage', () => {
  it('a run that wrote a file asks f, gets the tmpfs usage, and is copied out', async () => {
    const r = await parkAndRun('file', 'echo b > "$0/b"', real);
    expect(r.questions).toEqual(['f']);
    expect(r.answers[0]).toMatch(/^\d+ \d+ \d+ 4096 copy$/);
    expect(r.status).toBe('done');
    expect(existsSync(join(r.view.runDir, 'upper', 'b'))).toBe(true);
  });

  it('a run that left only a directory asks d and keeps it on the tmpfs', async () => {
    const r = await parkAndRun('dir', 'mkdir "$0/d"', real);
    expect(r.questions).toEqual(['d']);
    expect(r.answers[0]).toMatch(/^\d+ \d+ \d+ 4096 (plain|dump)$/);
    expect(['kept', 'kept-plain']).toContain(r.status);
  });

  it('a run that wrote nothing asks nothing', async () => {
    const r = await parkAndRun('empty', 'cat "$0/a" >/dev/null', real);
    expect(r.questions).toEqual([]);
    expect(r.status).toBe('empty');
  });

  it('the file cap and the quota apply to the numbers the daemon gives', async () => {
    const files = await parkAndRun('cap', 'echo b > "$0/b"', () => `${MAX_FILES + 100} 10 2000 4096 copy`);
    expect(files.status).toBe('files');
    const quota = await parkAndRun('quota', 'echo b > "$0/b"', () => '2000 1000 10 4096 copy');
    expect(quota.status).toBe('quota');
    for (const r of [files, quota]) expect(existsSync(join(r.view.runDir, 'upper'))).toBe(false);
  });

  it.each([
    ['no answer', 'echo b > "$0/b"', ''],
    ['a word for the other question', 'echo b > "$0/b"', '2000 1000 2000 4096 plain'],
    ['a directory-only word for files', 'mkdir "$0/d"', '2000 1000 2000 4096 copy'],
    ['a field too few', 'echo b > "$0/b"', '2000 1000 4096 copy'],
    ['something to expand', 'echo b > "$0/b"', '2000 1000 2000 * copy'],
    ['a command', 'echo b > "$0/b"', '2000 1000 2000 4096 copy; touch /x'],
  ])('keeps nothing on %s', async (name, script, a) => {
    const r = await parkAndRun(name.replace(/\W+/g, '-'), script, () => a);
    expect(r.status).toBe('copy');
    expect(existsSync(join(r.view.runDir, 'upper'))).toBe(false);
  });

  it('a usage the daemon cannot read discards the run and says why', async () => {
    const r = await parkAndRun('unreadable', 'echo b > "$0/b"', real, (view) => {
      // The descriptor on the tmpfs gone before the question: statfs through it fails.
      if (view.upperFd !== undefined) closeSync(view.upperFd);
    });
    expect(r.answers).toEqual(['']);
    expect(r.status).toBe('copy');
    const settled = r.view.settle(ended);
    expect(settled.ok && settled.value.kind).toBe('discarded');
    if (settled.ok && settled.value.kind === 'discarded')
      expect(settled.value.reason).toMatch(/could not be judged \(the usage of the upper layer could not be read: /);
  });
});
