/**
 * L12 — tool policy engine. A profile names tool groups (and, for `minimal`, exact tools); the
 * agent's allow list adds tools or groups, its deny list removes them and always wins.
 * policy/ sits below agent/, so tools are described here only by (name, group) pairs.
 */
import type { TOOL_PROFILES } from '../config/index.js';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';

export type ToolProfile = (typeof TOOL_PROFILES)[number];

export const TOOL_GROUPS = ['fs:read', 'fs:write', 'runtime', 'web', 'memory', 'messaging', 'sessions', 'mcp'] as const;
export type ToolGroupName = (typeof TOOL_GROUPS)[number];

interface ProfileDefinition {
  readonly groups: readonly ToolGroupName[];
  readonly tools: readonly string[];
}

export const PROFILES: Readonly<Record<ToolProfile, ProfileDefinition>> = {
  minimal: { groups: [], tools: ['exec', 'read', 'write'] },
  coding: { groups: ['fs:read', 'fs:write', 'runtime', 'web', 'memory'], tools: [] },
  messaging: { groups: ['messaging', 'fs:read', 'memory'], tools: [] },
  supervisor: { groups: ['sessions', 'fs:read'], tools: [] },
  full: { groups: [...TOOL_GROUPS], tools: [] },
};

export interface ToolPolicyConfig {
  readonly profile: ToolProfile;
  readonly allow: readonly string[];
  readonly deny: readonly string[];
}

export interface ToolDescriptor {
  readonly name: string;
  readonly group: string;
}

export type ToolDecision = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

export interface ToolPolicy {
  readonly profile: ToolProfile;
  decide(name: string, group: string): ToolDecision;
  /** Names of the given tools this policy lets the model see and call. */
  allowedNames(tools: readonly ToolDescriptor[]): Set<string>;
}

interface EntrySet {
  readonly names: Set<string>;
  readonly groups: Set<string>;
}

function isGroup(g: string): g is ToolGroupName {
  return (TOOL_GROUPS as readonly string[]).includes(g);
}

function parseEntries(list: readonly string[], key: 'allow' | 'deny'): Result<EntrySet, BulwarkError> {
  const names = new Set<string>();
  const groups = new Set<string>();
  for (const raw of list) {
    const entry = raw.trim();
    if (entry.startsWith('group:')) {
      const g = entry.slice('group:'.length);
      if (!isGroup(g)) {
        return err(
          bulwarkError(
            'policy.unknown_group',
            `tools.${key} names unknown group "${g}"; known groups: ${TOOL_GROUPS.join(', ')}`,
            { layer: 'L12' },
          ),
        );
      }
      groups.add(g);
    } else if (entry === '') {
      return err(bulwarkError('policy.empty_entry', `tools.${key} has an empty entry; remove it`, { layer: 'L12' }));
    } else {
      names.add(entry);
    }
  }
  return ok({ names, groups });
}

/** Compiles an agent's `tools` config. A typo in a group name is an error, so a deny entry can never silently do nothing. */
export function compileToolPolicy(config: ToolPolicyConfig): Result<ToolPolicy, BulwarkError> {
  const profileDef = PROFILES[config.profile];
  if (!profileDef)
    return err(
      bulwarkError('policy.unknown_profile', `unknown tool profile "${String(config.profile)}"`, { layer: 'L12' }),
    );
  const allow = parseEntries(config.allow, 'allow');
  if (!allow.ok) return allow;
  const deny = parseEntries(config.deny, 'deny');
  if (!deny.ok) return deny;
  const baseGroups = new Set<string>(profileDef.groups);
  const baseNames = new Set<string>(profileDef.tools);

  const decide = (name: string, group: string): ToolDecision => {
    if (deny.value.names.has(name)) return { allowed: false, reason: `"${name}" is in the agent's tools.deny list` };
    if (deny.value.groups.has(group))
      return { allowed: false, reason: `group "${group}" of "${name}" is in the agent's tools.deny list` };
    if (baseNames.has(name) || baseGroups.has(group)) return { allowed: true };
    if (allow.value.names.has(name) || allow.value.groups.has(group)) return { allowed: true };
    return {
      allowed: false,
      reason: `"${name}" (group ${group}) is not in profile "${config.profile}" nor in tools.allow`,
    };
  };

  return ok({
    profile: config.profile,
    decide,
    allowedNames(tools) {
      const out = new Set<string>();
      for (const t of tools) if (decide(t.name, t.group).allowed) out.add(t.name);
      return out;
    },
  });
}

/** Every agent's policy, by agent id; the first bad one is an error that names its agent. */
export function compileToolPolicies(
  agents: ReadonlyArray<{ readonly id: string; readonly tools: ToolPolicyConfig }>,
): Result<Map<string, ToolPolicy>, BulwarkError> {
  const out = new Map<string, ToolPolicy>();
  for (const agent of agents) {
    const policy = compileToolPolicy(agent.tools);
    if (!policy.ok) return err({ ...policy.error, message: `agent "${agent.id}": ${policy.error.message}` });
    out.set(agent.id, policy.value);
  }
  return ok(out);
}
