/**
 * `exec` (group runtime, action class exec): runs a shell command line in the agent's workspace
 * through the six exec layers (L12 tool policy above; command policy, env denylist, working
 * directory check, OS sandbox and allow-listed environment in src/exec). Output keeps head and
 * tail; a timeout or a cancelled turn kills the whole process tree.
 */
import { auditContext, bulwarkError, err, ok } from '../../core/index.js';
import { z } from 'zod';
import {
  describeHostRunFile,
  describeMemoryKilled,
  type ApproveEffects,
  type EffectsReport,
  type ExecRunner,
  type ReadOnlyTree,
} from '../../exec/index.js';
import { jsonSchemaOf, parseArgs } from './args.js';
import type { EgressCheck } from '../egress-taint.js';
import type { RequestHeader } from '../../net/index.js';
import type { ProvenanceTaint } from '../provenance-taint.js';
import type { Tool, ToolRunContext } from './tool.js';

const ArgsSchema = z.strictObject({
  command: z
    .string()
    .min(1)
    .max(64 * 1024)
    .describe('shell command line, run with /bin/sh -c in the workspace'),
  cwd: z
    .string()
    .min(1)
    .max(4096)
    .optional()
    .describe('working directory relative to the workspace (default: the workspace root)'),
  timeoutMs: z
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .optional()
    .describe('kill the command after this many milliseconds (capped by the operator)'),
  env: z
    .record(z.string(), z.string())
    .optional()
    .describe('extra environment variables (loader/interpreter variables are refused)'),
  stdin: z
    .string()
    .max(1024 * 1024)
    .optional()
    .describe('text fed to the command on standard input'),
});

export interface ExecToolDeps {
  /** The runner from `startExec`; absent when exec is disabled (no working sandbox). */
  readonly runner?: ExecRunner;
  /** Why exec is disabled, shown to the model and the operator. */
  readonly disabledReason?: string;
  /** Held effect sets (L11.7) go to the operator through this (bound late: the approval queue comes later). */
  readonly approveEffects?: () => ((ctx: ToolRunContext) => ApproveEffects) | undefined;
  /** Folders the agent's runs see read-only under /skills (its enabled skills), read at each run. */
  readonly readOnlyFor?: (agentId: string) => readonly ReadOnlyTree[];
  /** L08.1 for the requests the run sends through the broker (exec.network: broker), bound to this turn. */
  readonly egress?: EgressCheck;
  /** L08.1 by provenance: a run could read the whole workspace, so one holding a vault value taints the session. */
  readonly provenance?: ProvenanceTaint;
}

const SHOWN_CHANGES = 20;

/** The model's honest account of what happened to the command's changes. */
export function describeEffects(r: EffectsReport): string {
  const list = r.changes
    .slice(0, SHOWN_CHANGES)
    .map((c) => `  ${c.change} ${c.path}${c.from ? ` (from ${c.from}${c.modified ? ', edited' : ''})` : ''}`)
    .join('\n');
  const more = r.changes.length > SHOWN_CHANGES ? `\n  … ${r.changes.length - SHOWN_CHANGES} more` : '';
  const files = `${r.changes.length} change${r.changes.length === 1 ? '' : 's'}`;
  const hostRun = r.hostRun?.length
    ? `\n  files the host runs, in disposable paths (not in the undo journal):\n${r.hostRun
        .slice(0, SHOWN_CHANGES)
        .map((f) => `    ${describeHostRunFile(f)}`)
        .join('\n')}${r.hostRun.length > SHOWN_CHANGES ? `\n    … ${r.hostRun.length - SHOWN_CHANGES} more` : ''}`
    : '';
  switch (r.status) {
    case 'unchanged':
      return 'workspace: unchanged';
    case 'applied':
      return `workspace: ${files} applied${r.held ? ' after the operator approved them' : ''} (undo journal ${r.journalId ?? '-'}):\n${list}${more}${hostRun}`;
    case 'refused':
      return `workspace: NOT changed — refused by ${r.gate}: ${r.reason}`;
    case 'held-denied':
      return `workspace: NOT changed — ${r.reason}. Do not retry the same command; ask the user.`;
    case 'discarded':
      // A dry run still shows what the command would have changed.
      return `workspace: NOT changed — ${r.gate === 'L11.8' ? 'quota (L11.8)' : r.gate === 'L11.5' ? 'memory limit (L11.5)' : r.gate}: ${r.reason}${list ? `:\n${list}${more}` : ''}`;
    case 'failed':
      return `workspace: NOT changed — ${r.reason}`;
  }
}

