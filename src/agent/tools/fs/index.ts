import type { FileJournal } from '../../../exec/index.js';
import type { ProvenanceTaint } from '../../provenance-taint.js';
import type { Tool } from '../tool.js';
import { createEditTool, editTool } from './edit.js';
import { lsTool } from './ls.js';
import { createReadTool, readTool } from './read.js';
import { createWriteTool, writeTool } from './write.js';

export { editTool, lsTool, readTool, writeTool };

/** The built-in workspace file tools. */
export const fsTools: readonly Tool[] = [readTool, writeTool, editTool, lsTool];

/**
 * The file tools with an undo journal for what write and edit replace; edit taints by what it reads, read and edit by
 * files a tainted session's run wrote (L08.1).
 */
export function createFsTools(files: FileJournal, provenance?: ProvenanceTaint): readonly Tool[] {
  return [createReadTool(provenance), createWriteTool(files), createEditTool(files, provenance), lsTool];
}
