import type { Tool } from '../tool.js';
import { editTool } from './edit.js';
import { lsTool } from './ls.js';
import { readTool } from './read.js';
import { writeTool } from './write.js';

export { editTool, lsTool, readTool, writeTool };

/** The built-in workspace file tools. */
export const fsTools: readonly Tool[] = [readTool, writeTool, editTool, lsTool];
