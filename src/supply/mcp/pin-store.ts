/**
 * The store of approved MCP tool definitions: per server and tool, the sha256 pin of its description and schema
 * taken when the operator approved it (`bulwark mcp approve`). A tool whose current definition does not match its
 * pin is disabled (a rug pull) until approved again. Methods reject with a store failure when the backend fails.
 */
export interface McpToolPin {
  readonly server: string;
  readonly tool: string;
  readonly pin: string;
  /** The description as approved (shown when the tool changed). */
  readonly description: string;
  readonly approvedAt: number;
}

export interface McpPinStore {
  /** Every pin of a server, keyed by tool name. */
  pins(server: string): Promise<Map<string, McpToolPin>>;
  /** Replaces all pins of a server with these (an approval covers the server's whole current tool list). */
  replace(server: string, pins: readonly McpToolPin[]): Promise<void>;
  /** Forgets a server (on `bulwark mcp remove`); how many pins went. */
  forget(server: string): Promise<number>;
}
