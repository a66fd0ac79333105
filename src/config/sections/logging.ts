/** Config of bulwark.log and audit.jsonl: `logging: { level, file: { maxBytes, keep }, audit: { maxBytes, keep } }`. */
import { z } from 'zod';

/** Size-based rotation: at maxBytes the file becomes <file>.1 (… <file>.keep), so it never holds more than about (keep + 1) × maxBytes. */
const rotation = (maxBytes: number, keep: number) =>
  z
    .strictObject({
      maxBytes: z
        .number()
        .int()
        .min(64 * 1024)
        .max(1024 * 1024 * 1024)
        .default(maxBytes),
      keep: z.number().int().min(1).max(100).default(keep),
    })
    .prefault({});

export const LoggingConfigSchema = z
  .strictObject({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).default('info'),
    /** bulwark.log */
    file: rotation(10 * 1024 * 1024, 5),
    /** audit.jsonl */
    audit: rotation(50 * 1024 * 1024, 10),
  })
  .prefault({});
export type LoggingConfig = z.infer<typeof LoggingConfigSchema>;
