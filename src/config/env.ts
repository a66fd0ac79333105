/**
 * The ONE module that reads process.env (lint bans it everywhere else).
 * The environment is snapshotted once; secret-bearing variables can then be scrubbed
 * from process.env so that later code and children cannot read them.
 */
import process from 'node:process';

let snapshot: Readonly<Record<string, string>> | undefined;

export function envSnapshot(): Readonly<Record<string, string>> {
  if (!snapshot) {
    const copy: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (typeof v === 'string') copy[k] = v;
    snapshot = Object.freeze(copy);
  }
  return snapshot;
}

export function envVar(name: string): string | undefined {
  return envSnapshot()[name];
}

/** Removes the named variables from the live process environment (the snapshot keeps them). */
export function scrubProcessEnv(names: Iterable<string>): string[] {
  envSnapshot();
  const removed: string[] = [];
  for (const n of names) {
    if (Object.prototype.hasOwnProperty.call(process.env, n)) {
      Reflect.deleteProperty(process.env, n);
      removed.push(n);
    }
  }
  return removed;
}

/** Test hook: forget the snapshot so the next read takes a fresh one. */
export function resetEnvSnapshotForTests(): void {
  snapshot = undefined;
}
