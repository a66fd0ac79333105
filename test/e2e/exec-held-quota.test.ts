/**
 * L11.8 with held runs, through the daemon: a held run's upper layer stays on disk while the operator decides, so
 * it counts toward the workspace's write quota. A scripted model parks held runs from several chats; the next run
 * gets only what is left (ENOSPC past it, discarded), then none (refused, naming the held runs); once the operator
 * decides, the full quota is back.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, type FakeRequest } from '../support/fake-provider.js';
import { decide, lastToolResultText, startE2E, toolResultBody, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

/** Each chat's one command, chosen by the chat's user message; the tool result is kept under the same name. */
const COMMANDS: Record<string, string> = {
  // Held (deletes a pre-existing file), about 2.9 MiB in its upper layer.
  A: 'rm a-keep.txt && head -c 3000000 /dev/zero > a.bin',
  // Fits a fresh 6 MiB quota, not what held A leaves.
  C: 'head -c 3500000 /dev/zero > c.bin; echo rc=$?',
  // Held as well, about 2.4 MiB.
  B: 'rm b-keep.txt && head -c 2500000 /dev/zero > b.bin',
  // Nothing left with A and B held.
  D: 'echo hi > d.txt',
  // After the operator decided: the whole quota again.
  E: 'head -c 3500000 /dev/zero > e.bin',
};
const results: Record<string, string> = {};

function script(req: FakeRequest) {
  const first = req.messages.find((m) => m.role === 'user');
  const name = String(first?.content ?? '');
  const last = req.messages.at(-1);
  if (last?.role === 'tool') {
    results[name] = toolResultBody(lastToolResultText(req));
    return reply.text('done');
  }
  return reply.toolCall('exec', { command: COMMANDS[name] ?? 'true' });
}

function chat(e: E2E, name: string): Promise<string> {
  const client = new OpenAI({ baseURL: `${e.daemon.url}/v1`, apiKey: e.token, maxRetries: 0 });
  return client.chat.completions
    .create({ model: 'default', messages: [{ role: 'user', content: name }] })
    .then((r) => r.choices[0]?.message.content ?? '');
}

async function pending(e: E2E, count: number): Promise<Array<{ id: string; layer: string }>> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const res = await fetch(`${e.daemon.url}/v1/approvals`, { headers: { authorization: `Bearer ${e.adminToken}` } });
    const list = (await res.json()) as { data: Array<{ id: string; layer: string }> };
    if (list.data.length >= count) return list.data;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`fewer than ${count} approval requests arrived`);
}

describe('held runs count toward the write quota (L11.8)', () => {
  it('the next run gets only what held upper layers leave, none when they take it all, and all once decided', async () => {
    e2e = await startE2E('openai', script, undefined, {
      extraYaml: 'exec: { limits: { workspaceWriteMb: 6 } }',
    });
    const e = e2e;
    const ws = e.workspace;
    writeFileSync(path.join(ws, 'a-keep.txt'), 'a\n');
    writeFileSync(path.join(ws, 'b-keep.txt'), 'b\n');
    const st = statSync(ws);
    execFileSync('chown', ['-R', `${st.uid}:${st.gid}`, ws]);

    const a = chat(e, 'A');
    await pending(e, 1);
    // 3.5 MB fits 6 MiB, but not the 6 MiB less A's 2.9 MiB kept while the operator decides.
    await chat(e, 'C');
    expect(results.C).toMatch(/No space left on device/);
    expect(results.C).toMatch(/NOT changed — quota \(L11\.8\)/);
    expect(existsSync(path.join(ws, 'c.bin'))).toBe(false);

    const b = chat(e, 'B');
    const held = await pending(e, 2);
    expect(held.map((h) => h.layer)).toEqual(['L11.7', 'L11.7']);
    await chat(e, 'D');
    expect(results.D).toMatch(/L11\.8/);
    expect(results.D).toMatch(/taken by 2 held runs waiting for the operator/);
    expect(results.D).toContain('rm a-keep.txt');
    expect(results.D).toContain('rm b-keep.txt');
    expect(existsSync(path.join(ws, 'd.txt'))).toBe(false);

    // One denied, one approved: neither counts any more.
    const [first, second] = held;
    expect((await decide(e, first?.id ?? '', 'deny')).status).toBe(200);
    expect((await decide(e, second?.id ?? '', 'approve')).status).toBe(200);
    await Promise.all([a, b]);
    await chat(e, 'E');
    expect(results.E).not.toMatch(/NOT changed/);
    expect(statSync(path.join(ws, 'e.bin')).size).toBe(3_500_000);

    const blocked = (await e.audit()).filter((x) => x.type === 'security:blocked' && x.layer === 'L11.8');
    expect(blocked.length).toBeGreaterThanOrEqual(2);
  });
});
