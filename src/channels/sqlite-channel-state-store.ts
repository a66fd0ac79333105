/** The embedded ChannelStateStore: two small tables in bulwark.db (room 'channels'). */
import type { Statement } from 'better-sqlite3';
import { migrate, sqliteCall, type Db, wellFormed } from '../core/index.js';
import type { ChannelStateStore } from './channel-state-store.js';

const MIGRATIONS = [
  `CREATE TABLE channel_sessions (
     platform TEXT NOT NULL,
     conversation TEXT NOT NULL,
     session_id TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (platform, conversation)
   );
   CREATE TABLE channel_cursors (
     platform TEXT PRIMARY KEY,
     cursor INTEGER NOT NULL CHECK (cursor >= 0)
   );`,
];

export class SqliteChannelStateStore implements ChannelStateStore {
  private readonly selectSession: Statement;
  private readonly upsertSession: Statement;
  private readonly deleteSession: Statement;
  private readonly selectCursor: Statement;
  private readonly upsertCursor: Statement;

  /** `file` names the database in errors. */
  constructor(
    db: Db,
    private readonly file: string,
    private readonly clock: () => number = Date.now,
  ) {
    migrate(db, 'channels', MIGRATIONS);
    this.selectSession = db.prepare('SELECT session_id FROM channel_sessions WHERE platform = ? AND conversation = ?');
    this.upsertSession = db.prepare(
      `INSERT INTO channel_sessions (platform, conversation, session_id, updated_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (platform, conversation) DO UPDATE SET session_id = excluded.session_id, updated_at = excluded.updated_at`,
    );
    this.deleteSession = db.prepare('DELETE FROM channel_sessions WHERE platform = ? AND conversation = ?');
    this.selectCursor = db.prepare('SELECT cursor FROM channel_cursors WHERE platform = ?');
    this.upsertCursor = db.prepare(
      'INSERT INTO channel_cursors (platform, cursor) VALUES (?, ?) ON CONFLICT (platform) DO UPDATE SET cursor = excluded.cursor',
    );
  }

  session(platform: string, conversation: string): Promise<string | undefined> {
    return sqliteCall(this.file, () => {
      const row = this.selectSession.get(platform, conversation) as { session_id: string } | undefined;
      return row?.session_id;
    });
  }

  setSession(platform: string, conversation: string, sessionId: string): Promise<void> {
    return sqliteCall(this.file, () => {
      this.upsertSession.run(wellFormed(platform), wellFormed(conversation), wellFormed(sessionId), this.clock());
    });
  }

  forgetSession(platform: string, conversation: string): Promise<void> {
    return sqliteCall(this.file, () => {
      this.deleteSession.run(platform, conversation);
    });
  }

  cursor(platform: string): Promise<number | undefined> {
    return sqliteCall(this.file, () => {
      const row = this.selectCursor.get(platform) as { cursor: number } | undefined;
      return row?.cursor;
    });
  }

  setCursor(platform: string, cursor: number): Promise<void> {
    return sqliteCall(this.file, () => {
      if (!Number.isSafeInteger(cursor) || cursor < 0)
        throw new RangeError(`cursor ${cursor} is not a whole number ≥ 0`);
      this.upsertCursor.run(wellFormed(platform), cursor);
    });
  }
}
