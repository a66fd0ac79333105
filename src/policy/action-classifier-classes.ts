/**
 * L27 action classes. The same union as `ActionClass` in agent/tools/tool.ts (the agent room is a
 * higher tier, so policy/ keeps its own copy; test/controls checks the two stay identical).
 */
export const ACTION_CLASSES = ['read', 'write', 'network', 'exec', 'destructive', 'credential', 'config', 'messaging', 'memory'] as const;
export type ActionClass = (typeof ACTION_CLASSES)[number];
