/** L21/L22 config sections live in src/config/sections/budget.ts; re-exported for this room. */
export * from '../../config/sections/budget.js';
