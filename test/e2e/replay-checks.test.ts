/**
 * The replayed history is the read path of the session store: what it replaces is audited like the write side,
 * and it is checked for secret formats and canaries as well as vault values. A session whose stored text predates
 * the checks (a value vaulted since, an AWS key id and a canary-shaped token written into the store as an older
 * version or another tool left them) is continued after a restart: the model sees placeholders and [REDACTED], the
 * audit names what was replaced and holds none of the values. A real daemon, the fake provider over HTTP.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/index.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { startDaemon, type RunningDaemon } from '../../src/daemon.js';
import { openSecretStore } from '../../src/secrets/index.js';
import { DB_FILE } from '../../src/stores.js';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { chatAt, startE2E, type E2E } from './support.js';

const VALUE = 'Lk4-9QzR-7mWp-2vXc';
const AWS_KEY_ID = ['AKIA', 'Q3ZX', 'LM7P', 'R2TW', 'BXKD'].join('');
const CANARY_LIKE = ['CTKN', '_', '9f8e7d6c5b4a3921'].join('');

let e: E2E | undefined;
let again: RunningDaemon | undefined;
afterEach(async () => {
  await again?.close();
  await e?.fake.close();
  again = undefined;
  e = undefined;
});

const chat = chatAt;

describe('the replayed history', () => {
  it('is checked for vault values, secret formats and canaries, and what it replaced is audited', async () => {
    e = await startE2E('openai', scriptFrom([reply.text('noted'), reply.text('ok')]), undefined, {
      owner: true,
      vault: { OTHER: 'unrelated-value-000111' },
    });
    const told = await chat(e.daemon.url, e.token, `Note for later: the locker code is ${VALUE}.`);
    expect(told.status).toBe(200);
    const session = told.headers.get('x-bulwark-session') ?? '';
    expect(session).toMatch(/^ses_/);
    await e.daemon.close();

    // The value joins the vault; the stored answer holds what a store written before the format checks could.
    const store = openSecretStore({
      bus: new EventBus(),
      dataDir: e.dir,
      masterKeySource: { keyFile: path.join(path.dirname(e.dir), 'master.key'), create: false, dataDir: e.dir },
    });
    if (!store.ok) throw new Error(store.error.message);
    expect(store.value.set('LOCKER_CODE', VALUE).ok).toBe(true);
    store.value.close();
    const db = openDatabase(path.join(e.dir, DB_FILE));
    const changed = db
      .prepare("UPDATE agent_messages SET content = ? WHERE session_id = ? AND role = 'assistant'")
      .run(`noted; key ${AWS_KEY_ID}, marker ${CANARY_LIKE}`, session);
    db.close();
    expect(changed.changes).toBe(1);

    again = await startDaemon({ dataDir: e.dir, port: 0 });
    const n = e.fake.requests.length;
    expect((await chat(again.url, e.token, 'and continue please', session)).status).toBe(200);
    const replayed = JSON.stringify(e.fake.requests[n]?.messages);
    expect(replayed).toContain('the locker code is [secret:LOCKER_CODE]');
    expect(replayed).toContain('noted; key [REDACTED], marker [REDACTED]');
    for (const v of [VALUE, AWS_KEY_ID, CANARY_LIKE]) expect(replayed).not.toContain(v);

    await again.flushAudit();
    const text = readFileSync(path.join(e.dir, 'audit.jsonl'), 'utf8');
    for (const v of [VALUE, AWS_KEY_ID, CANARY_LIKE]) expect(text).not.toContain(v);
    const replay = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.where === 'replay' && l.sessionId === session);
    expect(replay).toContainEqual(
      expect.objectContaining({
        type: 'security:secret_placeholder',
        layer: 'L23',
        secretNames: ['LOCKER_CODE'],
        count: 1,
      }),
    );
    expect(replay).toContainEqual(
      expect.objectContaining({ type: 'security:output_finding', layer: 'L02', kind: 'secret_format' }),
    );
    expect(replay).toContainEqual(expect.objectContaining({ type: 'security:output_finding', layer: 'L17' }));
  });
});
