import { z } from 'zod';
import { ok } from '../../../core/index.js';
import type { Tool } from '../tool.js';
import { jsonSchemaOf, parseArgs } from '../args.js';
import { listWorkspaceDir, type DirEntry } from './workspace-fs.js';

const MAX_ENTRIES = 1000;

const Args = z.strictObject({
  path: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('Directory relative to the workspace (default: the workspace root)'),
});

function line(e: DirEntry): string {
  // A symlink's target is not shown: it may name a place outside the workspace.
  if (e.kind === 'symlink') return `${e.name}@`;
  if (e.kind === 'dir') return `${e.name}/`;
  if (e.kind === 'file') return `${e.name} (${e.size} bytes)`;
  return `${e.name} (${e.kind === 'other' ? 'special file' : 'unreadable'})`;
}

export const lsTool: Tool = {
  spec: {
    name: 'ls',
    description:
      'List a directory of the workspace: directories end with "/", symlinks with "@", files show their size.',
    inputSchema: jsonSchemaOf(Args),
  },
  group: 'fs:read',
  actionClass: 'read',
  // file names in the workspace may come from anywhere
  external: true,
  async run(args, ctx) {
    const a = parseArgs('ls', Args, args ?? {});
    if (!a.ok) return a;
    const listed = listWorkspaceDir(ctx.workspace, a.value.path ?? '.', MAX_ENTRIES);
    if (!listed.ok) return listed;
    const lines = listed.value.entries.map(line);
    if (listed.value.total > MAX_ENTRIES) lines.push(`… ${listed.value.total - MAX_ENTRIES} more entries not shown`);
    return ok(lines.length ? lines.join('\n') : '(empty directory)');
  },
};
