import { z } from 'zod';
import { ok } from '../../../core/index.js';
import { NO_FILE_JOURNAL, type FileJournal } from '../../../exec/index.js';
import type { Tool } from '../tool.js';
import { jsonSchemaOf, parseArgs } from '../args.js';
import { approveHostFiles, planHostFiles, sameAsApproved } from './host-files.js';
import { WRITE_MAX_BYTES, writeWorkspaceFile } from './workspace-fs.js';

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
      const plan = planHostFiles(ctx.workspace, path, content, WRITE_MAX_BYTES);
      if (!plan.ok) return plan;
      if (plan.value.refusals.length > 0) {
        const approved = await approveHostFiles(ctx, path, plan.value, content);
        if (!approved.ok) return approved;
        const now = planHostFiles(ctx.workspace, path, content, WRITE_MAX_BYTES);
        if (!now.ok) return now;
        const same = sameAsApproved(path, plan.value, now.value);
        if (!same.ok) return same;
      }
      // Synchronous from the last judgement to the write: nothing in this process changes the tree in between.
      const w = files.around(
        ctx.workspace,
        path,
        { tool: 'write', turn: ctx.traceId, sessionId: ctx.sessionId, agentId: ctx.agentId },
        () => writeWorkspaceFile(ctx.workspace, path, content),
      );
      if (!w.ok) return w;
      return ok(`${w.value.created ? 'created' : 'overwrote'} ${path} (${w.value.bytes} bytes)`);
    },
  };
}

export const writeTool: Tool = createWriteTool();
