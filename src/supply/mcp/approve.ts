/**
 * What `bulwark mcp scan|approve` do: start the server the way the daemon would (sandboxed, L25, L10), read its
 * tool list, and gate every tool (name, L24 scan). `scan` only reports; `approve` pins the definitions of the
 * tools that pass (sha256 of name, description and schema), replacing the server's previous pins. A tool the scan
 * blocks or whose name is refused is never pinned.
 */
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  storeErrorOf,
} from '../../core/index.js';
import type { McpServerConfig } from '../../config/index.js';
import { connectServer, type ConnectDeps } from './connect.js';
import type { McpPinStore } from './pin-store.js';
import { gateTools, type GatedTool } from './tool-gate.js';

export interface ServerReview {
  readonly server: string;
  readonly tools: readonly GatedTool[];
  /** Packages L25 checked before the start. */
  readonly checked: readonly string[];
}

export async function reviewServer(
  server: McpServerConfig,
  deps: ConnectDeps & { readonly builtins: readonly string[] },
): Promise<Result<ServerReview, BulwarkError>> {
  const connected = await connectServer(server, deps);
  if (!connected.ok) return connected;
  try {
    const listed = await connected.value.listTools();
    if (!listed.ok) return listed;
    return ok({
      server: server.name,
      tools: gateTools(server.name, listed.value, new Set(deps.builtins), undefined),
      checked: connected.value.checked,
    });
  } finally {
    await connected.value.close();
  }
}

/** Pins every tool of the review that passed its checks; returns how many were pinned. */
export async function approveReview(
  review: ServerReview,
  pins: McpPinStore,
  now = Date.now(),
): Promise<Result<number, BulwarkError>> {
  const approved = review.tools.filter((t) => t.state.status === 'enabled');
  try {
    await pins.replace(
      review.server,
      approved.map((t) => ({
        server: review.server,
        tool: t.definition.name,
        pin: t.pin,
        description: t.definition.description ?? '',
        approvedAt: now,
      })),
    );
  } catch (cause) {
    return err(storeErrorOf(cause) ?? bulwarkError('mcp.pins', `cannot store the pins: ${describeCause(cause)}`));
  }
  return ok(approved.length);
}
