/**
 * The daemon's MCP client: connects every configured server at start (stdio inside the exec sandbox, HTTP through
 * L10; package servers only after L25), gates each listed tool (name, L24 scan, approval pin) and offers the
 * enabled ones as `<server>__<tool>`. When a server says its tool list changed, the list is read again and a tool
 * whose definition drifted from its pin is disabled (a rug pull) until the operator approves it again (the next call
 * reads the pins again, so no restart is needed for a tool that was offered at start). A call is always judged on
 * what the server serves now: calls wait for a re-list under way, and a listing older than the server's
 * `relistAfterMs` is read again before the call (a server may change a tool without notifying). A server
 * that fails to start leaves the daemon running without its tools, reported in `bulwark layers` and the audit.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  type EventBus,
  err,
  ok,
  type Result,
} from '../../core/index.js';
import type { ActionClass, McpServerConfig } from '../../config/index.js';
import { connectServer, type ConnectDeps, type McpConnection } from './connect.js';
import type { McpPinStore } from './pin-store.js';
import { gateTools, type GatedTool } from './tool-gate.js';
import type { ToolDefinition } from './tool-poisoning.js';

export interface McpToolSource {
  readonly name: string;
  readonly server: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  readonly actionClass?: ActionClass;
  /** Where an HTTP server receives the call's arguments (L08.1 judges them as an outbound request); none for stdio. */
  readonly endpoint?: URL;
  call(args: unknown, signal: AbortSignal): Promise<Result<string, BulwarkError>>;
}

export interface ServerStatus {
  readonly name: string;
  readonly state: 'running' | 'failed';
  readonly reason?: string;
  readonly enabled: number;
  readonly refused: number;
  /** Packages L25 checked before the start (package servers). */
  readonly checked: number;
}

export interface McpHostDeps extends ConnectDeps {
  readonly servers: readonly McpServerConfig[];
  readonly pins: McpPinStore;
  readonly bus: EventBus;
  /** Names of the built-in tools (an MCP tool may not shadow them). */
  readonly builtins: readonly string[];
}

const MAX_RESULT_CHARS = 200_000;
/** Refusals an approval made while the daemon runs can lift (a call re-reads the pins). */
const AWAITS_APPROVAL: ReadonlySet<string> = new Set(['mcp.tool_changed', 'mcp.tool_unapproved']);

interface Running {
  readonly connection: McpConnection;
  tools: Map<string, GatedTool>;
  /**
   * Each tool's definition as last enabled (its pin matched): what the model is shown. A definition that drifted is
   * never shown; the approved one stays until the new one is approved and enabled.
   */
  readonly approved: Map<string, ToolDefinition>;
  /** When the tools were last listed and gated successfully (ms since the epoch). */
  listedAt: number;
  /** The last re-list queued (notification or stale listing); calls await it before they are judged. */
  relisting?: Promise<void>;
}

function refusedCall(code: string, message: string, layer: 'L24' | 'L11.5' = 'L24'): Result<never, BulwarkError> {
  return err(bulwarkError(code, message, { layer, status: 403 }));
}

/** The text of a tool result (text parts as they are, other parts named); errors as errors. */
function resultText(server: string, tool: string, r: CallToolResult): Result<string, BulwarkError> {
  const parts = r.content.map((c) =>
    c.type === 'text' ? c.text : c.type === 'resource' ? `[resource ${c.resource.uri}]` : `[${c.type} content]`,
  );
  const text = parts.join('\n').slice(0, MAX_RESULT_CHARS);
  if (r.isError === true)
    return err(
      bulwarkError('mcp.tool_error', `MCP tool ${server}__${tool} failed: ${text.slice(0, 2000)}`, { status: 502 }),
    );
  return ok(text);
}

export class McpHost {
  private readonly running = new Map<string, Running>();
  private readonly status = new Map<string, ServerStatus>();

  constructor(private readonly deps: McpHostDeps) {}

