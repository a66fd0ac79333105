/** Config sections of the secrets room (L06/L07): the master key source and per-agent allow-lists. */
import { z } from 'zod';

export const MASTER_KEY_ENV_DEFAULT = 'BULWARK_MASTER_KEY';
/** A secret name or glob: letters, digits, _, * and ?. */
export const SECRET_GLOB_RE = /^[A-Za-z0-9_*?]{1,128}$/;

/**
 * Secret names bulwark keeps for itself (its canary key, the broker's CA): no agent glob ever matches them, and
 * config cannot name them (L07). In any case: `bulwark_canary_key` beside `BULWARK_CANARY_KEY` would read as
 * bulwark's own to a person, and a store or tool that folds case would take one for the other.
 */
export const RESERVED_SECRET_PREFIX = 'BULWARK_';
export function isReservedSecretName(name: string): boolean {
  return name.slice(0, RESERVED_SECRET_PREFIX.length).toUpperCase() === RESERVED_SECRET_PREFIX;
}
export const RESERVED_SECRET_MESSAGE = `names starting with ${RESERVED_SECRET_PREFIX} (in any case) are reserved for bulwark's own secrets; use another name`;

export const SecretsConfigSchema = z
  .strictObject({
    /** Master key file; default ~/.config/bulwark/master.key. Must be outside the data dir, mode 0600. */
    masterKeyFile: z.string().min(1).max(4096).optional(),
    /** Environment variable holding the master key (read once, then scrubbed). */
    masterKeyEnv: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'an environment variable name')
      .default(MASTER_KEY_ENV_DEFAULT),
  })
  .default({ masterKeyEnv: MASTER_KEY_ENV_DEFAULT });
export type SecretsConfig = z.infer<typeof SecretsConfigSchema>;

/** A reference to a secret by name; the value never lives in config. */
export const SecretRefSchema = z.strictObject({
  secret: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/, 'a secret name: letters, digits and _')
    .refine((n) => !isReservedSecretName(n), RESERVED_SECRET_MESSAGE),
});
export type SecretRef = z.infer<typeof SecretRefSchema>;

/** Per-agent allow-list of secret names: `OPENAI_*`, `GITHUB_TOKEN`. Empty = no secrets. */
export const AgentSecretsSchema = z
  .array(
    z
      .string()
      .regex(SECRET_GLOB_RE, 'a secret name or glob: letters, digits, _, * and ?')
      .refine((g) => !isReservedSecretName(g), RESERVED_SECRET_MESSAGE),
  )
  .max(256)
  .default([]);
