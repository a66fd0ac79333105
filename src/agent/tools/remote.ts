/**
 * A tool served from outside the daemon (an MCP server's tool, group `mcp`): the spec comes from the server as the
 * operator approved it last (read from the source at each use); its action class is what the operator declared, or none — and no class is destructive
 * (L27 asks the operator for every call). Its results are external content (L03). The call itself, and the check
 * that the tool is still enabled (its pin still matches), belong to the source. The arguments of a call to a server
 * over HTTP leave the host: L08.1 judges them as an outbound request to that server (a tainted session's call that
 * carries a candidate waits for the operator). A stdio server's own requests go through the broker, judged there.
 */
import { bulwarkError, err, type BulwarkError, type Result } from '../../core/index.js';
import type { EgressCheck } from '../egress-taint.js';
import type { ActionClass, Tool } from './tool.js';

export interface RemoteToolSource {
  /** The exposed name (`<server>__<tool>`). */
  readonly name: string;
  readonly description: string;
  readonly inputSchema: Readonly<Record<string, unknown>>;
  /** Undefined: the operator declared none (`unknown`). */
  readonly actionClass?: ActionClass;
  /** Where the arguments go when the server is reached over the network (an HTTP server's URL). */
  readonly endpoint?: URL;
  call(args: unknown, signal: AbortSignal): Promise<Result<string, BulwarkError>>;
}

export function remoteTool(source: RemoteToolSource, egress?: EgressCheck): Tool {
  return {
    // Read at each use: the source shows the definition the operator approved last (a re-approved change included).
    get spec() {
      return { name: source.name, description: source.description, inputSchema: source.inputSchema };
    },
    group: 'mcp',
    ...(source.actionClass !== undefined ? { actionClass: source.actionClass } : {}),
    external: true,
    run: async (args, ctx) => {
      if (args === null || typeof args !== 'object' || Array.isArray(args))
        return err(bulwarkError('tool.bad_args', `${source.name} takes a JSON object of arguments`, { status: 400 }));
      if (source.endpoint && egress) {
        const checked = await egress(source.endpoint, JSON.stringify(args), ctx);
        if (!checked.ok) return checked;
      }
      return source.call(args, ctx.signal);
    },
  };
}
