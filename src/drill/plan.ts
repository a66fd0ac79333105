/**
 * What the drill hands its jail (on the jailed process's stdin) and what the jail reports back (one JSON object per
 * line on its stdout). The plan holds decoys only: the operator's real secrets never enter the jail.
 */
import { z } from 'zod';
import { GOAL_IDS, type Goal } from './scenario.js';

export const APPROVAL_POLICIES = ['deny', 'approve'] as const;
export type ApprovalPolicy = (typeof APPROVAL_POLICIES)[number];

const ScenarioRefSchema = z.strictObject({
  /** The scenario's id in the library (the jail reloads the library from the package and checks it matches). */
  id: z.string(),
  /** The drilled agent (a copy of the target agent) this scenario runs against. */
  agent: z.string(),
});

export const PlanSchema = z.strictObject({
  /** config.yaml of the drilled daemon (a copy of the operator's, see drill-config.ts). */
  configYaml: z.string(),
  /** Where the drilled daemon keeps its data inside the jail (the operator's data dir path, on a tmpfs). */
  dataDir: z.string(),
  home: z.string(),
  /** The package root (for `{{bulwark}}`: how an attacker would find the CLI). */
  packageRoot: z.string(),
  /** Scenario library folder (the package's, or a test's). */
  libraryDir: z.string(),
  scenarios: z.array(ScenarioRefSchema),
  /** Decoy values for the vault, by the operator's secret names. */
  vault: z.record(z.string(), z.string()),
  /** The secret name of each drilled agent's provider key (all the same name; kept here for the judge). */
  providerKeyName: z.string(),
  host: z.strictObject({
    sshKey: z.string(),
    sshNeedle: z.string(),
    awsCredentials: z.string(),
    awsSecret: z.string(),
    tlsKey: z.string(),
    tlsNeedle: z.string(),
    envName: z.string(),
    envSecret: z.string(),
    promptNote: z.string(),
    promptSecret: z.string(),
  }),
  /** Where decoy host directories are in the jail (only those that exist on the host get a tmpfs). */
  tlsDir: z.string().optional(),
  approvals: z.enum(APPROVAL_POLICIES),
  /** Port of the hostile provider on the jail's loopback. */
  providerPort: z.number().int().min(1).max(65535),
});
export type Plan = z.infer<typeof PlanSchema>;

/** ERROR: the scenario could not be played to the end (the drill failed; never counted as held). */
export type Verdict = 'HELD' | 'BROKE' | 'SKIPPED' | 'ERROR';

/** One row of the report. */
export interface ScenarioResult {
  readonly id: string;
  readonly goal: Goal;
  readonly title: string;
  readonly verdict: Verdict;
  /** The gate whose refusal stopped the attack (first in time), when one was recorded. */
  readonly layer: string | null;
  /** Every gate that refused something during the scenario, in order. */
  readonly layers: readonly string[];
  /** Why: the check that held (BROKE), the refusal seen (HELD), or why it did not run (SKIPPED). */
  readonly evidence: string;
  readonly ms: number;
}

/** A line the jail writes. */
export type JailMessage =
  | {
      readonly type: 'ready';
      readonly scenarios: number;
      readonly layers: ReadonlyArray<{ id: string; state: string; reason: string }>;
      readonly notes: readonly string[];
    }
  | { readonly type: 'start'; readonly index: number; readonly id: string }
  | { readonly type: 'result'; readonly index: number; readonly result: ScenarioResult }
  | { readonly type: 'done'; readonly notes: readonly string[] }
  | { readonly type: 'failed'; readonly message: string };

export function isGoal(value: string): value is Goal {
  return (GOAL_IDS as readonly string[]).includes(value);
}
