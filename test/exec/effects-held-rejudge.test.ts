/**
 * A held run is judged again for host-executed files right before it is applied (gate L11.7): while the operator
 * decides the workspace is unlocked, and another run may have prepared what the held run's changes complete.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startHarness, type Harness } from './effects-harness.js';

let h: Harness | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
});

describe('a held run re-judged at apply', () => {
  it('is refused when a run applied meanwhile made its new git directory run a command', async () => {
    h = startHarness();
    const ws = h.workspace;
    writeFileSync(join(ws, 'old.txt'), 'old\n');
    mkdirSync(join(ws, 'sub'));
    writeFileSync(join(ws, 'sub', 'x'), 'x\n');
    mkdirSync(join(ws, 'store'));
    const marker = join(h.root, 'fired');
    const runner = h.svc.runner!;
    let meanwhile: Awaited<ReturnType<typeof runner.run>> | undefined;
    // Held for `rm old.txt`; its other changes turn `store` into a git directory that `sub` points at.
    const a = await h.run(
      'rm old.txt; mkdir -p store/objects store/refs; echo "ref: refs/heads/main" > store/HEAD; echo "gitdir: ../store" > sub/.git',
      async () => {
        // `store` is no git directory yet, so this config is only a file when it is judged.
        meanwhile = await runner.run(
          ws,
          { command: `printf '[core]\\n\\tfsmonitor = "touch ${marker}; false"\\n' > store/config` },
          { traceId: 'turn-2' },
        );
        return { approved: true, reason: 'test operator' };
      },
    );
    expect(meanwhile?.ok && meanwhile.value.effects?.status).toBe('applied');
    expect(a.ok).toBe(true);
    const report = a.ok ? a.value.effects : undefined;
    expect(report).toMatchObject({ status: 'refused', gate: 'L11.7', held: true });
    expect(report?.reason).toMatch(/while the operator decided/);
    expect(report?.reason).toMatch(/core\.fsmonitor/);
    // Nothing of the held run was applied.
    expect(existsSync(join(ws, 'old.txt'))).toBe(true);
    expect(existsSync(join(ws, 'store', 'HEAD'))).toBe(false);
    expect(existsSync(join(ws, 'sub', '.git'))).toBe(false);
    // The operator's git, with its ownership check off so that it cannot hide a planted command, runs nothing
    // (here `sub` is no repository at all: the held run was not applied).
    spawnSync('git', ['-c', 'safe.directory=*', 'status'], {
      cwd: join(ws, 'sub'),
      stdio: 'ignore',
      env: { ...process.env, GIT_CEILING_DIRECTORIES: h.root },
    });
    expect(existsSync(marker)).toBe(false);
    expect(h.events.some((e) => e.type === 'security:blocked')).toBe(true);
  });
});
