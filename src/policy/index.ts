/** The policy room's public surface: everything other rooms use from it, and nothing else. */
export { classifyAction, type Classification } from './action-classifier.js';
export { askedBy } from './approval-caller.js';
export { rankCommands, type CommandsView, type RankedCommand } from './approval-commands.js';
export { buildEffect, buildView, lineDiff } from './approval-effect.js';
export { APPROVAL_STATUSES, MAX_APPROVAL_PAGE, type ApprovalStore } from './approval-store.js';
export type { Decision } from './approval-tokens.js';
export {
  ApprovalQueue,
  type ApprovalCaller,
  type ApprovalContext,
  type ApprovalSnapshot,
  type EffectEntryView,
  type EffectView,
  type PendingApproval,
} from './approvals.js';
export { canonicalJson, effectHash, type Effect, type NetworkGrant } from './effect-hash.js';
export type { GrantStore } from './grant-store.js';
export { MAX_GRANT_MINUTES, ScopedGrants, type Grant, type GrantScope } from './grants.js';
export { networkGrantFor } from './network-grant.js';
export { SqliteApprovalStore } from './sqlite-approval-store.js';
export { SqliteGrantStore } from './sqlite-grant-store.js';
export { compileToolPolicies, type ToolGroupName, type ToolPolicy } from './tool-policy.js';
