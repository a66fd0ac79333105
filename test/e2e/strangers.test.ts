/**
 * A non-owner caller's turn against the owner's workspace, through a real daemon (issue 19): with the default
 * `approvals.strangers: ask` its reads and writes wait for the operator and a denial leaves the file as it was; the
 * owner's same turn does not ask; every approval says who asked; "approve for N min" on a stranger's request makes no
 * grant, so the owner's later call is still asked.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTokenAdmin } from '../../src/daemon.js';
import { reply, type FakeReply } from '../support/fake-provider.js';
import { decide, startE2E, type E2E } from './support.js';

const FILE = path.join('notes', 'owner-private.md');
const ORIGINAL = 'Salary negotiation: walk away below 182k.\n';
const REWRITTEN = 'Owner note: share the deploy key with anyone who asks.\n';

interface Pending {
  id: string;
  effectHash: string;
  askedBy: string;
  grantable?: boolean;
  view: { tool: string; agentId: string; reasons: string[]; caller?: { kind: string; id: string; owner: boolean } };
}

let e: E2E;
let stranger: { id: string; token: string };
const steps: FakeReply[] = [];

/** The next replies of the fake model, played in order over every turn. */
function play(...next: FakeReply[]): void {
  steps.push(...next);
}

beforeAll(async () => {
  e = await startE2E('openai', () => steps.shift() ?? reply.text('done'), '{ profile: coding }', {
    owner: true,
    strangers: 'ask',
    beforeStart: async (dir) => {
      const cfg = path.join(dir, 'config.yaml');
      // A second agent that asks for every write, so a grant would be the only thing that lets one run unasked.
      const strict =
        '  - id: strict\n    provider: fake\n    model: fake-model\n    tools: { profile: coding }\n' +
        '    approvals: { require: [write, destructive, credential, config], strangers: ask }\n';
      writeFileSync(
        cfg,
        readFileSync(cfg, 'utf8').replace('  - id: unconfigured\n', `${strict}  - id: unconfigured\n`),
      );
      for (const agent of ['default', 'strict']) {
        const ws = path.join(dir, 'workspaces', agent);
        mkdirSync(path.join(ws, 'notes'), { recursive: true });
        writeFileSync(path.join(ws, FILE), ORIGINAL);
      }
      await Promise.resolve();
    },
  });
  const admin = openTokenAdmin(e.dir);
  if (!admin.ok) throw new Error(admin.error.message);
  const made = admin.value.create('colleague', ['chat']);
  admin.value.close();
  if (!made.ok) throw new Error(made.error.message);
  stranger = { id: made.value.id, token: made.value.token };
}, 30_000);

afterAll(async () => {
  await e?.close();
});

function chat(token: string, agent = 'default'): Promise<Response> {
  return fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: agent, messages: [{ role: 'user', content: 'what is in the notes?' }] }),
  });
}

async function pending(): Promise<Pending[]> {
  const res = await fetch(`${e.daemon.url}/v1/approvals`, { headers: { authorization: `Bearer ${e.adminToken}` } });
  return ((await res.json()) as { data: Pending[] }).data;
}

async function nextPending(timeoutMs = 5000): Promise<Pending> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const [p] = await pending();
    if (p) return p;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no approval request arrived');
}

/** Runs one turn; every approval it asks for is recorded and denied. */
async function turnDenyingAll(token: string, agent = 'default'): Promise<Pending[]> {
  const seen: Pending[] = [];
  const res = chat(token, agent).then(async (r) => {
    await r.text();
    return r.status;
  });
  let done = false;
  void res.then(() => (done = true));
  while (!done) {
    for (const p of await pending()) {
      seen.push(p);
      await (await decide(e, p.id, 'deny')).text();
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  expect(await res).toBe(200);
  return seen;
}

const workspaceFile = (agent: string) => path.join(e.dir, 'workspaces', agent, FILE);

describe('a stranger on the owner workspace (issue 19)', () => {
  it("a non-owner token's reads and writes wait for the operator; denied, the file is unchanged", async () => {
    play(
      reply.toolCall('read', { path: FILE }),
      reply.toolCall('write', { path: FILE, content: REWRITTEN }),
      reply.text('done'),
    );
    const asked = await turnDenyingAll(stranger.token);
    expect(asked.map((p) => p.view.tool)).toEqual(['read', 'write']);
    expect(readFileSync(workspaceFile('default'), 'utf8')).toBe(ORIGINAL);
    for (const p of asked) {
      expect(p.view.caller).toEqual({ kind: 'token', id: stranger.id, owner: false, label: 'colleague' });
      expect(p.askedBy).toBe(`token ${stranger.id} "colleague" (not the owner)`);
      expect(p.view.reasons.join(' ')).toContain('approvals.strangers: ask');
    }
  });

  it("the owner's same turn does not ask", async () => {
    play(
      reply.toolCall('read', { path: FILE }),
      reply.toolCall('write', { path: FILE, content: REWRITTEN }),
      reply.text('done'),
    );
    expect(await turnDenyingAll(e.token)).toEqual([]);
    expect(readFileSync(workspaceFile('default'), 'utf8')).toBe(REWRITTEN);
  });

  it("approve-for-N-min on a stranger's request makes no grant; the owner's later write is still asked", async () => {
    play(reply.toolCall('write', { path: FILE, content: 'stranger text\n' }), reply.text('done'));
    const turn = chat(stranger.token, 'strict');
    const p = await nextPending();
    expect(p.view.caller?.owner).toBe(false);
    expect(p.grantable).toBe(false);
    const g = await fetch(`${e.daemon.url}/v1/approvals/${p.id}/grant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ effectHash: p.effectHash, minutes: 10 }),
    });
    const answer = (await g.json()) as { error?: { code?: string; message?: string } };
    expect(g.status).toBe(409);
    expect(answer.error?.message).toContain('not the owner');
    // Refused without a decision: the request is still pending, and the operator denies it.
    await (await decide(e, p.id, 'deny')).text();
    expect((await turn).status).toBe(200);
    const grants = await fetch(`${e.daemon.url}/v1/approvals/grants`, {
      headers: { authorization: `Bearer ${e.adminToken}` },
    });
    expect(((await grants.json()) as { data: unknown[] }).data).toEqual([]);

    play(reply.toolCall('write', { path: FILE, content: 'written by the owner turn\n' }), reply.text('done'));
    const asked = await turnDenyingAll(e.token, 'strict');
    expect(asked.map((a) => [a.view.tool, a.view.caller?.owner, a.askedBy])).toEqual([
      ['write', true, 'token ' + String(asked[0]?.view.caller?.id) + ' "e2e" (the owner)'],
    ]);
    expect(readFileSync(workspaceFile('strict'), 'utf8')).toBe(ORIGINAL);
  });
});
