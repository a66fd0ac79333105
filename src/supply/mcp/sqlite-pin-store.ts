/** The embedded McpPinStore: one row per approved tool in SQLite (bulwark.db, room 'mcp'). */
import type { Statement } from 'better-sqlite3';
import { migrate, sqliteCall, type Db, wellFormed } from '../../core/index.js';
import type { McpPinStore, McpToolPin } from './pin-store.js';

const MIGRATIONS = [
  `CREATE TABLE mcp_tool_pins (
     server TEXT NOT NULL,
     tool TEXT NOT NULL,
     pin TEXT NOT NULL CHECK (length(pin) = 64),
     description TEXT NOT NULL,
     approved_at INTEGER NOT NULL,
     PRIMARY KEY (server, tool)
   );`,
];

interface Row {
  server: string;
  tool: string;
  pin: string;
  description: string;
  approved_at: number;
}

export class SqliteMcpPinStore implements McpPinStore {
  private readonly select: Statement;
  private readonly remove: Statement;
  private readonly insert: Statement;

  /** `file` names the database in errors. */
  constructor(
    private readonly db: Db,
    private readonly file: string,
  ) {
    migrate(db, 'mcp', MIGRATIONS);
    this.select = db.prepare('SELECT server, tool, pin, description, approved_at FROM mcp_tool_pins WHERE server = ?');
    this.remove = db.prepare('DELETE FROM mcp_tool_pins WHERE server = ?');
    this.insert = db.prepare(
      'INSERT INTO mcp_tool_pins (server, tool, pin, description, approved_at) VALUES (?, ?, ?, ?, ?)',
    );
  }

  pins(server: string): Promise<Map<string, McpToolPin>> {
    return sqliteCall(this.file, () => {
      const rows = this.select.all(server) as Row[];
      return new Map(
        rows.map((r) => [
          r.tool,
          { server: r.server, tool: r.tool, pin: r.pin, description: r.description, approvedAt: r.approved_at },
        ]),
      );
    });
  }

  replace(server: string, pins: readonly McpToolPin[]): Promise<void> {
    return sqliteCall(this.file, () =>
      this.db.transaction(() => {
        this.remove.run(server);
        for (const p of pins)
          this.insert.run(server, wellFormed(p.tool), p.pin, wellFormed(p.description), Math.floor(p.approvedAt));
      })(),
    );
  }

  forget(server: string): Promise<number> {
    return sqliteCall(this.file, () => this.remove.run(server).changes);
  }
}
