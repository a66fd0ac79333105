/** The cli room's public surface: everything other rooms use from it, and nothing else. */
export { guardOutput } from './closed-output.js';
export type { CliContext } from './context.js';
export { createProgram, type CliServices } from './program.js';
