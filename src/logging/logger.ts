import pino, { type Logger } from 'pino';
import {
  escapeLineBreakers,
  DEFAULT_LOG_ROTATION,
  RotatingFile,
  type RotationPolicy,
  childPath,
} from '../core/index.js';
import { censorSensitiveFields, REDACT_CENSOR, redactPaths } from './redact-paths.js';

export type { Logger };
export { createSanitizer, capLine, MAX_LINE_CHARS, type LineSanitizer } from './sanitize.js';
export { redactConfigForDisplay } from './redact-config.js';

/** Structured fields that must never reach a log as values (L09 layer 1), as pino redact paths. */
export const REDACT_PATHS: readonly string[] = redactPaths();
export { REDACT_CENSOR };

export interface LoggerOptions {
  readonly dataDir: string;
  readonly level: string;
  /** Pretty-print to stderr when it is a TTY. */
  readonly pretty: boolean;
  /** Free-text sanitizer applied to every serialized line (L09 layers 2 and 3); see createSanitizer. */
  readonly sanitizeLine?: (line: string) => string;
  /** Size-based rotation of bulwark.log (logging.file). */
  readonly rotation?: RotationPolicy;
}

/** pino options with L09 layer 1 (structured-field redaction: fixed paths plus a depth walk) on. */
export function pinoOptions(level: string): pino.LoggerOptions {
  return {
    level,
    redact: { paths: [...REDACT_PATHS], censor: REDACT_CENSOR },
    formatters: { log: (obj) => censorSensitiveFields(obj) },
  };
}

/**
 * Wraps a destination so that every serialized line passes through `sanitize` first, then has U+2028, U+2029 and
 * U+0085 escaped (no line can pass for two).
 */
export function sanitizedStream(
  dest: pino.DestinationStream,
  sanitize: ((line: string) => string) | undefined,
): pino.DestinationStream {
  return { write: (line: string) => dest.write(escapeLineBreakers(sanitize ? sanitize(line) : line)) };
}

/** Logs as JSON lines to <data dir>/bulwark.log (rotated by size), and pretty to the terminal when asked. */
export function createLogger(opts: LoggerOptions): Logger {
  const logFile = childPath(opts.dataDir, 'bulwark.log');
  const rotating = new RotatingFile(logFile, opts.rotation ?? DEFAULT_LOG_ROTATION);
  rotating.open();
  const file: pino.DestinationStream = { write: (line: string) => rotating.write(line) };
  const sanitize = opts.sanitizeLine;
  const streams: pino.StreamEntry[] = [{ level: opts.level as pino.Level, stream: sanitizedStream(file, sanitize) }];
  if (opts.pretty) {
    const prettyStream = pino.transport({
      target: 'pino-pretty',
      options: { destination: 2, colorize: true },
    }) as pino.DestinationStream;
    streams.push({ level: opts.level as pino.Level, stream: sanitizedStream(prettyStream, sanitize) });
  }
  return pino(pinoOptions(opts.level), pino.multistream(streams));
}
export { logLayers } from './layer-report.js';
