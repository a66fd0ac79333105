/** What the MCP tests share: an exec service (real bwrap, no parked sandboxes) to start servers in, and a pin store. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ExecConfigSchema } from '../../src/config/sections/exec.js';
import { EventBus } from '../../src/core/events.js';
import { openSqliteStore } from '../../src/core/sqlite.js';
import { ensureSandboxUser } from '../../src/exec/sandbox-user.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import { SqliteMcpPinStore } from '../../src/supply/mcp/sqlite-pin-store.js';

/** Starts an exec service (as root: with the sandbox user) whose runtime dir is under `root` (a new temporary dir when not given). */
export function startMcpExec(root = mkdtempSync(path.join(tmpdir(), 'bulwark-mcp-x-'))): ExecService {
  // What `bulwark init` does on a root host: servers then run as the sandbox user, never as host root.
  if (process.getuid?.() === 0) {
    const made = ensureSandboxUser('bulwark-sandbox');
    if (!made.ok) throw new Error(made.error.message);
  }
  const started = startExec({
    config: ExecConfigSchema.parse({}),
    runtimeDir: path.join(root, 'run'),
    parkedSandboxes: 0,
    bus: new EventBus(),
  });
  if (!started.ok) throw new Error(started.error.message);
  return started.value;
}

/** A pin store in its own SQLite file under `root` (a new temporary dir when not given). */
export function mcpPinStore(root = mkdtempSync(path.join(tmpdir(), 'bulwark-pins-'))): SqliteMcpPinStore {
  const db = openSqliteStore(path.join(root, 'pins.db'));
  if (!db.ok) throw new Error(db.error.message);
  return new SqliteMcpPinStore(db.value, 'pins.db');
}
