/**
 * L27 → L13 through the daemon: a destructive tool call waits for an operator decision taken over
 * the gateway's /v1/approvals API (admin scope); shutdown denies whatever is still pending.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type FakeRequest } from '../support/fake-provider.js';
import { decide, lastToolResultText, nextApproval, startE2E, toolResultBody, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

/** Emptying a file asks even with the undo journal; an overwrite with content is journaled instead (below). */
const overwrite = (content = '') =>
  scriptFrom([
    reply.toolCall('write', { path: 'keep.txt', content }),
    (req: FakeRequest) => reply.text(`tool said: ${toolResultBody(lastToolResultText(req))}`),
  ]);

function seed(e: E2E): void {
  mkdirSync(e.workspace, { recursive: true });
  writeFileSync(path.join(e.workspace, 'keep.txt'), 'original');
}

function chat(e: E2E): Promise<string> {
  const client = new OpenAI({ baseURL: `${e.daemon.url}/v1`, apiKey: e.token, maxRetries: 0 });
  return client.chat.completions
    .create({ model: 'default', messages: [{ role: 'user', content: 'overwrite keep.txt' }] })
    .then((r) => r.choices[0]?.message.content ?? '');
}

describe('approvals through the daemon', () => {
  it('emptying a file waits for the operator; approved, it runs', async () => {
    e2e = await startE2E('openai', overwrite());
    seed(e2e);
    const answer = chat(e2e);
    const pending = await nextApproval(e2e);
    expect(pending.view.classes).toContain('destructive');
    expect(pending.view.reasons.join(' ')).toContain('keep.txt');
    expect(readFileSync(path.join(e2e.workspace, 'keep.txt'), 'utf8')).toBe('original');
    expect((await decide(e2e, pending.id, 'approve')).status).toBe(200);
    expect(await answer).not.toContain('error');
    expect(readFileSync(path.join(e2e.workspace, 'keep.txt'), 'utf8')).toBe('');
  });

  it('an overwrite the undo journal keeps asks nobody, and the journal can undo it', async () => {
    e2e = await startE2E('openai', overwrite('replaced'));
    seed(e2e);
    expect(await chat(e2e)).toMatch(/^tool said: overwrote keep\.txt/);
    expect(readFileSync(path.join(e2e.workspace, 'keep.txt'), 'utf8')).toBe('replaced');
    const audit = await e2e.audit();
    expect(audit.filter((a) => a.type === 'approval:requested')).toEqual([]);
    const auth = { authorization: `Bearer ${e2e.adminToken}` };
    const undo = await fetch(`${e2e.daemon.url}/v1/workspaces/default/undo`, { method: 'POST', headers: auth });
    expect(undo.status).toBe(200);
    expect(readFileSync(path.join(e2e.workspace, 'keep.txt'), 'utf8')).toBe('original');
  });

  it('denied, it does not run', async () => {
    e2e = await startE2E('anthropic', overwrite());
    seed(e2e);
    const answer = chat(e2e);
    const pending = await nextApproval(e2e);
    expect((await decide(e2e, pending.id, 'deny')).status).toBe(200);
    expect(await answer).toMatch(/^tool said: error: /);
    expect(readFileSync(path.join(e2e.workspace, 'keep.txt'), 'utf8')).toBe('original');
  });

  it('scopes keep the two sides apart: a chat token cannot decide, an admin token cannot chat', async () => {
    e2e = await startE2E('openai', overwrite());
    const asChat = await fetch(`${e2e.daemon.url}/v1/approvals`, { headers: { authorization: `Bearer ${e2e.token}` } });
    expect(asChat.status).toBe(403);
    const asAdmin = await fetch(`${e2e.daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e2e.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(asAdmin.status).toBe(403);
    expect((await e2e.audit()).filter((a) => a.type === 'auth:denied').map((a) => a.route)).toEqual([
      '/v1/approvals',
      '/v1/chat/completions',
    ]);
  });

  it('shutdown denies what is pending and does not hang', async () => {
    e2e = await startE2E('openai', overwrite());
    seed(e2e);
    const answer = chat(e2e).then(
      (text) => ({ text }),
      (error: unknown) => ({ error }),
    );
    await nextApproval(e2e);
    const e = e2e;
    e2e = undefined;
    await e.close();
    await answer;
    expect(readFileSync(path.join(e.workspace, 'keep.txt'), 'utf8')).toBe('original');
    const types = (await e.audit()).map((a) => a.type);
    expect(types.at(-1)).toBe('daemon:stopped');
    expect(types).not.toContain('tool:executed');
  });

  it('reports the wired layers on', async () => {
    e2e = await startE2E('openai', overwrite());
    const on = e2e.daemon.layers.filter((l) => l.state === 'on').map((l) => l.id);
    expect(on).toEqual(
      expect.arrayContaining([
        'L01',
        'L02',
        'L03',
        'L04',
        'L05',
        'L09',
        'L12',
        'L13',
        'L17',
        'L18',
        'L21',
        'L22',
        'L23',
        'L26',
        'L27',
      ]),
    );
  });
});
