/**
 * A value the owner told the agent (captured as an owner memory, stored in the session) that the operator puts into
 * the vault afterwards: L15 refuses vault values only when they are written, so the store still holds it. After a
 * restart (the value is in the leak index now) recall, the replayed session history and the memory API carry
 * `[secret:NAME]` / a redaction marker, never the value. A real daemon, the fake provider over HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { EventBus } from '../../src/core/index.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon.js';
import { openSecretStore } from '../../src/secrets/index.js';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { chatAt, startE2E, type E2E } from './support.js';

const VALUE = 'Tq7-wLk2-Zr93-pXv8-Hd4m';

let e: E2E | undefined;
let again: RunningDaemon | undefined;
afterEach(async () => {
  await again?.close();
  await e?.fake.close();
  again = undefined;
  e = undefined;
});

const chat = chatAt;

describe('a value vaulted after it was remembered', () => {
  it('is a placeholder in recall and replayed history, and redacted on the memory API', async () => {
    e = await startE2E('openai', scriptFrom([reply.text('ok'), reply.text('ok'), reply.text('ok')]), undefined, {
      owner: true,
      vault: { OTHER: 'unrelated-value-000111' },
    });
    const told = await chat(e.daemon.url, e.token, `My conference room booking reference is ${VALUE} for the year.`);
    expect(told.status).toBe(200);
    const session = told.headers.get('x-bulwark-session') ?? '';
    const admin = { authorization: `Bearer ${e.adminToken}` };
    // Captured as it was said: the value was not a vault value yet.
    expect(await (await fetch(`${e.daemon.url}/v1/memory`, { headers: admin })).text()).toContain(VALUE);
    await e.daemon.close();

    const store = openSecretStore({
      bus: new EventBus(),
      dataDir: e.dir,
      masterKeySource: { keyFile: path.join(path.dirname(e.dir), 'master.key'), create: false, dataDir: e.dir },
    });
    if (!store.ok) throw new Error(store.error.message);
    expect(store.value.set('ROOM_REF', VALUE).ok).toBe(true);
    store.value.close();
    again = await startDaemon({ dataDir: e.dir, port: 0 });

    let n = e.fake.requests.length;
    expect((await chat(again.url, e.token, 'What is my conference room booking reference?')).status).toBe(200);
    const recalled = JSON.stringify(e.fake.requests[n]);
    expect(recalled).toContain('[bulwark memory');
    expect(recalled).toContain('[secret:ROOM_REF]');
    expect(recalled).not.toContain(VALUE);

    n = e.fake.requests.length;
    expect((await chat(again.url, e.token, 'and continue please', session)).status).toBe(200);
    const replayed = e.fake.requests[n];
    expect(JSON.stringify(replayed?.messages)).toContain('booking reference is [secret:ROOM_REF]');
    expect(JSON.stringify(replayed)).not.toContain(VALUE);

    const list = await (await fetch(`${again.url}/v1/memory?all=1`, { headers: admin })).text();
    expect(list).toContain('[REDACTED:ROOM_REF]');
    const id = /mem_[0-9a-f]{24}/.exec(list)?.[0] ?? '';
    const surfaces = await Promise.all(
      [`/v1/memory/${id}`, '/v1/memory/export', '/v1/memory/search?q=conference%20room%20booking'].map(async (p) =>
        (await fetch(`${again?.url}${p}`, { headers: admin })).text(),
      ),
    );
    for (const s of [list, ...surfaces]) expect(s).not.toContain(VALUE);
    expect(surfaces.every((s) => s.includes('[REDACTED:ROOM_REF]'))).toBe(true);
  });
});
