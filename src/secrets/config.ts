/**
 * Config fragments of the secrets room, for the integrator to merge into src/config/schema.ts:
 *   top level:  secrets: SecretsConfigSchema            (master key file / env var name)
 *   per agent:  secrets: AgentSecretsSchema             (glob allow-list, deny by default)
 * plus helpers that turn a parsed config into scopes and a `{ secret: NAME }` resolver.
 */
import { type SecretsConfig, isSecretReference } from '../config/index.js';
import { bulwarkError, type BulwarkError, type EventBus, err, type Result } from '../core/index.js';
import { MASTER_KEY_ENV, type MasterKeyOptions } from './master-key.js';
import { createScopedSecrets } from './scoped.js';
import type { AccessContext, SecretReader } from './types.js';

export { SecretsConfigSchema, AgentSecretsSchema, type SecretsConfig } from '../config/index.js';

export function masterKeyOptionsFromConfig(
  cfg: SecretsConfig | undefined,
  dataDir: string,
  create = false,
): MasterKeyOptions {
  return { keyFile: cfg?.masterKeyFile, envVarName: cfg?.masterKeyEnv ?? MASTER_KEY_ENV, dataDir, create };
}

/** Structural view of the parts of the config this module reads (works before and after the merge). */
export interface ScopeConfigView {
  readonly agents: ReadonlyArray<{
    readonly id: string;
    readonly provider?: string;
    readonly secrets?: readonly string[];
  }>;
  readonly providers: Readonly<Record<string, { readonly apiKey?: { readonly secret: string } }>>;
}

/**
 * Each agent's effective allow-list: its `secrets` globs plus the key of the provider the operator
 * wired to it (the daemon uses that key on the agent's behalf; the model never sees it).
 */
export function secretScopesFromConfig(config: ScopeConfigView): Map<string, string[]> {
  const scopes = new Map<string, string[]>();
  for (const a of config.agents) {
    const globs = [...(a.secrets ?? [])];
    const ref = a.provider ? config.providers[a.provider]?.apiKey?.secret : undefined;
    if (ref && !globs.includes(ref)) globs.push(ref);
    scopes.set(a.id, globs);
  }
  return scopes;
}

/** Every `{ secret: NAME }` anywhere in a config object: names to capture from the environment. */
export function secretRefNames(config: unknown): string[] {
  const names = new Set<string>();
  const walk = (v: unknown, depth: number): void => {
    if (depth > 32 || v === null || typeof v !== 'object') return;
    if (Array.isArray(v)) {
      for (const x of v) walk(x, depth + 1);
      return;
    }
    const o = v as Record<string, unknown>;
    if (isSecretReference(o)) names.add(o.secret);
    for (const x of Object.values(o)) walk(x, depth + 1);
  };
  walk(config, 0);
  return [...names];
}

export interface ResolveContext extends AccessContext {
  readonly agentId: string;
}

/** Resolves `{ secret: NAME }` references at use time, through the agent's L07 scope. */
export type SecretResolver = (name: string, ctx: ResolveContext) => Result<string, BulwarkError>;

export function createSecretResolver(
  store: SecretReader,
  scopes: ReadonlyMap<string, readonly string[]>,
  bus: EventBus,
): SecretResolver {
  const readers = new Map<string, SecretReader>();
  return (name, ctx) => {
    let reader = readers.get(ctx.agentId);
    if (!reader) {
      // An agent without a configured scope gets the empty allow-list: everything is denied (and audited).
      reader = createScopedSecrets(store, ctx.agentId, scopes.get(ctx.agentId) ?? [], bus);
      readers.set(ctx.agentId, reader);
    }
    return reader.get(name, ctx);
  };
}

/** Resolves an optional reference: absent → Err naming what is missing (never an empty string). */
export function resolveSecretRef(
  ref: { readonly secret: string } | undefined,
  resolver: SecretResolver,
  ctx: ResolveContext,
  what: string,
): Result<string, BulwarkError> {
  if (!ref)
    return err(
      bulwarkError('secret.not_configured', `${what} has no secret configured; set it to { secret: NAME }`, {
        layer: 'L07',
      }),
    );
  return resolver(ref.secret, ctx);
}
