/**
 * L27 for turns whose caller is not the owner (`approvals.strangers`). The workspace, exec and the agent's other
 * tools (MCP included) are the owner's: a stranger's call that reads or changes them, runs anything or reaches the
 * network waits for the operator (`ask`), is refused (`deny`) or is left to the agent's own require/deny (`allow`).
 * Memory tools (already per caller) and tools that read only shared, operator-installed files (skills) are not
 * affected. The owner's turns are never affected.
 */
import type { ActionClass, ApprovalsConfig } from '../../config/index.js';

/** Every class except memory: an unknown or MCP tool is destructive unless declared, so it is covered too. */
export const STRANGER_CLASSES: readonly ActionClass[] = [
  'read',
  'write',
  'exec',
  'destructive',
  'network',
  'credential',
  'config',
  'messaging',
];

export interface EffectiveApprovals {
  readonly require: readonly ActionClass[];
  readonly deny: readonly ActionClass[];
  /** Why the call is held or refused beyond the agent's own lists, for the operator's view and the refusal. */
  readonly reason?: string;
}

export function effectiveApprovals(
  cfg: ApprovalsConfig,
  caller: { readonly owner: boolean },
  classes: readonly ActionClass[],
  tool: { readonly sharedReadOnly?: true } | undefined,
): EffectiveApprovals {
  const base = { require: cfg.require, deny: cfg.deny };
  if (caller.owner === true || cfg.strangers === 'allow' || tool?.sharedReadOnly === true) return base;
  const hit = classes.filter((c) => STRANGER_CLASSES.includes(c));
  if (hit.length === 0) return base;
  const merged = (list: readonly ActionClass[]) => [...new Set([...list, ...STRANGER_CLASSES])];
  return cfg.strangers === 'deny'
    ? {
        ...base,
        deny: merged(cfg.deny),
        reason: `the caller is not the owner and this agent refuses their ${hit.join(', ')} calls (approvals.strangers: deny)`,
      }
    : {
        ...base,
        require: merged(cfg.require),
        reason: `the caller is not the owner: their ${hit.join(', ')} calls on the owner's workspace and tools wait for the operator (approvals.strangers: ask)`,
      };
}
