/** The session store's last step before the disk: known values, secret formats and canaries out of every field. */
import { describe, expect, it } from 'vitest';
import { redactingCompactionStore, redactingSessionStore } from '../../src/agent/redacting-session-store.js';
import { SqliteCompactionStore } from '../../src/agent/compaction-store.js';
import { SqliteSessionStore } from '../../src/agent/sqlite-session-store.js';
import { EventBus } from '../../src/core/events.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';

const AWS_KEY_ID = ['AKIA', '2345', 'ABCD', 'EFGH', 'JKLM'].join('');
const VALUE = 'vault-value-5f0c2a9e81d74b3c9a06';
const CANARY = 'CTKN_0123456789abcdef';

async function stored() {
  const leaks = new LeakIndex();
  leaks.register('DB_PASSWORD', VALUE);
  const db = openDatabase(':memory:');
  const inner = new SqliteSessionStore(db, ':memory:');
  const store = redactingSessionStore(inner, { leaks, canary: () => CANARY, bus: new EventBus() });
  const id = await store.create('a', 'owner');
  await store.append(id, [
    { role: 'user', content: `pw ${VALUE} and ${Buffer.from(VALUE).toString('base64')}` },
    {
      role: 'assistant',
      content: `key ${AWS_KEY_ID} canary ${[...CANARY].reverse().join('')}`,
      toolCalls: [{ id: `c_${CANARY}`, name: 'write', arguments: JSON.stringify({ content: VALUE }) }],
    },
    { role: 'tool', toolCallId: `c_${CANARY}`, name: 'write', content: `wrote ${VALUE}` },
  ]);
  return { history: await inner.history(id), raw: JSON.stringify(db.prepare('SELECT * FROM agent_messages').all()) };
}

describe('the redacting session store', () => {
  it('keeps placeholders for known values, [REDACTED] for formats and canaries, valid JSON arguments', async () => {
    const { history, raw } = await stored();
    expect(raw).not.toContain(VALUE);
    expect(raw).not.toContain(Buffer.from(VALUE).toString('base64'));
    expect(raw).not.toContain(AWS_KEY_ID);
    expect(raw).not.toContain(CANARY);
    expect(raw).not.toContain([...CANARY].reverse().join(''));
    expect(history[0]).toEqual({ role: 'user', content: 'pw [secret:DB_PASSWORD] and [secret:DB_PASSWORD]' });
    const assistant = history[1];
    expect(assistant?.role === 'assistant' && assistant.content).toBe('key [REDACTED] canary [REDACTED]');
    const args = assistant?.role === 'assistant' ? assistant.toolCalls?.[0]?.arguments : undefined;
    expect(JSON.parse(args ?? '')).toEqual({ content: '[secret:DB_PASSWORD]' });
    expect(history[2]).toMatchObject({ role: 'tool', content: 'wrote [secret:DB_PASSWORD]' });
  });
});

describe('what the redacting stores give back for a turn', () => {
  it('a value that joined the leak index after it was stored comes back as its placeholder', async () => {
    const leaks = new LeakIndex();
    const db = openDatabase(':memory:');
    const store = redactingSessionStore(new SqliteSessionStore(db, ':memory:'), { leaks, bus: new EventBus() });
    const compactions = redactingCompactionStore(new SqliteCompactionStore(db), { leaks, bus: new EventBus() });
    const id = await store.create('a', 'owner');
    await store.append(id, [
      { role: 'user', content: `my door code is ${VALUE}` },
      { role: 'assistant', content: 'ok', toolCalls: [{ id: 'c1', name: 'write', arguments: `{"t":"${VALUE}"}` }] },
    ]);
    await compactions.add({ sessionId: id, upto: 0, summary: `the door code is ${VALUE}`, origin: 'owner' });
    leaks.register('DOOR_CODE', VALUE);
    const replayed = JSON.stringify([await store.history(id), await compactions.latest(id)]);
    expect(replayed).not.toContain(VALUE);
    expect(replayed).toContain('my door code is [secret:DOOR_CODE]');
    expect(replayed).toContain('the door code is [secret:DOOR_CODE]');
  });
});
