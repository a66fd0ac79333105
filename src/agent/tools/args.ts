import { z } from 'zod';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../../core/index.js';

/** Validates untrusted tool arguments against a zod schema; the error lists each bad field. */
export function parseArgs<T>(tool: string, schema: z.ZodType<T>, args: unknown): Result<T, BulwarkError> {
  const r = schema.safeParse(args);
  if (r.success) return ok(r.data);
  const problems = r.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(arguments)'}: ${i.message}`);
  return err(
    bulwarkError('tool.invalid_args', `invalid arguments for ${tool}: ${problems.join('; ')}`, { status: 400 }),
  );
}

/** JSON Schema for a tool spec, derived from its zod schema (without the `$schema` header some providers refuse). */
export function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema) as Record<string, unknown>;
  return rest;
}
