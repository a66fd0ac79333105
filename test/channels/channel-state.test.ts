/** What a channel keeps across restarts (SQLite), and how the channels report gate L18.1. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../../src/core/sqlite.js';
import { channelLayers, SqliteChannelStateStore } from '../../src/channels/index.js';
import { ChannelsConfigSchema } from '../../src/config/sections/channels.js';

function dbFile(): string {
  return path.join(mkdtempSync(path.join(os.tmpdir(), 'bulwark-channel-state-')), 'bulwark.db');
}

describe('channel state store', () => {
  it('keeps sessions per platform and conversation and the cursor across a reopen', async () => {
    const file = dbFile();
    const db = openDatabase(file);
    const store = new SqliteChannelStateStore(db, file);
    await store.setSession('telegram', '1:1', 'sess-a');
    await store.setSession('telegram', '2:2', 'sess-b');
    await store.setSession('telegram', '1:1', 'sess-c');
    await store.setSession('slack', '1:1', 'sess-d');
    await store.setCursor('telegram', 41);
    await store.setCursor('telegram', 42);
    closeDatabase(db);

    const again = openDatabase(file);
    const reopened = new SqliteChannelStateStore(again, file);
    expect(await reopened.session('telegram', '1:1')).toBe('sess-c');
    expect(await reopened.session('slack', '1:1')).toBe('sess-d');
    expect(await reopened.cursor('telegram')).toBe(42);
    expect(await reopened.cursor('slack')).toBeUndefined();
    await reopened.forgetSession('telegram', '1:1');
    expect(await reopened.session('telegram', '1:1')).toBeUndefined();
    expect(await reopened.session('telegram', '2:2')).toBe('sess-b');
    closeDatabase(again);
  });

  it('refuses a cursor that is not a whole number ≥ 0 and changes nothing', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteChannelStateStore(db, ':memory:');
    await store.setCursor('telegram', 7);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 60])
      await expect(store.setCursor('telegram', bad)).rejects.toThrow(/whole number/);
    expect(await store.cursor('telegram')).toBe(7);
    db.close();
  });

  it('stores hostile identifiers as well-formed text and finds them again', async () => {
    const db = openDatabase(':memory:');
    const store = new SqliteChannelStateStore(db, ':memory:');
    const conversation = `x'); DROP TABLE channel_sessions; --\u0000${'y'.repeat(10_000)}`;
    await store.setSession('telegram', conversation, 'sess\uD800');
    expect(await store.session('telegram', conversation)).toBe('sess\uFFFD');
    expect(await store.session('telegram', 'other')).toBeUndefined();
    db.close();
  });
});

describe('gate L18.1 (channel senders)', () => {
  it('is off without a channel and on, naming the users and approvers, with one', () => {
    const none = channelLayers(ChannelsConfigSchema.parse({})).layers();
    expect(none).toEqual([{ id: 'L18.1', state: 'off', reason: expect.stringContaining('channels.telegram') }]);
    const configured = ChannelsConfigSchema.parse({
      telegram: {
        botToken: { secret: 'TG' },
        agent: 'default',
        users: [{ id: 1, owner: true, approver: true }, { id: 2 }],
      },
    });
    const [report] = channelLayers(configured).layers();
    expect(report).toMatchObject({ id: 'L18.1', state: 'on' });
    expect(report?.reason).toContain('2 listed user id(s)');
    expect(report?.reason).toContain('1 approver');
    expect(report?.reason).toContain('long polling');
  });
});
