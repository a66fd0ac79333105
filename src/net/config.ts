/** The `net:` config section lives with the rest of the schema in src/config/; re-exported for this room. */
export * from '../config/sections/net.js';
