/** The exec config section lives in src/config/sections/exec.ts; re-exported for this room. */
export * from '../config/sections/exec.js';
