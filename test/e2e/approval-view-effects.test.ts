/**
 * One approval view shape (issue 13 item 6), through the daemon: a held exec run with more changes than the view
 * lists says how many there are and that the effect hash covers them all (API and `bulwark approvals show`), and a
 * write that asks the operator (a host-executed file, L11.7) carries its change in the same `effects` shape, its
 * diff kept at the top level as before.
 */
import { execFileSync } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderApproval } from '../../src/cli/commands/approvals.js';
import { reply, type FakeRequest } from '../support/fake-provider.js';
import { decide, nextApproval, startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const CALLS: Record<string, { tool: string; args: Record<string, unknown> }> = {
  // Held (deletes a pre-existing file), 1 deletion and 250 new files.
  // Every path spelled out: L27 asks about the text of a substitution or a variable target before anything runs.
  MANY: {
    tool: 'exec',
    args: {
      command: `rm keep.txt && touch ${Array.from({ length: 250 }, (_, i) => `f${i + 1}.txt`).join(' ')}`,
    },
  },
  ENVRC: { tool: 'write', args: { path: '.envrc', content: 'export A=1\n' } },
};

function script(req: FakeRequest) {
  const name = String(req.messages.find((m) => m.role === 'user')?.content ?? '');
  if (req.messages.at(-1)?.role === 'tool') return reply.text('done');
  const call = CALLS[name];
  return call ? reply.toolCall(call.tool, call.args) : reply.text('nothing');
}

function chat(e: E2E, name: string): Promise<Response> {
  return fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: name }] }),
  });
}

interface Shown {
  id: string;
  effectHash: string;
  effects: Array<{ path: string; change: string; bytes: number; diff?: string }>;
  effectsTotal: number;
  effectsNote?: string;
  view: { diff?: string; effects?: unknown[]; effectsTotal?: number; reason?: string };
}

async function shown(e: E2E, id: string): Promise<Shown> {
  const res = await fetch(`${e.daemon.url}/v1/approvals/${id}`, {
    headers: { authorization: `Bearer ${e.adminToken}` },
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Shown;
}

describe('the approval view', () => {
  it('a held run with more changes than listed says how many, and that the hash covers them all', async () => {
    e2e = await startE2E('openai', script);
    const e = e2e;
    writeFileSync(path.join(e.workspace, 'keep.txt'), 'keep\n');
    const st = statSync(e.workspace);
    execFileSync('chown', ['-R', `${st.uid}:${st.gid}`, e.workspace]);
    const done = chat(e, 'MANY');
    const p = await shown(e, (await nextApproval(e, 30_000)).id);
    expect(p.effects).toHaveLength(200);
    expect(p.effectsTotal).toBe(251);
    expect(p.effectsNote).toBe('200 of 251 changes shown; the effect hash covers all 251');
    expect(p.view.effectsTotal).toBe(251);
    expect(p.view.reason).toMatch(/51 more changes not listed; the effect hash covers all 251/);
    const text = renderApproval(p as unknown as Parameters<typeof renderApproval>[0]);
    expect(text).toContain('changes    200 of 251 shown; the effect hash covers all 251');
    expect((await decide(e, p.id, 'deny')).status).toBe(200);
    await (await done).text();
  });

  it('a write that asks the operator carries its change in the effects shape, its diff still at the top level', async () => {
    e2e = await startE2E('openai', script);
    const e = e2e;
    const done = chat(e, 'ENVRC');
    const p = await shown(e, (await nextApproval(e, 30_000)).id);
    expect(p.effects).toEqual([
      { path: '.envrc', change: 'created', bytes: 11, diff: expect.stringContaining('+export A=1') as string },
    ]);
    expect(p.effectsTotal).toBe(1);
    expect(p.effectsNote).toBeUndefined();
    expect(p.view.diff).toContain('+export A=1');
    expect(p.view.effects).toEqual(p.effects);
    const text = renderApproval(p as unknown as Parameters<typeof renderApproval>[0]);
    expect(text).toMatch(/\nchanges\n {2}created {2}\.envrc 11 bytes\n/);
    expect((await decide(e, p.id, 'deny')).status).toBe(200);
    await (await done).text();
  });
});
