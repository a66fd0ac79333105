/**
 * The read path's findings taint the session (L08.1) with a reason that says where the material came from: the
 * replayed session history or the compaction summary read back, never "a tool result" it did not come from.
 */
import { describe, expect, it } from 'vitest';
import { redactingCompactionStore, redactingSessionStore } from '../../src/agent/redacting-session-store.js';
import { SqliteCompactionStore } from '../../src/agent/compaction-store.js';
import { SqliteSessionStore } from '../../src/agent/sqlite-session-store.js';
import { SecretTaint, watchSecretTaint } from '../../src/agent/egress-taint.js';
import { EventBus } from '../../src/core/events.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';

const VALUE = 'vault-value-7d1e3b5a90c24f68b1e2';
const AWS_KEY_ID = ['AKIA', '2345', 'ABCD', 'EFGH', 'JKLM'].join('');

function stores() {
  const leaks = new LeakIndex();
  const bus = new EventBus();
  const taint = new SecretTaint();
  watchSecretTaint(bus, taint);
  const db = openDatabase(':memory:');
  const inner = new SqliteSessionStore(db, ':memory:');
  const sessions = redactingSessionStore(inner, { leaks, bus });
  const compactions = redactingCompactionStore(new SqliteCompactionStore(db), { leaks, bus });
  return { leaks, taint, inner, sessions, compactions };
}

describe('the taint reason of what the read path replaced', () => {
  it('names the replayed history for a value vaulted after the message was stored', async () => {
    const s = stores();
    const id = await s.sessions.create('a', 'owner');
    await s.sessions.append(id, [{ role: 'user', content: `my door code is ${VALUE}` }]);
    s.leaks.register('DOOR_CODE', VALUE);
    await s.sessions.history(id);
    const reasons = await s.taint.reasons(id);
    expect(reasons).toEqual(['a vault value in the replayed session history']);
  });

  it('names the compaction summary for a value vaulted after the summary was stored', async () => {
    const s = stores();
    const id = await s.sessions.create('a', 'owner');
    await s.compactions.add({ sessionId: id, upto: 0, summary: `the door code is ${VALUE}`, origin: 'owner' });
    s.leaks.register('DOOR_CODE', VALUE);
    await s.compactions.latest(id);
    const reasons = await s.taint.reasons(id);
    expect(reasons).toEqual(['a vault value in the compaction summary read back']);
  });

  it('a secret format in replayed history is not called model output', async () => {
    const s = stores();
    const id = await s.sessions.create('a', 'owner');
    // Written by a store from before the scan knew the format (straight through the inner store).
    await s.inner.append(id, [{ role: 'assistant', content: `the key id is ${AWS_KEY_ID}` }]);
    const replayed = await s.sessions.history(id);
    expect(JSON.stringify(replayed)).not.toContain(AWS_KEY_ID);
    expect(await s.taint.reasons(id)).toEqual(['a secret format in the replayed session history']);
  });
});
