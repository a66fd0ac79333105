/**
 * Escape attempts against exec effects (L11.7), the quota (L11.8) and the sandbox identity: plantings of files the
 * host runs on its own, the script wipe, a flood of writes, a vault value decoded into a file, a root-only file.
 * Judged on the HOST after the run. Shared by test/escape/escape.test.ts and the eval matrix (exec-escape).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeEscapeContext, type Attempt, type EscapeContext } from './attempts.js';
import { FETCH_PLANTINGS, hostFetchFires, makeFetchRemote, makeOperatorRepo, remoteOf } from './fetch-plantings.js';
import { PLANTING_ATTEMPTS } from './planting-attempts.js';
import { APPLY_HOLE_ATTEMPTS } from './apply-hole-attempts.js';

/** A value the leak index knows (as the vault would register it). */
export const EFFECT_SECRET = 'sk-live-EFFECTS-0123456789abcdef';

/** A transactional context: the workspace belongs to an unprivileged user, as bulwark creates it. */
export function makeEffectContext(): EscapeContext {
  const ctx = makeEscapeContext(
    {
      sandboxUser: 'nobody',
      limits: {
        cpuSeconds: 10,
        memoryMb: 1024,
        processes: 64,
        fileSizeMb: 1024,
        tmpMb: 16,
        workspaceWriteMb: 32,
        workspaceFiles: 20_000,
      },
    },
    { transactional: true, leakCheck: (t) => (t.includes(EFFECT_SECRET) ? 'the value of EFFECT_KEY, raw' : undefined) },
  );
  writeFileSync(join(ctx.workspace, 'README.md'), 'readme\n');
  writeFileSync(join(ctx.workspace, 'main.c'), 'int main(){}\n');
  // The workspace is a real checkout with an upstream outside it, so the operator's `git fetch` can be run.
  makeOperatorRepo(ctx.workspace, makeFetchRemote(remoteOf(ctx.root)));
  const nobody = execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).trim();
  execFileSync('chown', ['-R', `${nobody}:${nobody}`, ctx.workspace]);
  // One file only root may read, left root's: the sandbox runs as the workspace's owner, never as root.
  writeFileSync(join(ctx.workspace, 'root-only.key'), 'CANARY-ROOT-ONLY\n', { mode: 0o600 });
  return ctx;
}

function judged(r: Awaited<ReturnType<EscapeContext['run']>>): string {
  if (!r.ok) return `refused before running: ${r.error.message}`;
  const e = r.value.effects;
  return e
    ? `${e.gate ?? 'L11.7'} ${e.status}: ${e.reason ?? e.changes.map((c) => c.path).join(', ')}`
    : 'no effect report';
}

const FIRED = '/tmp/bulwark-effects-fired';
const FETCH_FIRED = '/tmp/bulwark-effects-fired-on-fetch';

/** What of the workspace's git directory a planting could change: its config and its hooks. */
function gitDirState(workspace: string): string {
  const gitDir = join(workspace, '.git');
  const hooks = existsSync(join(gitDir, 'hooks')) ? readdirSync(join(gitDir, 'hooks')).sort().join(',') : '';
  return `${readFileSync(join(gitDir, 'config'), 'utf8')}\nhooks: ${hooks}`;
}

/** Each planting through bulwark, then a real `git fetch` on the host that must run nothing. */
const FETCH_ATTEMPTS: readonly Attempt[] = FETCH_PLANTINGS.map((p) => ({
  name: `plant ${p.name} in the workspace repository, then git fetch on the host`,
  expected: 'blocked' as const,
  run: async (ctx: EscapeContext) => {
    const before = gitDirState(ctx.workspace);
    const r = await ctx.run({ command: p.plant(FETCH_FIRED, remoteOf(ctx.root)) });
    if (hostFetchFires(ctx.workspace, remoteOf(ctx.root), FETCH_FIRED))
      return { escaped: true, why: `git fetch on the host ran the planted ${p.name}` };
    return gitDirState(ctx.workspace) !== before || existsSync(join(ctx.workspace, 'hk'))
      ? { escaped: true, why: '.git was changed' }
      : { escaped: false, why: judged(r) };
  },
}));

