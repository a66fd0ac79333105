/** The logging room's public surface: everything other rooms use from it, and nothing else. */
export { createLogger, createSanitizer, logLayers, redactConfigForDisplay, type Logger } from './logger.js';
