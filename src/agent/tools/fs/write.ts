import { z } from 'zod';
import { ok } from '../../../core/index.js';
import { NO_FILE_JOURNAL, type FileJournal } from '../../../exec/index.js';
import type { Tool } from '../tool.js';
import { jsonSchemaOf, parseArgs } from '../args.js';
import { writeJudged } from './host-files.js';
import { WRITE_MAX_BYTES } from './workspace-fs.js';

const Args = z.strictObject({
  path: z.string().min(1).describe('File path relative to the workspace'),
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
    undoableOverwrite: (target) => files.undoable(target.workspace, target.resolved, target.emptied),
    async run(args, ctx) {
      const a = parseArgs('write', Args, args);
      if (!a.ok) return a;
      const { path, content } = a.value;
      // L11.7: nothing the host would run on its own is written without the operator.
      const w = await writeJudged(ctx, files, 'write', path, content, () => ok(content));
      if (!w.ok) return w;
      return ok(`${w.value.created ? 'created' : 'overwrote'} ${path} (${w.value.bytes} bytes)`);
    },
  };
}

export const writeTool: Tool = createWriteTool();
