import { lstatSync, readdirSync } from 'node:fs';
import { z } from 'zod';
import { bulwarkError, describeCause } from '../../../core/errors.js';
import { err, ok } from '../../../core/result.js';
import { childPath, safePath } from '../../../core/safe-path.js';
import type { Tool } from '../tool.js';
import { jsonSchemaOf, parseArgs } from '../args.js';

const MAX_ENTRIES = 1000;

const Args = z.strictObject({
  path: z.string().min(1).max(4096).optional().describe('Directory relative to the workspace (default: the workspace root)'),
});

export const lsTool: Tool = {
  spec: {
    name: 'ls',
    description: 'List a directory of the workspace: directories end with "/", symlinks with "@", files show their size.',
    inputSchema: jsonSchemaOf(Args),
  },
  group: 'fs:read',
  actionClass: 'read',
  async run(args, ctx) {
    const a = parseArgs('ls', Args, args ?? {});
    if (!a.ok) return a;
    const rel = a.value.path ?? '.';
    const p = safePath(ctx.workspace, rel);
    if (!p.ok) return p;
    let names: string[];
    try {
      names = readdirSync(p.value).sort();
    } catch (cause) {
      const code = (cause as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return err(bulwarkError('tool.fs.not_found', `no such directory: ${rel}`, { status: 400 }));
      if (code === 'ENOTDIR') return err(bulwarkError('tool.fs.not_dir', `${rel} is not a directory; use read`, { status: 400 }));
      return err(bulwarkError('tool.fs.unreadable', `cannot list ${rel}: ${code ?? describeCause(cause)}`, { status: 400 }));
    }
    const lines: string[] = [];
    for (const name of names.slice(0, MAX_ENTRIES)) {
      try {
        const st = lstatSync(childPath(p.value, name));
        // A symlink's target is not shown: it may name a place outside the workspace.
        lines.push(st.isSymbolicLink() ? `${name}@` : st.isDirectory() ? `${name}/` : `${name} (${st.size} bytes)`);
      } catch (cause) {
        lines.push(`${name} (unreadable: ${(cause as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    if (names.length > MAX_ENTRIES) lines.push(`… ${names.length - MAX_ENTRIES} more entries not shown`);
    return ok(lines.length ? lines.join('\n') : '(empty directory)');
  },
};
