import { z } from 'zod';
import type { ProvenanceTaint } from '../../provenance-taint.js';
import type { Tool } from '../tool.js';
import { jsonSchemaOf, parseArgs } from '../args.js';
import { READ_MAX_BYTES, confinedPath, readWorkspaceFile } from './workspace-fs.js';

const Args = z.strictObject({
  path: z.string().min(1).max(4096).describe('File path relative to the workspace'),
});

/**
 * The read tool; with `provenance`, a file a tainted session's exec run wrote (unchanged since) taints the session
 * before its text reaches the model: L23 finds a vault value only in forms it knows, and the run may have re-encoded it.
 */
export function createReadTool(provenance?: ProvenanceTaint): Tool {
  return {
    spec: {
      name: 'read',
      description: `Read a UTF-8 text file from the workspace (max ${READ_MAX_BYTES} bytes).`,
      inputSchema: jsonSchemaOf(Args),
    },
    group: 'fs:read',
    actionClass: 'read',
    // the file may have been written by anyone: fail closed
    external: true,
    async run(args, ctx) {
      const a = parseArgs('read', Args, args);
      if (!a.ok) return a;
      const resolved = confinedPath(ctx.workspace, a.value.path);
      if (resolved.ok) await provenance?.writtenFile(ctx, 'read', resolved.value);
      return readWorkspaceFile(ctx.workspace, a.value.path, READ_MAX_BYTES);
    },
  };
}

export const readTool: Tool = createReadTool();
