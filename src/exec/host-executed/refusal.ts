/** What the judge answers when a change would plant something the host runs: where, which rule, which key, why. */
import type { GateId } from '../../core/index.js';

/** The gate whose refusals these are (the effects gate; see the README on host-executed files). */
export const HOST_FILES_GATE: GateId = 'L11.7';

export interface HostFileRefusal {
  /** Workspace-relative path of the file that would run or load code. */
  readonly path: string;
  /** The table entry's id (table.ts), or `path.invalid` / `git.pointer` for pointers that leave the workspace. */
  readonly rule: string;
  /** For git config: the variable refused (e.g. `core.fsmonitor`). */
  readonly key?: string;
  /** What and why, and how the operator can approve it. */
  readonly reason: string;
}

export const OPERATOR_ONLY =
  'Only the operator can allow this one change: approve it when bulwark asks (`bulwark approvals`, or the approvals API), or make it by hand; the model cannot.';

export function hostFileRefusal(path: string, rule: string, what: string, why: string, key?: string): HostFileRefusal {
  return {
    path,
    rule,
    ...(key !== undefined ? { key } : {}),
    reason: `${path}: ${what} — ${why}. ${OPERATOR_ONLY}`,
  };
}

/** One line for a tool result or an audit record. */
export function describeRefusals(refusals: readonly HostFileRefusal[]): string {
  return refusals.map((r) => `[${r.rule}${r.key !== undefined ? ` ${r.key}` : ''}] ${r.reason}`).join('\n');
}