  /** Connects every server and gates its tools; never throws (a failed server is reported). */
  async start(): Promise<void> {
    const taken = new Set(this.deps.builtins);
    for (const server of this.deps.servers) {
      const connected = await connectServer(server, this.deps);
      if (!connected.ok) {
        this.fail(server.name, connected.error);
        continue;
      }
      const connection = connected.value;
      const gated = await this.gate(connection, taken);
      if (!gated.ok) {
        await connection.close();
        this.fail(server.name, gated.error);
        continue;
      }
      const entry: Running = { connection, tools: gated.value, approved: new Map(), listedAt: Date.now() };
      noteApproved(entry);
      for (const t of gated.value.values()) if (t.state.status === 'enabled') taken.add(t.state.exposed);
      this.running.set(server.name, entry);
      this.report(server.name, entry);
      // Queued at once (not when the list arrives), so a call made after the notification waits for the new list.
      connection.client.setNotificationHandler(ToolListChangedNotificationSchema, () => this.queueRelist(entry));
    }
  }

  /** `previous`: the tools as last gated; a refusal they already had for the same definition is not audited again. */
  private async gate(
    connection: McpConnection,
    taken: ReadonlySet<string>,
    previous?: ReadonlyMap<string, GatedTool>,
  ): Promise<Result<Map<string, GatedTool>, BulwarkError>> {
    const listed = await connection.listTools();
    if (!listed.ok) return listed;
    let pins;
    try {
      pins = await this.deps.pins.pins(connection.server.name);
    } catch (cause) {
      return err(bulwarkError('mcp.pins', `cannot read the approved pins: ${describeCause(cause)}`));
    }
    const gated = gateTools(connection.server.name, listed.value, taken, pins);
    for (const t of gated) {
      if (t.state.status !== 'refused') continue;
      const before = previous?.get(t.definition.name);
      const known =
        before?.pin === t.pin && before.state.status === 'refused' && before.state.error.code === t.state.error.code;
      if (known) continue;
      this.deps.bus.emit('security:blocked', {
        layer: t.state.error.layer ?? 'L24',
        outcome: t.state.error.code,
        reason: t.state.error.message,
        server: connection.server.name,
        tool: t.definition.name,
      });
    }
    return ok(new Map(gated.map((t) => [t.definition.name, t])));
  }

  /** Queues a re-list after any under way (each reads the list anew); the promise settles when it is done. */
  private queueRelist(entry: Running): Promise<void> {
    const queued = (entry.relisting ?? Promise.resolve())
      .then(() => this.relist(entry))
      .catch((cause: unknown) =>
        this.refuseAll(
          entry,
          bulwarkError('mcp.relist_failed', `cannot list the tools again: ${describeCause(cause)}`),
        ),
      );
    entry.relisting = queued;
    void queued.then(() => {
      if (entry.relisting === queued) delete entry.relisting;
    });
    return queued;
  }

  /** The server's tool list changed: re-gate every tool against its pin; a drifted one is disabled. */
  private async relist(entry: Running): Promise<void> {
    const name = entry.connection.server.name;
    if (this.running.get(name) !== entry) return;
    const others = new Set(this.deps.builtins);
    for (const [n, r] of this.running)
      if (n !== name) for (const t of r.tools.values()) if (t.state.status === 'enabled') others.add(t.state.exposed);
    const gated = await this.gate(entry.connection, others, entry.tools);
    if (!gated.ok) this.refuseAll(entry, gated.error);
    else {
      entry.tools = gated.value;
      noteApproved(entry);
      entry.listedAt = Date.now();
    }
    this.report(name, entry);
  }

  /** The list cannot be read again: nothing of this server can be trusted to be what was approved. */
  private refuseAll(entry: Running, error: BulwarkError): void {
    for (const [k, t] of entry.tools)
      entry.tools.set(k, { ...t, state: { status: 'refused', exposed: t.state.exposed, error } });
    this.report(entry.connection.server.name, entry);
    this.deps.bus.emit('security:blocked', {
      layer: error.layer ?? 'L24',
      outcome: error.code,
      reason: error.message,
      server: entry.connection.server.name,
    });
  }

