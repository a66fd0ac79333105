/** Config fragments for L27/L13, per agent: `approvals: { require, deny, timeoutMs, scratch, strangers }`. */
import { z } from 'zod';

/** L27 action classes (the same union as `ActionClass` in agent/tools/tool.ts; a test keeps them identical). */
export const ACTION_CLASSES = [
  'read',
  'write',
  'network',
  'exec',
  'destructive',
  'credential',
  'config',
  'messaging',
  'memory',
] as const;
export type ActionClass = (typeof ACTION_CLASSES)[number];

export const ActionClassSchema = z.enum(ACTION_CLASSES);

const scratchDir = z
  .string()
  .min(1)
  .max(200)
  .refine(
    (s) => !s.startsWith('/') && !s.split('/').includes('..') && !s.includes('\0'),
    'a directory relative to the workspace, without ..',
  );

/** What a turn whose caller is not the owner may do with tools that reach the workspace or run anything. */
export const STRANGER_TOOL_MODES = ['ask', 'allow', 'deny'] as const;
export type StrangerToolMode = (typeof STRANGER_TOOL_MODES)[number];

export const ApprovalsConfigSchema = z.strictObject({
  /** Classes that pause for an operator decision. */
  require: z.array(ActionClassSchema).max(16).default(['destructive', 'credential', 'config']),
  /** Classes refused outright (deny wins over require). */
  deny: z.array(ActionClassSchema).max(16).default([]),
  /** No decision within this time = deny. */
  timeoutMs: z.number().int().min(1000).max(3_600_000).default(120_000),
  /** Workspace-relative directories where overwriting an existing file is a plain write. */
  scratch: z.array(scratchDir).max(32).default(['scratch', 'tmp']),
  /**
   * Non-owner callers' turns (a webhook, a channel user or token not marked owner): `ask` holds every call of
   * the classes in STRANGER_CLASSES for the operator, `deny` refuses them, `allow` leaves them to require/deny.
   */
  strangers: z
    .enum(STRANGER_TOOL_MODES, {
      error: (i) =>
        `must be one of ${STRANGER_TOOL_MODES.join(', ')} (what a non-owner caller's turn may do with workspace, exec and network tools), not ${JSON.stringify(i.input)}`,
    })
    .default('ask'),
});
export type ApprovalsConfig = z.infer<typeof ApprovalsConfigSchema>;

export const DEFAULT_APPROVALS: ApprovalsConfig = ApprovalsConfigSchema.parse({});
