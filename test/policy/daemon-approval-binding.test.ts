/**
 * L13 through the real daemon (startDaemon, gateway, /v1/approvals):
 * - the reviewer's repro: a client disconnects while its write (emptying a file) waits for an operator; the operator
 *   then approves → nothing is left to approve, the file is untouched, no tool:executed is audited;
 * - the pending effect carries the exec network mode the daemon runs (exec.network: host), not "none".
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderApproval } from '../../src/cli/commands/approvals.js';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { openTokenAdmin, startDaemon } from '../../src/daemon.js';
import { reply, scriptFrom, startFakeProvider } from '../support/fake-provider.js';
import {
  configYaml,
  decide,
  FAKE_KEY_NAME,
  FAKE_KEY_VALUE,
  nextApproval,
  tempDataDir,
  type E2E,
} from '../e2e/support.js';

type Running = E2E;

let running: Running | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

async function start(extraConfig = ''): Promise<Running> {
  process.env[FAKE_KEY_NAME] = FAKE_KEY_VALUE;
  resetEnvSnapshotForTests();
  const fake = await startFakeProvider({
    // Emptying a file asks even with the undo journal (an overwrite with content would be journaled, not asked).
    script: scriptFrom([reply.toolCall('write', { path: 'keep.txt', content: '' }), reply.text('done')]),
  });
  const dir = tempDataDir();
  writeFileSync(path.join(dir, 'config.yaml'), configYaml('openai', fake.openaiBaseUrl) + extraConfig, { mode: 0o600 });
  const daemon = await startDaemon({ dataDir: dir, port: 0 });
  const admin = openTokenAdmin(dir);
  if (!admin.ok) throw new Error(admin.error.message);
  const chat = admin.value.create('e2e', ['chat']);
  const operator = admin.value.create('operator', ['admin']);
  admin.value.close();
  if (!chat.ok || !operator.ok) throw new Error('token creation failed');
  const workspace = path.join(dir, 'workspaces', 'default');
  mkdirSync(workspace, { recursive: true });
  writeFileSync(path.join(workspace, 'keep.txt'), 'original');
  const auditFile = path.join(dir, 'audit.jsonl');
  return {
    dir,
    daemon,
    fake,
    workspace,
    token: chat.value.token,
    adminToken: operator.value.token,
    audit: async () => {
      await daemon.flushAudit();
      return readFileSync(auditFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    },
    close: async () => {
      await daemon.close();
      await fake.close();
    },
  };
}

function sendChat(r: Running, signal?: AbortSignal): Promise<Response> {
  return fetch(`${r.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${r.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'overwrite keep.txt' }] }),
    ...(signal ? { signal } : {}),
  });
}

async function pendingCount(r: Running): Promise<number> {
  const res = await fetch(`${r.daemon.url}/v1/approvals`, { headers: { authorization: `Bearer ${r.adminToken}` } });
  return ((await res.json()) as { data: unknown[] }).data.length;
}

async function until(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((res) => setTimeout(res, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('L13 through the daemon: cancel and network binding', () => {
  it('client disconnects while a write waits; the operator approves; the write never happens', async () => {
    const r = (running = await start());
    const client = new AbortController();
    const answer = sendChat(r, client.signal).catch((e: unknown) => e);
    const pending = await nextApproval(r);
    client.abort();
    await answer;
    // The disconnect withdraws the request: "0 waiting", nothing left for the operator.
    await until(async () => (await pendingCount(r)) === 0, 'the pending approval to be withdrawn');
    const approve = await decide(r, pending.id, 'approve');
    expect(approve.status).toBe(404);
    await until(
      async () => (await r.audit()).some((a) => a.type === 'approval:resolved'),
      'approval:resolved in the audit log',
    );
    // Give the (cancelled) turn time to wind down before reading the final audit state.
    await until(
      async () => (await r.audit()).some((a) => a.type === 'tool:denied' && a.layer === 'L13'),
      'tool:denied in the audit log',
    );
    expect(readFileSync(path.join(r.workspace, 'keep.txt'), 'utf8')).toBe('original');
    const audit = await r.audit();
    expect(audit.filter((a) => a.type === 'tool:executed')).toEqual([]);
    expect(audit.find((a) => a.type === 'approval:resolved')).toMatchObject({
      outcome: 'cancelled',
      source: 'cancelled',
      requestId: pending.id,
    });
  });

  it('with exec.network: host the pending effect says host, and `approvals show` prints it', async () => {
    const r = (running = await start('exec: { network: host }\n'));
    const answer = sendChat(r).catch((e: unknown) => e);
    const pending = await nextApproval(r);
    const res = await fetch(`${r.daemon.url}/v1/approvals/${pending.id}`, {
      headers: { authorization: `Bearer ${r.adminToken}` },
    });
    const full = (await res.json()) as Parameters<typeof renderApproval>[0];
    expect(full.view.network).toEqual({ mode: 'host', grants: ['*'] });
    expect(renderApproval(full)).toMatch(/network {4}host \(grants: \*\)/);
    await decide(r, pending.id, 'deny');
    await answer;
  });
});
