import { z } from 'zod';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../../../core/index.js';
import { NO_FILE_JOURNAL, type FileJournal } from '../../../exec/index.js';
import type { ProvenanceTaint } from '../../provenance-taint.js';
import type { Tool, ToolRunContext } from '../tool.js';
import { jsonSchemaOf, parseArgs } from '../args.js';
import { writeJudged } from './host-files.js';
import { WRITE_MAX_BYTES, confinedPath, readWorkspaceFile } from './workspace-fs.js';

const Args = z.strictObject({
  path: z.string().min(1).max(4096).describe('File path relative to the workspace'),
  old_string: z.string().min(1).describe('Exact text to replace; it must occur exactly once in the file'),
  new_string: z.string().describe('Replacement text'),
});

function occurrences(haystack: string, needle: string): number {
  let n = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) n += 1;
  return n;
}

/**
 * The file's text with the one occurrence replaced, from the file as it is now. `seen` gets the text read: whether
 * the old text was found is an answer about the file's content that L23 never sees.
 */
function edited(
  workspace: string,
  path: string,
  oldText: string,
  newText: string,
  seen: (text: string) => void,
): Result<string, BulwarkError> {
  const current = readWorkspaceFile(workspace, path, WRITE_MAX_BYTES);
  if (!current.ok) return current;
  seen(current.value);
  const count = occurrences(current.value, oldText);
  if (count === 0)
    return err(
      bulwarkError(
        'tool.edit.not_found',
        `old_string was not found in ${path}; read the file and copy the text exactly`,
        { status: 400 },
      ),
    );
  if (count > 1) {
    return err(
      bulwarkError(
        'tool.edit.ambiguous',
        `old_string occurs ${count} times in ${path}; include more surrounding text so it is unique`,
        { status: 400 },
      ),
    );
  }
  const at = current.value.indexOf(oldText);
  return ok(current.value.slice(0, at) + newText + current.value.slice(at + oldText.length));
}

/** Reads, judges (L11.7, with the operator when it refuses) and writes one edit. */
async function applyEdit(
  ctx: ToolRunContext,
  files: FileJournal,
  path: string,
  oldText: string,
  newText: string,
  seen: (text: string) => void,
): Promise<Result<string, BulwarkError>> {
  const next = edited(ctx.workspace, path, oldText, newText, seen);
  if (!next.ok) return next;
  // L11.7: nothing the host would run on its own is written without the operator; after an approval the edit is
  // applied again to the file as it is then (the approval binds the file it was shown on).
  const w = await writeJudged(ctx, files, 'edit', path, next.value, () =>
    edited(ctx.workspace, path, oldText, newText, seen),
  );
  if (!w.ok) return w;
  return ok(`edited ${path} (${w.value.bytes} bytes)`);
}

/**
 * The edit tool; with a journal, what it replaces can be undone (`bulwark workspace undo`); with `provenance`, a file
 * it reads that holds a vault value taints the session.
 */
export function createEditTool(files: FileJournal = NO_FILE_JOURNAL, provenance?: ProvenanceTaint): Tool {
  return {
    spec: {
      name: 'edit',
      description: 'Replace one exact, unique occurrence of old_string with new_string in a workspace text file.',
      inputSchema: jsonSchemaOf(Args),
    },
    group: 'fs:write',
    actionClass: 'write',
    // a confirmation bulwark writes itself
    external: false,
    undoableOverwrite: (target) => files.undoable(target.workspace, target.resolved, target.emptied),
    async run(args, ctx) {
      const a = parseArgs('edit', Args, args);
      if (!a.ok) return a;
      const { path, old_string: oldText, new_string: newText } = a.value;
      // L08.1: a file read that holds a vault value taints the session, in memory at once (so nothing awaits between
      // the read and the write below); the answer goes back only once the taint is stored.
      const taints: Promise<void>[] = [];
      const seen = (text: string) => {
        const t = provenance?.fileRead(ctx, 'edit', path, text);
        if (t) taints.push(t);
      };
      // A file a tainted session's run wrote taints the session before the edit reads it (and changes it).
      const resolved = confinedPath(ctx.workspace, path);
      if (resolved.ok) await provenance?.writtenFile(ctx, 'edit', resolved.value);
      try {
        return await applyEdit(ctx, files, path, oldText, newText, seen);
      } finally {
        await Promise.all(taints);
      }
    },
  };
}

export const editTool: Tool = createEditTool();
