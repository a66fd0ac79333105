/** The perimeter config section lives in src/config/sections/perimeter.ts; re-exported for this room. */
export * from '../config/sections/perimeter.js';
