/**
 * A tool served from outside the daemon (an MCP server's tool, group `mcp`): the spec comes from the server as the
 * operator approved it; its action class is what the operator declared, or none — and no class is destructive
 * (L27 asks the operator for every call). Its results are external content (L03). The call itself, and the check
 * that the tool is still enabled (its pin still matches), belong to the source.
 */
import { bulwarkError, err, type BulwarkError, type Result } from '../../core/index.js';
import type { ActionClass, Tool } from './tool.js';

export interface RemoteToolSource {
  /** The exposed name (`<server>__<tool>`). */
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  /** Undefined: the operator declared none (`unknown`). */
  readonly actionClass?: ActionClass;
  call(args: unknown, signal: AbortSignal): Promise<Result<string, BulwarkError>>;
}

export function remoteTool(source: RemoteToolSource): Tool {
  return {
    spec: { name: source.name, description: source.description, inputSchema: source.inputSchema },
    group: 'mcp',
    ...(source.actionClass !== undefined ? { actionClass: source.actionClass } : {}),
    external: true,
    run: (args, ctx) => {
      if (args === null || typeof args !== 'object' || Array.isArray(args))
        return Promise.resolve(
          err(bulwarkError('tool.bad_args', `${source.name} takes a JSON object of arguments`, { status: 400 })),
        );
      return source.call(args, ctx.signal);
    },
  };
}
