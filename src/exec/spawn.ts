/**
 * Starts a provider's plan (or hands a prestarted sandbox its options) and supervises it until it closes:
 * input, output capped with head and tail kept, the timeout and the caller's abort, both through the run's
 * one kill path (RunHandle.kill).
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { openSync } from 'node:fs';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { HeadTailBuffer } from './output-buffer.js';
import type { RunHandle } from './run-handle.js';
import type { MemoryKilled } from './memory-cgroup.js';
import { PARAMS_FD, startParkedView } from './sandbox/overlay-holder.js';
import { ALIVE_FD, ARGS_FD, type SpawnPlan } from './sandbox/provider.js';

export interface SpawnIo {
  readonly stdin?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs: number;
  /** Output kept per stream. */
  readonly maxOutputBytes: number;
  readonly warn: (outcome: string, reason: string) => void;
  /** Answers a parked view holder's question after a run that wrote something (see startParkedView). */
  readonly answerHolder?: (holderPid: number, question: string) => string;
}

export interface Exit {
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  readonly cancelled: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly stdoutTruncated: boolean;
  readonly stderrTruncated: boolean;
  readonly durationMs: number;
  /** The kernel killed processes of the run at its memory cap (exec.limits.memoryMb). */
  readonly memoryKilled?: MemoryKilled;
}

function failed(code: string, what: string, cause: unknown): Result<never, BulwarkError> {
  return err(bulwarkError(code, `${what}: ${describeCause(cause)}`, { layer: 'L11.5' }));
}

/** The child of a plan, started (or adopted) with the descriptors the plan asks for. */
function start(
  plan: SpawnPlan,
  handle: RunHandle,
  stdin: boolean,
  answerHolder?: (holderPid: number, question: string) => string,
): Result<ChildProcess, BulwarkError> {
  if (plan.prestarted && plan.view) {
    const child = plan.prestarted.child;
    const params = (child.stdio as unknown as ReadonlyArray<NodeJS.ReadWriteStream | null | undefined>)[PARAMS_FD];
    try {
      if (child.pid === undefined || !params) throw new Error('the parked holder has no pid or parameter pipe');
      if (!answerHolder) throw new Error("nothing answers the parked holder's question after the run");
      // A holder that died meanwhile: the run ends with its exit status, and nothing was mounted.
      params.on('error', () => handle.kill());
      startParkedView(child.pid, params, plan.view, answerHolder);
    } catch (cause) {
      return failed('exec.spawn', 'cannot hand the parked copy-on-write view its run', cause);
    }
    return ok(child);
  }
  if (plan.prestarted) return ok(plan.prestarted.child);
  let seccompFd: number | undefined;
  try {
    if (plan.seccompFile) {
      seccompFd = openSync(plan.seccompFile, 'r');
      handle.holdFd(seccompFd);
    }
  } catch (cause) {
    return failed('exec.seccomp', 'cannot open the seccomp filter', cause);
  }
  const stdio: StdioOptions = [
    stdin ? 'pipe' : 'ignore',
    'pipe',
    'pipe',
    seccompFd ?? 'ignore',
    ...(plan.argsViaFd ? (['pipe'] as const) : []),
    ...(plan.joinsCgroupInside ? (['pipe'] as const) : []),
  ];
  const [file, ...args] = plan.argv;
  if (file === undefined) return err(bulwarkError('exec.spawn', 'the sandbox plan has no program', { layer: 'L11.5' }));
  const launch = () => spawn(file, args, { cwd: plan.cwd, env: plan.env, stdio, detached: true, windowsHide: true });
  try {
    // Without a join inside, the child is born in the cgroup. (Joining later, once bwrap has built its
    // namespaces, would be ~10 ms faster on cgroup v1, but a daemon killed in between would release the
    // sandbox unbounded: bwrap's --block-fd proceeds on EOF.)
    return ok(handle.cgroup && !plan.joinsCgroupInside ? handle.cgroup.spawnInside(launch) : launch());
  } catch (cause) {
    return failed('exec.spawn', 'cannot start the command', cause);
  }
}

export function spawnRun(plan: SpawnPlan, handle: RunHandle, io: SpawnIo): Promise<Result<Exit, BulwarkError>> {
  const started = Date.now();
  const child = start(plan, handle, io.stdin !== undefined, io.answerHolder);
  if (!child.ok) return Promise.resolve(child);
  const c = child.value;
  handle.attach(c);
  const stdout = new HeadTailBuffer(io.maxOutputBytes);
  const stderr = new HeadTailBuffer(io.maxOutputBytes);
  return new Promise((resolve) => {
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const timer = setTimeout(() => {
      timedOut = true;
      handle.kill();
    }, io.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      handle.kill();
    };
    if (io.signal?.aborted) onAbort();
    else io.signal?.addEventListener('abort', onAbort, { once: true });
    const pipes = c.stdio as unknown as ReadonlyArray<NodeJS.ReadWriteStream | null | undefined>;
    if (plan.argsViaFd) {
      const argsPipe = pipes[ARGS_FD];
      if (!argsPipe) handle.kill();
      else {
        argsPipe.on('error', (e: Error) => io.warn('args-pipe', e.message));
        argsPipe.end(plan.argsViaFd.map((a) => `${a}\0`).join(''));
      }
    }
    // The shell's first write proves the daemon alive (see shell.ts); nothing else comes on this pipe.
    if (plan.joinsCgroupInside) pipes[ALIVE_FD]?.resume();
    c.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    c.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    if (c.stdin) {
      // EPIPE when the command exits without reading its input: not an error of the run.
      c.stdin.on('error', () => undefined as void);
      // A parked bwrap's stdin is always a pipe: end it at once when there is no input.
      c.stdin.end(io.stdin ?? '');
    }
    const finish = (result: Result<Exit, BulwarkError>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      io.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };
    c.on('error', (e) => finish(failed('exec.spawn', 'cannot start the command', e)));
    c.on('close', (code, sig) =>
      finish(
        ok({
          exitCode: code,
          signal: sig,
          timedOut,
          cancelled,
          stdout: stdout.text(),
          stderr: stderr.text(),
          stdoutTruncated: stdout.truncated,
          stderrTruncated: stderr.truncated,
          durationMs: Date.now() - started,
        }),
      ),
    );
  });
}