export function createExecTool(deps: ExecToolDeps): Tool {
  return {
    spec: {
      name: 'exec',
      description:
        'Run a shell command in your workspace (isolated: no network unless the operator allows it, only the workspace is writable). ' +
        'Returns the exit code and the output (long output keeps its beginning and end).',
      inputSchema: jsonSchemaOf(ArgsSchema),
    },
    group: 'runtime',
    actionClass: 'exec',
    // Runs on a copy-on-write view have their workspace changes judged after the run (L11.7).
    effectsJudged: () => deps.runner?.transactional === true,
    // Command output can carry anything the command read or fetched.
    external: true,
    async run(args, ctx) {
      const parsed = parseArgs('exec', ArgsSchema, args);
      if (!parsed.ok) return parsed;
      if (!deps.runner) {
        return err(
          bulwarkError(
            'exec.disabled',
            `exec is disabled on this host: ${deps.disabledReason ?? 'no working OS sandbox'}`,
            { layer: 'L11', status: 503 },
          ),
        );
      }
      const a = parsed.value;
      const approver = deps.approveEffects?.();
      const readOnly = deps.readOnlyFor?.(ctx.agentId) ?? [];
      const egress = deps.egress;
      // The workspace is walked before the run starts: a run could read a value, print it re-encoded and delete the
      // file before a walk beside it got there. Unchanged files are only stat'ed, and a tainted session is not walked.
      const provenance = deps.provenance?.execRun(ctx, readOnly);
      await provenance?.ready();
      const r = await deps.runner.run(
        ctx.workspace,
        {
          command: a.command,
          ...(readOnly.length ? { readOnly } : {}),
          ...(a.cwd ? { cwd: a.cwd } : {}),
          ...(a.env ? { env: a.env } : {}),
          ...(a.timeoutMs ? { timeoutMs: a.timeoutMs } : {}),
          ...(a.stdin !== undefined ? { stdin: a.stdin } : {}),
          signal: ctx.signal,
          ...(approver ? { approveEffects: approver(ctx) } : {}),
          ...(egress
            ? {
                egress: async (url: URL, body: string | undefined, headers?: readonly RequestHeader[]) => {
                  // The run may send what it read: L08.1 judges its requests once the workspace walk has tainted.
                  await provenance?.ready();
                  return egress(url, body, ctx, headers);
                },
              }
            : {}),
        },
        auditContext(ctx),
      );
      // A run on a copy-on-write view left the workspace as the first walk saw it until its effects were judged, and
      // its effects name every path it changed (an apply that failed part-way may have left more: walked then).
      const effects = r.ok ? r.value.effects : undefined;
      provenance?.finish(
        effects === undefined,
        effects && effects.status !== 'failed' ? effects.changes.map((c) => c.path) : undefined,
      );
      if (!r.ok) return r;
      const o = r.value;
      const status = o.memoryKilled
        ? `${describeMemoryKilled(o.memoryKilled)}; exit code ${o.exitCode ?? o.signal}`
        : o.timedOut
          ? `killed after timeout`
          : o.cancelled
            ? 'cancelled'
            : o.signal
              ? `killed by ${o.signal}`
              : `exit code ${o.exitCode}`;
      const parts = [`[${status}; ${o.durationMs} ms; sandbox ${o.sandbox}]`];
      if (o.stdout) parts.push(`stdout${o.stdoutTruncated ? ' (truncated)' : ''}:\n${o.stdout}`);
      if (o.stderr) parts.push(`stderr${o.stderrTruncated ? ' (truncated)' : ''}:\n${o.stderr}`);
      if (!o.stdout && !o.stderr) parts.push('(no output)');
      if (o.effects) parts.push(describeEffects(o.effects));
      if (o.quarantined.length)
        parts.push(
          `note: persistence files were created and moved out of the workspace by the operator's policy: ${o.quarantined.join(', ')}`,
        );
      return ok(parts.join('\n'));
    },
  };
}
