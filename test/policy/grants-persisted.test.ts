/**
 * Grants in SQLite: "approve for N minutes" on a pending request (POST /v1/approvals/:id/grant) approves it and makes
 * a grant of its own scope; the grant survives a daemon restart (listed, still covering), lapses at its expiry, and a
 * revocation is persisted too.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon.js';
import { ScopedGrants } from '../../src/policy/grants.js';
import { SqliteGrantStore } from '../../src/policy/sqlite-grant-store.js';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { nextApproval, startE2E, tempDataDir, type E2E } from '../e2e/support.js';

let e2e: E2E | undefined;
let restarted: RunningDaemon | undefined;
afterEach(async () => {
  await restarted?.close();
  restarted = undefined;
  await e2e?.close();
  e2e = undefined;
});

describe('persisted grants', () => {
  it('restore brings back live grants only; revocations and use counts are kept', async () => {
    const file = path.join(tempDataDir(), 'grants.db');
    let now = 1_800_000_000_000;
    const open = () => {
      const db = openDatabase(file);
      return {
        db,
        grants: new ScopedGrants(
          new EventBus(),
          () => '/ws',
          () => now,
          new SqliteGrantStore(db, file),
        ),
      };
    };
    const a = open();
    const short = a.grants.create({ agentId: 'a', scope: { executable: 'git' }, minutes: 5 }, 'op');
    const long = a.grants.create({ agentId: 'a', scope: { hosts: ['github.com'] }, minutes: 60 }, 'op');
    const revoked = a.grants.create({ agentId: 'a', scope: { paths: ['src/**'] }, minutes: 60 }, 'op');
    if (!short.ok || !long.ok || !revoked.ok) throw new Error('grant not created');
    a.grants.used([long.value]);
    a.grants.revoke(revoked.value.id, 'op');
    await a.grants.flush();
    a.db.close();

    now += 10 * 60_000;
    const b = open();
    expect(await b.grants.restore()).toBe(1);
    expect(b.grants.list()).toEqual([expect.objectContaining({ id: long.value.id, uses: 1, by: 'op' })]);
    now += 60 * 60_000;
    b.db.close();
    const c = open();
    expect(await c.grants.restore()).toBe(0);
    c.db.close();
  });

  it('approve for N minutes over the API, then a restart: the grant is listed and still covers the effect', async () => {
    e2e = await startE2E(
      'openai',
      scriptFrom([
        reply.toolCall('write', { path: 'keep.txt', content: '' }),
        reply.text('first'),
        reply.toolCall('write', { path: 'keep.txt', content: '' }),
        reply.text('second'),
      ]),
      undefined,
      { owner: true },
    );
    const e = e2e;
    mkdirSync(e.workspace, { recursive: true });
    writeFileSync(path.join(e.workspace, 'keep.txt'), 'original');
    const chat = (daemonUrl: string) =>
      fetch(`${daemonUrl}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'empty keep.txt' }] }),
      }).then((r) => r.json() as Promise<{ choices: Array<{ message: { content: string } }> }>);
    const admin = { authorization: `Bearer ${e.adminToken}`, 'content-type': 'application/json' };
    const first = chat(e.daemon.url);
    const pending = await nextApproval(e);
    const shown = (await (await fetch(`${e.daemon.url}/v1/approvals/${pending.id}`, { headers: admin })).json()) as {
      effectHash: string;
    };
    const wrong = await fetch(`${e.daemon.url}/v1/approvals/${pending.id}/grant`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ effectHash: '0'.repeat(64), minutes: 10 }),
    });
    expect(wrong.status).toBe(409);
    const granted = await fetch(`${e.daemon.url}/v1/approvals/${pending.id}/grant`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ effectHash: shown.effectHash, minutes: 10, reason: 'reviewed' }),
    });
    expect(granted.status).toBe(200);
    const body = (await granted.json()) as { approval: { status: string }; grant: { id: string; scope: unknown } };
    expect(body.approval.status).toBe('approved');
    expect(body.grant.scope).toEqual({ paths: ['keep.txt'] });
    expect((await first).choices[0]?.message.content).toBe('first');

    await e.daemon.close();
    restarted = await startDaemon({ dataDir: e.dir, port: 0 });
    const listed = (await (await fetch(`${restarted.url}/v1/approvals/grants`, { headers: admin })).json()) as {
      data: Array<{ id: string }>;
    };
    expect(listed.data.map((g) => g.id)).toEqual([body.grant.id]);
    writeFileSync(path.join(e.workspace, 'keep.txt'), 'again');
    expect((await chat(restarted.url)).choices[0]?.message.content).toBe('second');
    expect(readFileSync(path.join(e.workspace, 'keep.txt'), 'utf8')).toBe('');
    const revoke = await fetch(`${restarted.url}/v1/approvals/grants/${body.grant.id}`, {
      method: 'DELETE',
      headers: admin,
    });
    expect(revoke.status).toBe(200);
    await restarted.close();
    restarted = await startDaemon({ dataDir: e.dir, port: 0 });
    const after = (await (await fetch(`${restarted.url}/v1/approvals/grants`, { headers: admin })).json()) as {
      data: unknown[];
    };
    expect(after.data).toEqual([]);
    // The e2e handle must not close the first daemon twice.
    e2e = { ...e, close: () => e.fake.close() };
  });
});