  private fail(name: string, error: BulwarkError): void {
    this.status.set(name, { name, state: 'failed', reason: error.message, enabled: 0, refused: 0, checked: 0 });
    this.deps.bus.emit('security:blocked', {
      layer: error.layer ?? 'L24',
      outcome: error.code,
      reason: error.message,
      server: name,
    });
  }

  private report(name: string, entry: Running): void {
    const tools = [...entry.tools.values()];
    this.status.set(name, {
      name,
      state: 'running',
      enabled: tools.filter((t) => t.state.status === 'enabled').length,
      refused: tools.filter((t) => t.state.status === 'refused').length,
      checked: entry.connection.checked.length,
    });
  }

  servers(): ServerStatus[] {
    return this.deps.servers.map(
      (s) =>
        this.status.get(s.name) ?? {
          name: s.name,
          state: 'failed',
          reason: 'not started',
          enabled: 0,
          refused: 0,
          checked: 0,
        },
    );
  }

  /**
   * The tools enabled at start, as sources for the agent's tool registry; each call re-checks the tool's state. The
   * description and schema are read at each use from the definition last approved (a re-approved change is what the
   * model sees from then on; a drifted, unapproved one never is).
   */
  tools(): McpToolSource[] {
    const out: McpToolSource[] = [];
    for (const [server, entry] of this.running) {
      const config = entry.connection.server;
      for (const t of entry.tools.values()) {
        if (t.state.status !== 'enabled') continue;
        const toolName = t.definition.name;
        const first = t.definition;
        const shown = () => this.running.get(server)?.approved.get(toolName) ?? first;
        out.push({
          name: t.state.exposed,
          server,
          get description() {
            return `[MCP server ${server}] ${shown().description ?? ''}`.trim();
          },
          get inputSchema() {
            const schema = shown().inputSchema;
            return schema !== null && typeof schema === 'object'
              ? (schema as Record<string, unknown>)
              : { type: 'object' };
          },
          ...(config.actionClass !== 'unknown' ? { actionClass: config.actionClass } : {}),
          ...(config.url !== undefined ? { endpoint: new URL(config.url) } : {}),
          call: (args, signal) => this.call(server, toolName, args, signal),
        });
      }
    }
    return out;
  }

  private async call(
    server: string,
    tool: string,
    args: unknown,
    signal: AbortSignal,
  ): Promise<Result<string, BulwarkError>> {
    const entry = this.running.get(server);
    if (!entry) return refusedCall('mcp.server_stopped', `MCP server "${server}" is not running`, 'L11.5');
    if (entry.relisting) await entry.relisting;
    let state = entry.tools.get(tool)?.state;
    const stale = Date.now() - entry.listedAt >= entry.connection.server.relistAfterMs;
    // Disabled for want of a matching pin: the operator may have approved the current definition since (`bulwark
    // mcp approve` writes the store, not this process). Read the list and the pins again; only an exact pin enables.
    const awaitsApproval = state?.status === 'refused' && AWAITS_APPROVAL.has(state.error.code);
    if (stale || awaitsApproval) {
      await this.queueRelist(entry);
      state = entry.tools.get(tool)?.state;
    }
    if (!state) return refusedCall('mcp.tool_gone', `MCP server "${server}" no longer lists the tool "${tool}"`);
    if (state.status === 'refused') return err(state.error);
    try {
      const result = await entry.connection.client.callTool(
        { name: tool, arguments: args as Record<string, unknown> },
        undefined,
        { signal, timeout: entry.connection.server.timeoutMs },
      );
      return resultText(server, tool, result as CallToolResult);
    } catch (cause) {
      return err(
        bulwarkError('mcp.call_failed', `MCP tool ${server}__${tool} failed: ${describeCause(cause)}`, { status: 502 }),
      );
    }
  }

  async close(): Promise<void> {
    const all = [...this.running.values()];
    this.running.clear();
    await Promise.all(all.map((r) => r.connection.close()));
  }
}

/** Records the definitions the gate enabled (their pins matched) as the ones the model is shown. */
function noteApproved(entry: Running): void {
  for (const t of entry.tools.values())
    if (t.state.status === 'enabled') entry.approved.set(t.definition.name, t.definition);
}
