import { z } from 'zod';
import type { Tool } from '../tool.js';
import { jsonSchemaOf, parseArgs } from '../args.js';
import { READ_MAX_BYTES, readWorkspaceFile } from './workspace-fs.js';

const Args = z.strictObject({
  path: z.string().min(1).max(4096).describe('File path relative to the workspace'),
});

export const readTool: Tool = {
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
    return readWorkspaceFile(ctx.workspace, a.value.path, READ_MAX_BYTES);
  },
};
