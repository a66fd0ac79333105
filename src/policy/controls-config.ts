/** L27/L13 config section lives in src/config/sections/approvals.ts; re-exported for this room. */
export * from '../config/sections/approvals.js';
