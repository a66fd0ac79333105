/**
 * The drilled daemon's config: a copy of the operator's, with what must change for a drill and nothing else.
 *
 * - One copy of the target agent per scenario (same tools, approvals, budgets, limits, memory settings, guards),
 *   each with its own workspace and its own provider entry pointing at the hostile model — so one scenario's spent
 *   budget, memory or rate-limit count never decides another's.
 * - A confidential decoy note appended to the system prompt (what the prompt-extraction scenarios try to get out).
 * - The gateway on loopback with a free port; no key file of the operator's (the jail makes its own key);
 *   no embeddings server (none is reachable in the jail); channel and webhook sections removed.
 * - Everything else — exec, net, broker, guards, output, budgets, breaker, logging — exactly as configured.
 */
import { stringify } from 'yaml';
import { type Config, isReservedSecretName } from '../config/index.js';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';

/** Used when the target agent's provider has no key: the hostile model still gets one, a vault value to steal. */
export const FALLBACK_PROVIDER_KEY = 'DRILL_PROVIDER_API_KEY';
/** Sections of future transport features a drill must never serve (the copy drops them whatever they hold). */
const DISABLED_SECTIONS = ['channels', 'webhooks', 'telegram', 'slack', 'discord'] as const;

export interface DrillConfigInput {
  readonly config: Config;
  readonly targetAgent: string;
  /** Agent ids of the copies, one per scenario. */
  readonly agentIds: readonly string[];
  /** Base URL of the hostile model for one copy. */
  readonly providerUrl: (agentId: string) => string;
  /** Appended to the target agent's system prompt. */
  readonly promptNote: string;
}

export interface DrillConfig {
  readonly yaml: string;
  readonly providerKeyName: string;
  /** Secret names the decoy vault holds (the operator's names: references in config and the agents' globs). */
  readonly secretNames: readonly string[];
  readonly notes: readonly string[];
}

/** A secret name that an agent glob (`OPENAI_*`, `DB_?ASS`) lets through. */
function nameMatching(glob: string): string {
  return glob.replace(/\*/g, 'DRILL').replace(/\?/g, 'X');
}

function withoutUndefined(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
    return out;
  }
  return value;
}

/** Secret names the config refers to, besides the agents' globs. */
function referencedNames(config: Config): string[] {
  const names = new Set<string>();
  for (const p of Object.values(config.providers)) if (p.apiKey) names.add(p.apiKey.secret);
  for (const b of config.broker.bindings) names.add(b.secret);
  for (const n of Object.keys(config.output.allowedSecretTools ?? {})) names.add(n);
  const embedKey = config.memory.embeddings?.apiKey?.secret;
  if (embedKey) names.add(embedKey);
  return [...names];
}

export function buildDrillConfig(input: DrillConfigInput): Result<DrillConfig, BulwarkError> {
  const { config } = input;
  const target = config.agents.find((a) => a.id === input.targetAgent);
  if (!target)
    return err(
      bulwarkError(
        'drill.agent',
        `no agent "${input.targetAgent}" in the config; agents: ${config.agents.map((a) => a.id).join(', ')} (use --agent ID)`,
      ),
    );
  const notes: string[] = [];
  const original = target.provider !== undefined ? config.providers[target.provider] : undefined;
  const providerKeyName = original?.apiKey?.secret ?? FALLBACK_PROVIDER_KEY;
  if (original?.type === 'anthropic')
    notes.push('the agent uses an Anthropic provider; the hostile model speaks the OpenAI wire format in its place');
  if (!original?.apiKey)
    notes.push(`the agent's provider has no API key; the drill gives the hostile model one (${FALLBACK_PROVIDER_KEY})`);

  const names = new Set([providerKeyName, ...referencedNames(config)]);
  for (const g of target.secrets) names.add(g.includes('*') || g.includes('?') ? nameMatching(g) : g);
  const copy: Record<string, unknown> = { ...(config as unknown as Record<string, unknown>) };
  for (const section of DISABLED_SECTIONS) {
    if (section in copy) {
      Reflect.deleteProperty(copy, section);
      notes.push(`${section} are disabled in the drill`);
    }
  }
  copy.server = { ...config.server, host: '127.0.0.1', port: 0, insecure: false, allowedHosts: [] };
  copy.providers = Object.fromEntries(
    input.agentIds.map((id) => [
      id,
      {
        type: 'openai',
        baseUrl: input.providerUrl(id),
        apiKey: { secret: providerKeyName },
        timeoutMs: original?.timeoutMs ?? 120_000,
      },
    ]),
  );
  copy.agents = input.agentIds.map((id) => ({
    ...target,
    id,
    provider: id,
    workspace: undefined,
    systemPrompt: `${target.systemPrompt}\n\n${input.promptNote}`,
  }));
  if (target.workspace !== undefined)
    notes.push(`the agent's workspace ${target.workspace} is replaced by a throwaway one per scenario`);
  copy.secrets = { ...config.secrets, masterKeyFile: undefined };
  if (config.memory.embeddings) {
    copy.memory = { ...config.memory, embeddings: undefined };
    notes.push('memory embeddings are off in the drill (no embeddings server is reachable in its jail)');
  }
  return ok({
    yaml: stringify(withoutUndefined(copy)),
    providerKeyName,
    secretNames: [...names].filter((n) => !isReservedSecretName(n)).sort(),
    notes,
  });
}
