/**
 * L14 trust order and its one rule: trust is monotone. Combining inputs gives the lowest of them; an update can
 * lower an entry's trust, never raise it (the store enforces the same with a trigger); only the operator's promote
 * makes a new owner entry.
 */
import type { Caller } from '../core/index.js';
import type { MemoryOrigin } from './types.js';

const RANK: Readonly<Record<MemoryOrigin, number>> = { external: 0, agent: 1, system: 2, owner: 3 };

export function trustRank(origin: MemoryOrigin): number {
  return RANK[origin];
}

export function originOfRank(rank: number): MemoryOrigin {
  const found = (Object.keys(RANK) as MemoryOrigin[]).find((o) => RANK[o] === rank);
  return found ?? 'external';
}

/** The lowest trust of the given origins (none given: external, fail closed). */
export function lowestOrigin(origins: readonly MemoryOrigin[]): MemoryOrigin {
  if (origins.length === 0) return 'external';
  return originOfRank(Math.min(...origins.map(trustRank)));
}

/** May an entry at `from` be changed to `to`? Only downwards (or unchanged). */
export function canChangeTrust(from: MemoryOrigin, to: MemoryOrigin): boolean {
  return trustRank(to) <= trustRank(from);
}

/** The operator acting on memory: an admin-scoped caller (admin API token, the CLI on the data dir). */
export function isOperator(caller: Caller): boolean {
  return caller.scopes.includes('admin');
}

/** The CLI acting on the data dir directly (it holds the data dir, so it is the operator). */
export function operatorCaller(via: string): Caller {
  return { kind: 'internal', id: `operator:${via}`, scopes: ['admin'], owner: true };
}
