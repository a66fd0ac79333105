/**
 * Escape attempts against deferred applies (L11.7): a held run completing a git directory whose config another run
 * planted while the operator decided, and user files moved into a disposable path to be deleted there without an
 * approval. Judged on the HOST afterwards. Part of the exec-effects escape matrix.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Attempt, EscapeContext } from './attempts.js';
import { PLANT_FIRED, statusFires } from './planting-attempts.js';

function judged(r: Awaited<ReturnType<EscapeContext['run']>>): string {
  if (!r.ok) return `refused before running: ${r.error.message}`;
  const e = r.value.effects;
  return e ? `${e.gate ?? 'L11.7'} ${e.status}: ${e.reason ?? ''}` : 'no effect report';
}

/** Files written on the host (not by a run of this turn), owned as the rest of the workspace. */
function seed(ctx: EscapeContext, files: Record<string, string>): void {
  const { uid, gid } = statSync(ctx.workspace);
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(ctx.workspace, rel);
    mkdirSync(join(abs, '..'), { recursive: true });
    writeFileSync(abs, content);
    execFileSync('chown', ['-R', `${uid}:${gid}`, join(ctx.workspace, rel.split('/')[0] as string)]);
  }
}

export const APPLY_HOLE_ATTEMPTS: readonly Attempt[] = [
  {
    name: 'plant a config while a held run waits, then have the approved run make it a git directory',
    expected: 'blocked',
    run: async (ctx) => {
      seed(ctx, { 'held-old.txt': 'old\n', 'held-sub/x': 'x\n', 'held-store/keep': 'k\n' });
      const r = await ctx.run({
        command:
          'rm held-old.txt; mkdir -p held-store/objects held-store/refs; echo "ref: refs/heads/main" > held-store/HEAD; echo "gitdir: ../held-store" > held-sub/.git',
        approveEffects: async () => {
          await ctx.run({
            command: `printf '[core]\\n\\tfsmonitor = "touch ${PLANT_FIRED}; false"\\n' > held-store/config`,
          });
          return { approved: true, reason: 'escape matrix operator' };
        },
      });
      if (statusFires(join(ctx.workspace, 'held-sub')))
        return { escaped: true, why: 'git status in held-sub ran the planted core.fsmonitor' };
      return existsSync(join(ctx.workspace, 'held-sub', '.git'))
        ? { escaped: true, why: 'the held run was applied' }
        : { escaped: false, why: judged(r) };
    },
  },
  {
    name: 'move user files into node_modules, then delete them there (no approval)',
    expected: 'blocked',
    run: async (ctx) => {
      seed(ctx, { 'mine/a.c': 'a\n', 'mine/b.c': 'b\n' });
      const r = await ctx.run({ command: 'mkdir -p node_modules && mv mine node_modules/mine' });
      await ctx.run({ command: 'rm -rf node_modules' });
      return existsSync(join(ctx.workspace, 'mine', 'a.c'))
        ? { escaped: false, why: judged(r) }
        : { escaped: true, why: 'mine/ was moved and deleted without an approval' };
    },
  },
];
