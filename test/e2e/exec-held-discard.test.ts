/**
 * A held run's retained upper layer (L11.7) when nobody decides: the client goes away (the turn is cancelled) or the
 * daemon stops while the operator has not answered. Either way the upper layer is discarded — nothing of it stays
 * on disk under the data dir, nothing is applied — and after a cancel the workspace's write quota (L11.8) is whole
 * again for the next run.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, type FakeRequest } from '../support/fake-provider.js';
import { lastToolResultText, nextApproval, startE2E, toolResultBody, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const COMMANDS: Record<string, string> = {
  // Held (deletes a pre-existing file), about 3.5 MB in its upper layer.
  HOLD: 'rm keep.txt && head -c 3500000 /dev/zero > held.bin',
  // Fits a 6 MiB quota only when the held upper layer no longer counts.
  NEXT: 'head -c 3500000 /dev/zero > next.bin; echo rc=$?',
};
const results: Record<string, string> = {};

function script(req: FakeRequest) {
  const first = req.messages.find((m) => m.role === 'user');
  const name = String(first?.content ?? '');
  if (req.messages.at(-1)?.role === 'tool') {
    results[name] = toolResultBody(lastToolResultText(req));
    return reply.text('done');
  }
  return reply.toolCall('exec', { command: COMMANDS[name] ?? 'true' });
}

function chat(e: E2E, name: string, signal?: AbortSignal): Promise<Response> {
  return fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: name }] }),
    ...(signal ? { signal } : {}),
  });
}

/** Bytes of regular files under a directory (what retained upper layers take on disk). */
function bytesUnder(dir: string): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) n += statSync(path.join(entry.parentPath, entry.name)).size;
  return n;
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting until ${what}`);
}

async function pendingCount(e: E2E): Promise<number> {
  const res = await fetch(`${e.daemon.url}/v1/approvals`, { headers: { authorization: `Bearer ${e.adminToken}` } });
  return ((await res.json()) as { data: unknown[] }).data.length;
}

async function heldRun(): Promise<{ e: E2E; views: string; client: AbortController; held: Promise<unknown> }> {
  e2e = await startE2E('openai', script, undefined, { extraYaml: 'exec: { limits: { workspaceWriteMb: 6 } }' });
  const e = e2e;
  writeFileSync(path.join(e.workspace, 'keep.txt'), 'keep\n');
  const st = statSync(e.workspace);
  execFileSync('chown', ['-R', `${st.uid}:${st.gid}`, e.workspace]);
  const client = new AbortController();
  const held = chat(e, 'HOLD', client.signal).catch((cause: unknown) => cause);
  await nextApproval(e, 20_000);
  const views = path.join(e.dir, 'run', 'exec', 'views');
  // While the operator decides, the upper layer is on disk under the data dir.
  expect(bytesUnder(views)).toBeGreaterThanOrEqual(3_500_000);
  return { e, views, client, held };
}

describe('a held upper layer nobody decided on is discarded', () => {
  it('the client goes away: no upper left on disk, nothing applied, the quota whole again', async () => {
    const { e, views, client, held } = await heldRun();
    client.abort();
    await held;
    await until('the request is gone', async () => (await pendingCount(e)) === 0);
    await until('the upper layer is off the disk', () => bytesUnder(views) === 0);
    expect(existsSync(path.join(e.workspace, 'keep.txt'))).toBe(true);
    expect(existsSync(path.join(e.workspace, 'held.bin'))).toBe(false);
    // 3.5 MB fits the 6 MiB quota only if the held 3.5 MB no longer counts.
    expect((await chat(e, 'NEXT')).status).toBe(200);
    expect(results.NEXT).toMatch(/rc=0/);
    expect(results.NEXT).not.toMatch(/NOT changed/);
    expect(statSync(path.join(e.workspace, 'next.bin')).size).toBe(3_500_000);
  });

  it('the daemon stops: no upper left on disk, nothing applied', async () => {
    const { e, views, held } = await heldRun();
    await e.close();
    e2e = undefined;
    await held;
    await until('the upper layer is off the disk', () => bytesUnder(views) === 0);
    expect(existsSync(path.join(e.workspace, 'keep.txt'))).toBe(true);
    expect(existsSync(path.join(e.workspace, 'held.bin'))).toBe(false);
  });
});
