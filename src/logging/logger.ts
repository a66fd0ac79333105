import pino, { type Logger } from 'pino';
import { closeSync, openSync } from 'node:fs';
import { childPath } from '../core/safe-path.js';

export type { Logger };

/** Structured fields that must never reach a log as values (L09 layer 1). */
export const REDACT_PATHS = [
  'authorization', '*.authorization', 'headers.authorization', 'req.headers.authorization', 'req.headers.cookie',
  'cookie', '*.cookie', 'apiKey', '*.apiKey', 'api_key', '*.api_key', 'token', '*.token', 'password', '*.password',
  'secret', '*.secret', 'value', 'secretValue',
];

export interface LoggerOptions {
  readonly dataDir: string;
  readonly level: string;
  /** Pretty-print to stderr when it is a TTY. */
  readonly pretty: boolean;
  /** Free-text sanitizer applied to every serialized line (L09 layers 2 and 3). */
  readonly sanitizeLine?: (line: string) => string;
}

/** Logs as JSON lines to <data dir>/bulwark.log, and pretty to the terminal when asked. */
export function createLogger(opts: LoggerOptions): Logger {
  const logFile = childPath(opts.dataDir, 'bulwark.log');
  closeSync(openSync(logFile, 'a', 0o600));
  const file = pino.destination({ dest: logFile, mkdir: false, sync: true });
  const sanitize = opts.sanitizeLine;
  const fileStream = sanitize ? { write: (line: string) => file.write(sanitize(line)) } : file;
  const streams: pino.StreamEntry[] = [{ level: opts.level as pino.Level, stream: fileStream }];
  if (opts.pretty) {
    const prettyStream = pino.transport({ target: 'pino-pretty', options: { destination: 2, colorize: true } }) as pino.DestinationStream;
    streams.push({ level: opts.level as pino.Level, stream: sanitize ? { write: (l: string) => prettyStream.write(sanitize(l)) } : prettyStream });
  }
  return pino({ level: opts.level, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, pino.multistream(streams));
}
