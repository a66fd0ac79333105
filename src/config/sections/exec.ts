/** The `exec:` config section (L11 and the exec layers). */
import { z } from 'zod';

export const ExecLimitsSchema = z.strictObject({
  /** CPU seconds per command (RLIMIT_CPU). */
  cpuSeconds: z.number().int().min(1).max(86_400).default(120),
  /** Address space per process in MiB (RLIMIT_AS). */
  memoryMb: z.number().int().min(64).max(1_048_576).default(4096),
  /** Processes and threads in the whole sandbox (cgroup pids.max). */
  processes: z.number().int().min(8).max(65_536).default(256),
  /** Largest file a command may write, in MiB (RLIMIT_FSIZE). */
  fileSizeMb: z.number().int().min(1).max(1_048_576).default(1024),
  /** Size of the private /tmp tmpfs, in MiB. */
  tmpMb: z.number().int().min(1).max(65_536).default(256),
  /** What one exec may add to the workspace, in MiB (L11.8: the size of its copy-on-write upper layer). */
  workspaceWriteMb: z.number().int().min(1).max(1_048_576).default(2048),
  /**
   * Entries one exec may leave in its copy-on-write upper layer (new files, directories, links, deletion marks):
   * the inode count of that layer (L11.8). Each one costs the daemon memory and time when it judges the run.
   * Approximate: overlayfs's own xattrs (a new directory's opaque mark, a copy-up's origin) take a little of the room.
   */
  workspaceFiles: z.number().int().min(16).max(10_000_000).default(20_000),
});
export type ExecLimits = z.infer<typeof ExecLimitsSchema>;

const LIMIT_DEFAULTS: ExecLimits = {
  cpuSeconds: 120,
  memoryMb: 4096,
  processes: 256,
  fileSizeMb: 1024,
  tmpMb: 256,
  workspaceWriteMb: 2048,
  workspaceFiles: 20_000,
};

/** Paths whose deletion or change never needs the operator and is not journaled (caches, build output). */
export const DISPOSABLE_DEFAULTS = [
  'node_modules/**',
  'dist/**',
  'build/**',
  'target/**',
  '.venv/**',
  '.next/**',
  'coverage/**',
  '.pytest_cache/**',
  '.cache/**',
  '__pycache__/**',
  '*.pyc',
  '*.o',
];

const RelativeGlob = z
  .string()
  .min(1)
  .max(256)
  .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]+$/, 'a workspace-relative pattern');

export const ExecConfigSchema = z.strictObject({
  /** auto: the best working OS sandbox, exec disabled when none works; bwrap: bwrap or nothing; off: no OS sandbox (explicit, every run audited as unsandboxed). */
  sandbox: z.enum(['auto', 'bwrap', 'off']).default('auto'),
  /** none: no network; broker: only the credential broker (L08); host: the host's network (loudly logged). */
  network: z.enum(['none', 'broker', 'host']).default('none'),
  timeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
  /** Output kept per stream: half from the head, half from the tail. */
  maxOutputBytes: z
    .number()
    .int()
    .min(1024)
    .max(16 * 1024 * 1024)
    .default(64 * 1024),
  limits: ExecLimitsSchema.default(LIMIT_DEFAULTS),
  /** Apply the seccomp filter when the kernel and architecture allow it. */
  seccomp: z.boolean().default(true),
  /** Extra workspace-relative paths mounted read-only (added to the built-in persistence paths). */
  protectedPaths: z
    .array(
      z
        .string()
        .min(1)
        .max(256)
        .regex(/^(?!\/)(?!.*(^|\/)\.\.(\/|$))[^\0]+$/, 'a relative path inside the workspace'),
    )
    .max(64)
    .default([]),
  /** L11.7: a run that deletes or changes more pre-existing files than this waits for the operator. */
  holdOver: z.strictObject({ files: z.number().int().min(0).max(1_000_000).default(50) }).default({ files: 50 }),
  /** L11.7: paths changed or deleted without asking and without journaling (`*` one name, `**` any depth). */
  disposable: z.array(RelativeGlob).max(256).default(DISPOSABLE_DEFAULTS),
  /**
   * L11.7: a file the host runs (a .pyc, a virtualenv command, an npm shim, a .pth, an executable) created or changed
   * in a disposable path. hold: the run waits for the operator, who is shown each file with size and sha256; show:
   * applied without asking, still listed in the run's report and audit line.
   */
  disposableHostRun: z.enum(['hold', 'show']).default('hold'),
  /** Host user the sandbox runs as when the workspace's owner is root (created by `bulwark init`). */
  sandboxUser: z
    .string()
    .regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a user name')
    .default('bulwark-sandbox'),
  /** The undo journal of applied changes: pre-images kept per workspace, oldest dropped beyond this. */
  journal: z.strictObject({ maxMb: z.number().int().min(1).max(1_048_576).default(1024) }).default({ maxMb: 1024 }),
});
export type ExecConfig = z.infer<typeof ExecConfigSchema>;

export const EXEC_DEFAULTS: ExecConfig = ExecConfigSchema.parse({});
