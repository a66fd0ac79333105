/** The `output:` config section (L02/L17). */
import { z } from 'zod';

const name = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a secret name');
const toolName = z.string().min(1).max(100);

export const OutputConfigSchema = z
  .strictObject({
    /** The tools that may receive a given vault secret in their arguments; any other tool call carrying it is refused. */
    allowedSecretTools: z.record(name, z.array(toolName).max(64)).default({}),
    /** Longest text a client gets in one turn (streamed or not); a longer answer is cut with a notice and finish_reason "length". */
    maxResponseChars: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .default(8 * 1024 * 1024),
  })
  .default({ allowedSecretTools: {}, maxResponseChars: 8 * 1024 * 1024 });
export type OutputConfig = z.infer<typeof OutputConfigSchema>;
