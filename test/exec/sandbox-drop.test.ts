/**
 * Under a root daemon the sandbox never runs as host root, on the direct path too (no copy-on-write view: the
 * degraded mode). bwrap started by root maps the sandbox user to host uid 0 whatever --uid says; the runner drops
 * to the workspace's owner or exec.sandboxUser before bwrap starts (sandbox/bind-holder.ts).
 */
import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { startExec } from '../../src/exec/service.js';
import { ensureSandboxUser } from '../../src/exec/sandbox-user.js';

const root = process.getuid?.() === 0;
const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A data dir only root can enter, a workspace in it owned by the sandbox user, and a root-only secret inside. */
function layout(user: { uid: number; gid: number }) {
  const top = mkdtempSync(join(tmpdir(), 'bulwark-drop-'));
  roots.push(top);
  chmodSync(top, 0o700);
  const ws = join(top, 'workspaces', 'default');
  mkdirSync(ws, { recursive: true });
  chownSync(ws, user.uid, user.gid);
  writeFileSync(join(ws, 'notes.txt'), 'hello\n');
  chownSync(join(ws, 'notes.txt'), user.uid, user.gid);
  writeFileSync(join(ws, 'root-secret'), 'TOP-SECRET\n', { mode: 0o600 });
  chmodSync(join(ws, 'root-secret'), 0o600);
  return { top, ws };
}

describe.runIf(root)('the direct path drops to the sandbox user (root daemon)', () => {
  it.each([
    ['bwrap without a copy-on-write view', 'auto'],
    ['exec.sandbox: off', 'off'],
  ])('%s: files it makes are its own on the host, a root-only file stays unreadable', async (_name, sandbox) => {
    const made = ensureSandboxUser('bulwark-sandbox');
    if (!made.ok) throw new Error(made.error.message);
    const user = made.value;
    const { top, ws } = layout(user);
    // No journal directory: no copy-on-write view, the degraded direct path.
    const svc = startExec({
      config: ExecConfigSchema.parse({ sandbox }),
      runtimeDir: join(top, 'rt'),
      bus: new EventBus(),
    });
    if (!svc.ok) throw new Error(svc.error.message);
    try {
      const runner = svc.value.runner;
      if (!runner) throw new Error('exec disabled');
      expect(runner.transactional).toBe(false);
      const r = await runner.run(
        ws,
        { command: 'cat notes.txt; cat root-secret; echo made > made.txt; cat /etc/shadow | head -c 1; id -u' },
        { traceId: 't', sessionId: 's', agentId: 'a' },
      );
      if (!r.ok) throw new Error(r.error.message);
      expect(r.value.stdout).toContain('hello');
      expect(r.value.stdout).not.toContain('TOP-SECRET');
      expect(r.value.stderr).toMatch(/root-secret: Permission denied/);
      // Unsandboxed, the host's /etc/shadow is there, and still closed.
      if (sandbox === 'off') expect(r.value.stderr).toMatch(/shadow: Permission denied/);
      // Seen from the host: what the sandbox wrote belongs to the sandbox user, not to root.
      const st = lstatSync(join(ws, 'made.txt'));
      expect(st.uid).toBe(user.uid);
      expect(st.uid).not.toBe(0);
    } finally {
      svc.value.stop();
    }
  });
});
