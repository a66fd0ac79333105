/**
 * Issue 17, L20 × L13 on a real daemon: a webhook's turn is a stranger's (`hook:<name>`, not the owner), so an
 * operator's agent-wide grant never auto-approves what it asks for — the call waits for an operator — while the very
 * same call in the owner's own turn runs under the grant.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { openTokenAdmin } from '../../src/daemon.js';
import { signGeneric } from '../../src/transport/webhooks/verify.js';
import { reply, type FakeReply, type FakeRequest } from '../support/fake-provider.js';
import { startTlsDaemon, tempDataDir, type TlsDaemon } from './support.js';

const SECRET = 'generic-hook-secret-for-grants';
let d: TlsDaemon;
let ownerToken: string;

/** Every turn writes notes.txt once, then answers with text. */
function script(req: FakeRequest): FakeReply {
  if (req.messages.at(-1)?.role === 'tool') return reply.text('done');
  return reply.toolCall('write', { path: 'notes.txt', content: 'written\n' });
}

beforeAll(async () => {
  process.env.HOOK_GRANTS = SECRET;
  resetEnvSnapshotForTests();
  d = await startTlsDaemon(
    tempDataDir(),
    script,
    '',
    'hooks:\n  gen: { agent: default, provider: generic, secret: { secret: HOOK_GRANTS } }',
    '    approvals: { require: [write, destructive, exec, network], timeoutMs: 60000 }',
  );
  const admin = openTokenAdmin(d.dir);
  if (!admin.ok) throw new Error(admin.error.message);
  const own = admin.value.create('owner', ['chat'], { owner: true });
  admin.value.close();
  if (!own.ok) throw new Error(own.error.message);
  ownerToken = own.value.token;
}, 60_000);

afterAll(async () => {
  await d?.close();
  delete process.env.HOOK_GRANTS;
});

const workspaceFile = () => path.join(d.dir, 'workspaces', 'default', 'notes.txt');
const admin = () => ({ authorization: `Bearer ${d.adminToken}`, 'content-type': 'application/json' });

async function pending(): Promise<Array<{ id: string; view: { tool: string; agentId: string } }>> {
  const res = await fetch(`${d.daemon.url}/v1/approvals`, { headers: admin() });
  return ((await res.json()) as { data: Array<{ id: string; view: { tool: string; agentId: string } }> }).data;
}

async function until<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('an agent-wide grant and a webhook turn', () => {
  it("the webhook's call waits for an operator; the owner's identical call runs under the grant", async () => {
    mkdirSync(path.dirname(workspaceFile()), { recursive: true });
    const made = await fetch(`${d.daemon.url}/v1/approvals/grants`, {
      method: 'POST',
      headers: admin(),
      body: JSON.stringify({ agent: 'default', paths: ['notes.txt'], minutes: 10, reason: 'agent-wide' }),
    });
    expect(made.status).toBe(201);
    const grantId = ((await made.json()) as { id: string }).id;

    const body = '{"event":"build.done","note":"please update the notes"}';
    const ts = Math.floor(Date.now() / 1000);
    const delivered = await fetch(`${d.daemon.url}/v1/hooks/gen`, {
      method: 'POST',
      headers: {
        'X-Bulwark-Webhook-Id': 'grant-1',
        'X-Bulwark-Webhook-Timestamp': String(ts),
        'X-Bulwark-Webhook-Signature': signGeneric(SECRET, 'grant-1', ts, Buffer.from(body)),
      },
      body,
    });
    expect(delivered.status).toBe(202);
    // The hook's write is asked, not run: it sits in the queue, and the file is not there.
    const asked = await until(async () => (await pending()).find((p) => p.view.tool === 'write'), 'a pending write');
    expect(asked.view.agentId).toBe('default');
    expect(existsSync(workspaceFile())).toBe(false);
    const audit = await d.audit();
    expect(audit.filter((e) => e.type === 'approval:requested')).toEqual([
      expect.objectContaining({ sender: 'hook:gen', tool: 'write' }),
    ]);
    expect(audit.some((e) => e.type === 'approval:resolved' && e.source === 'grant')).toBe(false);
    // The operator says no; the hook's turn ends without writing.
    const denied = await fetch(`${d.daemon.url}/v1/approvals/${asked.id}/deny`, {
      method: 'POST',
      headers: admin(),
      body: JSON.stringify({ reason: 'not from a webhook' }),
    });
    expect(denied.status).toBe(200);
    await until(
      async () =>
        (await d.audit()).find((e) => e.type === 'tool:denied' && e.layer === 'L13' && e.sender === 'hook:gen'),
      'the denial of the hook write',
    );
    expect(existsSync(workspaceFile())).toBe(false);

    // The owner's own turn: the same call is covered by the grant and runs without a prompt.
    const res = await fetch(`${d.daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ownerToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'update the notes' }] }),
    });
    expect(res.status).toBe(200);
    expect(readFileSync(workspaceFile(), 'utf8')).toBe('written\n');
    const after = await d.audit();
    const byGrant = after.filter((e) => e.type === 'approval:resolved' && e.source === 'grant');
    expect(byGrant).toHaveLength(1);
    expect(byGrant[0]).toMatchObject({ grants: grantId, tool: 'write' });
    expect(String(byGrant[0]?.sender)).toMatch(/^token:/);
    expect(after.filter((e) => e.type === 'approval:requested')).toHaveLength(1);
  }, 60_000);
});
