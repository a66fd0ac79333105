/**
 * A daemon killed with -9 at any moment of a sandbox's set-up leaves nothing running. Each round starts a small
 * daemon (the real exec service) that starts runs every few milliseconds and kills itself after a random 0–50 ms,
 * so the kill lands at every stage: in the spawn, in a holder's set-up, in bwrap's own (between its clone(2) and
 * the parent-death signal it arms for its child), in a parked sandbox's. Every process of every tree must be gone.
 * Three paths: runs that drop to the sandbox user (bind holder), transactional runs (overlay holders, parked ones
 * too) and runs as root from parked bwraps.
 */
import { spawn } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepStaleCgroups, findCgroupBase } from '../../src/exec/cgroup.js';
import { OWNER_VAR, sweepOrphans } from '../../src/exec/orphans.js';
import { TAGGED_POINTS } from '../../src/exec/service.js';
import { ensureSandboxUser } from '../../src/exec/sandbox-user.js';

const root = process.getuid?.() === 0;
const top = mkdtempSync(join(tmpdir(), 'bulwark-killsetup-'));
afterAll(() => rmSync(top, { recursive: true, force: true }));

const src = (p: string) => JSON.stringify(new URL(`../../src/${p}`, import.meta.url).href);
const DAEMON = `
import { startExec } from ${src('exec/service.ts')};
import { EventBus } from ${src('core/events.ts')};
import { ExecConfigSchema } from ${src('config/sections/exec.ts')};
import { readdirSync, readFileSync, writeSync } from 'node:fs';
const [mode, workspace, runtimeDir, mark, delay] = process.argv.slice(2);
const svc = startExec({
  config: ExecConfigSchema.parse({ timeoutMs: 600000, ...(mode === 'parked' ? { sandboxUser: 'root' } : {}) }),
  runtimeDir,
  bus: new EventBus(),
  ...(mode === 'views' ? { journalDir: runtimeDir + '-journal' } : {}),
});
if (!svc.ok || !svc.value.runner) { console.error(svc.ok ? svc.value.layer.reason : svc.error.message); process.exit(3); }
const runner = svc.value.runner;
// Parked sandboxes ready first, so the first runs start from them.
await runner.settled();
process.stdout.write('ready\\n');
const t0 = Date.now();
const ctx = { traceId: 't', sessionId: 's', agentId: 'a' };
const next = () => {
  void runner.run(workspace, { command: 'sleep 600; echo ' + mark }, ctx);
  if (Date.now() - t0 < 60) setTimeout(next, 4);
};
next();
// How many processes of its sandboxes exist at the kill (they carry its owner tag): the round tested something.
const tag = ':' + process.pid + ':';
const inflight = () => readdirSync('/proc').filter((d) => {
  try { return /^[0-9]+$/.test(d) && readFileSync('/proc/' + d + '/environ', 'latin1').includes(tag); } catch { return false; }
}).length;
setTimeout(() => { writeSync(1, 'inflight=' + inflight() + '\\n'); process.kill(process.pid, 'SIGKILL'); }, Number(delay));
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A /proc file of a process, or '' when the process is gone or the file closed even to root (the VM's init). */
function procFile(pid: string, name: string): string {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'latin1');
  } catch (cause) {
    if (['ENOENT', 'ESRCH', 'EACCES', 'EPERM'].includes((cause as NodeJS.ErrnoException).code ?? '')) return '';
    throw cause;
  }
}

/** Processes that carry `mark` (command line or environment) or the owner tag of the daemon `pid`. */
function leftOf(mark: string, pid: number): string[] {
  const out: string[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    const cmd = procFile(d, 'cmdline');
    const env = procFile(d, 'environ');
    const tag = env
      .split('\0')
      .find((e) => e.startsWith(`${OWNER_VAR}=`))
      ?.split(':')[1];
    if (cmd.includes(mark) || env.includes(mark) || tag === String(pid)) {
      const stat = procFile(d, 'stat');
      if (!stat) continue;
      const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // A zombie is already dead (its parent has not reaped it yet).
      if (state[0] !== 'Z') out.push(`${d} (ppid ${state[1]}) ${cmd.replace(/\0/g, ' ').slice(0, 100)}`);
    }
  }
  return out;
}

function killLeft(mark: string, pid: number): void {
  for (const line of leftOf(mark, pid)) {
    try {
      process.kill(Number(line.split(' ')[0]), 'SIGKILL');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') throw cause;
    }
  }
}

/**
 * One round: a daemon killed `delay` ms into its runs. What of its sandboxes is still alive after 2 s, and how many
 * of their processes there were at the kill.
 */
async function round(
  mode: string,
  workspace: string,
  i: number,
  delay: number,
): Promise<{ left: string[]; inflight: number }> {
  const mark = `bulwark-killsetup-${Math.random().toString(16).slice(2, 10)}`;
  const runtimeDir = join(top, `${mode}-${i}`, 'rt');
  mkdirSync(runtimeDir, { recursive: true });
  const script = join(top, 'daemon.mjs');
  const child = spawn(process.execPath, ['--import', 'tsx', script, mode, workspace, runtimeDir, mark, String(delay)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: process.cwd(),
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const pid = child.pid ?? -1;
  await new Promise((res) => child.once('exit', res));
  if (!out.startsWith('ready')) throw new Error(`the daemon did not start: ${out.slice(0, 400)}`);
  let left = leftOf(mark, pid);
  for (let t = 0; t < 40 && left.length; t++) {
    await sleep(50);
    left = leftOf(mark, pid);
  }
  killLeft(mark, pid);
  // What its next start would sweep: its cgroups, and its leftover mount points.
  const base = findCgroupBase().base;
  if (base) sweepStaleCgroups(base);
  sweepOrphans(runtimeDir, join(runtimeDir, 'views'), TAGGED_POINTS);
  return { left, inflight: Number(/inflight=(\d+)/.exec(out)?.[1] ?? 0) };
}

describe.runIf(root)('a daemon killed -9 during sandbox set-up leaves no process of any sandbox tree', () => {
  const user = root ? ensureSandboxUser('bulwark-sandbox') : undefined;
  writeFileSync(join(top, 'daemon.mjs'), DAEMON);
  const dropped = join(top, 'ws-dropped');
  const owned = join(top, 'ws-root');
  mkdirSync(dropped);
  mkdirSync(owned);
  if (user?.ok) chownSync(dropped, user.value.uid, user.value.gid);

  // The three paths at once: a loaded host stretches every set-up, so kills land inside more of them.
  it.concurrent.each([
    ['runs dropped to the sandbox user (bind holder)', 'drop', dropped],
    ['transactional runs (overlay holders, parked and not)', 'views', dropped],
    ['runs as root from parked bwraps', 'parked', owned],
  ])('%s: 5 kills at random points', { timeout: 300_000 }, async (_name, mode, ws) => {
    const survivors: string[] = [];
    let inflight = 0;
    for (let i = 0; i < 5; i++) {
      const delay = Math.floor(Math.random() * 51);
      const r = await round(mode, ws, i, delay);
      inflight += r.inflight;
      if (r.left.length) survivors.push(`kill at ${delay} ms: ${r.left.join('; ')}`);
    }
    expect(survivors).toEqual([]);
    // Sandboxes were being set up when the daemons died (a round killed before its first spawn tests nothing).
    expect(inflight).toBeGreaterThan(0);
  });
});
