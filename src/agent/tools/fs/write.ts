import { z } from 'zod';
import { ok } from '../../../core/result.js';
import { NO_FILE_JOURNAL, type FileJournal } from '../../../exec/effects/file-journal.js';
import type { Tool } from '../tool.js';
import { jsonSchemaOf, parseArgs } from '../args.js';
import { WRITE_MAX_BYTES, writeWorkspaceFile } from './workspace-fs.js';

const Args = z.strictObject({
  path: z.string().min(1).max(4096).describe('File path relative to the workspace; parent directories are created'),
  content: z.string().describe('The complete new content of the file'),
});

/** The write tool; with a journal, what it replaces can be undone (`bulwark workspace undo`). */
export function createWriteTool(files: FileJournal = NO_FILE_JOURNAL): Tool {
  return {
    spec: {
      name: 'write',
      description: `Create or overwrite a text file in the workspace (max ${WRITE_MAX_BYTES} bytes).`,
      inputSchema: jsonSchemaOf(Args),
    },
    group: 'fs:write',
    actionClass: 'write',
    // a confirmation bulwark writes itself
    external: false,
    async run(args, ctx) {
      const a = parseArgs('write', Args, args);
      if (!a.ok) return a;
      const w = files.around(
        ctx.workspace,
        a.value.path,
        { tool: 'write', turn: ctx.traceId, sessionId: ctx.sessionId, agentId: ctx.agentId },
        () => writeWorkspaceFile(ctx.workspace, a.value.path, a.value.content),
      );
      if (!w.ok) return w;
      return ok(`${w.value.created ? 'created' : 'overwrote'} ${a.value.path} (${w.value.bytes} bytes)`);
    },
  };
}

export const writeTool: Tool = createWriteTool();
