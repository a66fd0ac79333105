/**
 * The verdict on each tool a server lists, before any agent sees it: its exposed name must be well formed and
 * unique (no shadowing of a built-in or another server's tool), its description and schema must not be blocked by
 * the L24 scan, and its definition must match the pin the operator approved (else it is unapproved or changed).
 */
import type { BulwarkError } from '../../core/index.js';
import type { McpToolPin } from './pin-store.js';
import {
  checkToolName,
  checkToolPin,
  scanToolDefinition,
  toolPin,
  type ToolDefinition,
  type ToolVerdict,
} from './tool-poisoning.js';
import { bulwarkError } from '../../core/index.js';

export type ToolState =
  | { readonly status: 'enabled'; readonly exposed: string }
  | { readonly status: 'refused'; readonly exposed: string; readonly error: BulwarkError };

export interface GatedTool {
  readonly definition: ToolDefinition;
  readonly pin: string;
  readonly scan: ToolVerdict;
  readonly state: ToolState;
}

/** Whether the definitions may be approved at all: name and scan checks only (no pin yet). */
export function gateTools(
  server: string,
  tools: readonly ToolDefinition[],
  taken: ReadonlySet<string>,
  pins: ReadonlyMap<string, McpToolPin> | undefined,
): GatedTool[] {
  const seen = new Set(taken);
  return tools.map((definition) => {
    const scan = scanToolDefinition(server, definition);
    const pin = toolPin(definition);
    const named = checkToolName(server, definition.name, seen);
    const exposed = named.ok ? named.value : `${server}__${definition.name}`;
    if (named.ok) seen.add(named.value);
    const refused = (error: BulwarkError): GatedTool => ({
      definition,
      pin,
      scan,
      state: { status: 'refused', exposed, error },
    });
    if (!named.ok) return refused(named.error);
    if (scan.verdict === 'block') {
      const first = scan.findings.find((f) => f.severity === 'critical') ?? scan.findings[0];
      return refused(
        bulwarkError(
          'mcp.tool_poisoned',
          `MCP tool "${definition.name}" of server "${server}" is refused by the L24 scan of its description and schema (${first ? `${first.rule}: ${first.reason}` : 'blocked'}); it cannot be approved`,
          { layer: 'L24', status: 403 },
        ),
      );
    }
    if (pins !== undefined) {
      const pinned = checkToolPin(server, definition, pins.get(definition.name)?.pin);
      if (!pinned.ok) return refused(pinned.error);
    }
    return { definition, pin, scan, state: { status: 'enabled', exposed } };
  });
}