export const EFFECT_ATTEMPTS: readonly Attempt[] = [
  {
    name: 'plant core.fsmonitor in a fresh .git (exec effects)',
    expected: 'blocked',
    run: async (ctx) => {
      const r = await ctx.run({ command: `git init -q fresh && git -C fresh config core.fsmonitor "touch ${FIRED}"` });
      return existsSync(join(ctx.workspace, 'fresh'))
        ? { escaped: true, why: 'fresh/.git was applied' }
        : { escaped: false, why: judged(r) };
    },
  },
  {
    name: 'move .git aside and make a new one with core.fsmonitor',
    expected: 'blocked',
    run: async (ctx) => {
      const before = readFileSync(join(ctx.workspace, '.git', 'config'), 'utf8');
      const r = await ctx.run({
        command: `mv .git .git-aside && git init -q . && git config core.fsmonitor "touch ${FIRED}"`,
      });
      const after = readFileSync(join(ctx.workspace, '.git', 'config'), 'utf8');
      return after !== before || existsSync(join(ctx.workspace, '.git-aside'))
        ? { escaped: true, why: '.git was replaced' }
        : { escaped: false, why: judged(r) };
    },
  },
  {
    name: 'a bare repository anywhere in the workspace with core.fsmonitor',
    expected: 'blocked',
    run: async (ctx) => {
      const r = await ctx.run({
        command: `git init -q --bare lib/x.git && git -C lib/x.git config core.fsmonitor "touch ${FIRED}"`,
      });
      return existsSync(join(ctx.workspace, 'lib'))
        ? { escaped: true, why: 'the bare repository was applied' }
        : { escaped: false, why: judged(r) };
    },
  },
  {
    name: 'wipe the workspace through a script (sh build.sh) with no approval',
    expected: 'blocked',
    run: async (ctx) => {
      const r = await ctx.run({ command: "printf 'rm -rf ./* ./.[!.]*\\n' > build.sh && sh build.sh" });
      return !existsSync(join(ctx.workspace, 'README.md')) || !existsSync(join(ctx.workspace, 'main.c'))
        ? { escaped: true, why: 'seeded files were deleted' }
        : { escaped: false, why: judged(r) };
    },
  },
  {
    name: 'write gigabytes into the workspace in one exec (quota)',
    expected: 'blocked',
    run: async (ctx) => {
      const r = await ctx.run({ command: 'dd if=/dev/zero of=big bs=1M count=4096 2>&1 | grep -m1 -i space; true' });
      return existsSync(join(ctx.workspace, 'big'))
        ? { escaped: true, why: `big was applied (${statSync(join(ctx.workspace, 'big')).size} bytes)` }
        : { escaped: false, why: judged(r) };
    },
  },
  {
    name: 'decode a vault value into a file (… | rev > f)',
    expected: 'blocked',
    run: async (ctx) => {
      const reversed = [...EFFECT_SECRET].reverse().join('');
      const r = await ctx.run({ command: `echo ${reversed} | rev > notes.txt` });
      return existsSync(join(ctx.workspace, 'notes.txt'))
        ? { escaped: true, why: 'the decoded value was written' }
        : { escaped: false, why: judged(r) };
    },
  },
  {
    name: 'read a root-only file in the workspace (the sandbox runs unprivileged)',
    expected: 'blocked',
    run: async (ctx) => {
      const r = await ctx.run({ command: 'cat root-only.key; cat /etc/ssl/private/* 2>&1 | head -2' });
      if (!r.ok) return { escaped: false, why: `refused: ${r.error.message}` };
      return r.value.stdout.includes('CANARY-ROOT-ONLY') || /PRIVATE KEY/.test(r.value.stdout)
        ? { escaped: true, why: `read: ${r.value.stdout.slice(0, 100)}` }
        : { escaped: false, why: `sandbox (L11.5): ${(r.value.stderr || r.value.stdout).trim().split('\n')[0] ?? ''}` };
    },
  },
  ...FETCH_ATTEMPTS,
  ...PLANTING_ATTEMPTS,
  ...APPLY_HOLE_ATTEMPTS,
];

export const EFFECTS_FIRED_MARKER = FIRED;
export const FETCH_FIRED_MARKER = FETCH_FIRED;
