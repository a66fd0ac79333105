/**
 * L11.7 on the write and edit tools: before a file is written, the workspace as it would be after the write is
 * judged for host-executed files (src/exec/host-executed: git config and hooks in any git directory, .envrc, editor
 * tasks, rc files, …). A refused write does not happen; the operator — never the model — may allow that one
 * change through the approval queue. The approval is bound to the path, the new content, the file it replaces and
 * the refusals shown; right before writing, all of it is computed again, and a difference voids the approval.
 */
import { createHash } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { bulwarkError, type BulwarkError, err, ok, type Result, relativeTo } from '../../../core/index.js';
import { WRITE_MAX_BYTES, confinedPath, writeWorkspaceFile } from './workspace-fs.js';
import {
  describeRefusals,
  HOST_FILES_GATE,
  judgeChanges,
  overlayView,
  workspaceTreeView,
  type HostFileChange,
  type HostFileRefusal,
  type OverlayEntry,
  type FileJournal,
} from '../../../exec/index.js';
import { canonicalJson, lineDiff } from '../../../policy/index.js';
import type { ToolRunContext } from '../tool.js';

export interface HostFilePlan {
  /** Workspace-relative real path the write lands on. */
  readonly rel: string;
  readonly refusals: readonly HostFileRefusal[];
  /** sha256 of the file now, 'absent' when there is none, 'not-a-file' otherwise. */
  readonly preimage: string;
  /** sha256 over everything an approval covers. */
  readonly bind: string;
  /** The file's text now, for the operator's diff. */
  readonly before?: string;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** `a/./b/../c` → `a/c`; the path was already confined by safePath, so `..` never climbs above the root. */
function lexical(untrusted: string): string {
  const out: string[] = [];
  for (const s of untrusted.split('/')) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out.join('/');
}

/** Judges writing `content` at `untrusted`; synchronous, so a write right after it sees the tree it judged. */
export function planHostFiles(
  workspace: string,
  untrusted: string,
  content: string,
  maxBytes: number,
): Result<HostFilePlan, BulwarkError> {
  const p = confinedPath(workspace, untrusted);
  if (!p.ok) return p;
  const root = realpathSync(workspace);
  const rel = relativeTo(root, p.value).split('\\').join('/');
  // The workspace itself is not a file: the write refuses it on its own.
  if (rel === '') return ok({ rel, refusals: [], preimage: 'not-a-file', bind: '' });
  const base = workspaceTreeView(root, { maxFileBytes: maxBytes + 1 });
  const bytes = Buffer.from(content, 'utf8');
  const changes: HostFileChange[] = [{ path: rel, kind: 'file', content: bytes }];
  const textual = lexical(untrusted);
  // Through a symlinked directory the file is also reachable (and loaded) under the name the model used.
  if (textual !== rel) changes.push({ path: textual, kind: 'file', content: bytes });
  // Directories the write creates are changes of their own: one may complete a git directory (objects/, refs/).
  const names = rel.split('/');
  for (let i = 1; i < names.length; i++) {
    const dir = names.slice(0, i).join('/');
    if (!base.exists(dir)) changes.push({ path: dir, kind: 'dir' });
  }
  const after = overlayView(base, new Map<string, OverlayEntry>([[rel, { kind: 'file', content: bytes }]]));
  // Judged against the tree before: what the operator already has (extra config keys, own hooks) is not this write's.
  const judged = judgeChanges(changes, after, { before: base });
  const refusals = judged.ok ? [] : judged.error;
  const current = base.readFile(rel);
  const preimage = current !== undefined ? sha256(current) : base.exists(rel) ? 'not-a-file' : 'absent';
  const bind = sha256(
    canonicalJson({
      path: rel,
      content: sha256(bytes),
      preimage,
      refusals: refusals.map((r) => [r.path, r.rule, r.key ?? '']),
    }),
  );
  return ok({
    rel,
    refusals,
    preimage,
    bind,
    ...(current !== undefined ? { before: current.toString('utf8') } : {}),
  });
}

function refusedError(path: string, refusals: readonly HostFileRefusal[], extra?: string): BulwarkError {
  return bulwarkError(
    'host_file.refused',
    `Host-executed file (${HOST_FILES_GATE}): ${path} was not written.\n${describeRefusals(refusals)}${extra ? `\n${extra}` : ''}`,
    {
      layer: HOST_FILES_GATE,
      status: 403,
      details: { refusals: refusals.map((r) => ({ path: r.path, rule: r.rule, ...(r.key ? { key: r.key } : {}) })) },
    },
  );
}

/**
 * A plan with refusals becomes an approval request the operator sees (path, rule, key, reason, diff). Ok only when
 * the operator approved exactly this change; without an operator channel the refusal stands.
 */
export async function approveHostFiles(
  ctx: ToolRunContext,
  path: string,
  plan: HostFilePlan,
  content: string,
): Promise<Result<void, BulwarkError>> {
  if (plan.refusals.length === 0) return ok(undefined);
  if (!ctx.operator)
    return err(
      refusedError(path, plan.refusals, 'No operator can be asked here; the operator can make the change by hand.'),
    );
  const diff = lineDiff(plan.rel, plan.before, content);
  const asked = await ctx.operator.ask({
    layer: HOST_FILES_GATE,
    subject: {
      hostFiles: {
        path: plan.rel,
        contentSha256: sha256(Buffer.from(content, 'utf8')),
        bind: plan.bind,
        refusals: plan.refusals.map((r) => ({ path: r.path, rule: r.rule, ...(r.key ? { key: r.key } : {}) })),
      },
    },
    preimage: plan.preimage,
    classes: ['config', 'exec'],
    reasons: plan.refusals.map((r) => `${HOST_FILES_GATE} ${r.rule}${r.key ? ` ${r.key}` : ''}: ${r.reason}`),
    diff,
    effects: [
      {
        path: plan.rel,
        change: plan.before === undefined ? 'created' : 'modified',
        bytes: Buffer.byteLength(content, 'utf8'),
        diff,
      },
    ],
  });
  if (!asked.ok) return err(refusedError(path, plan.refusals, asked.error.message));
  return ok(undefined);
}

/** After an approval: the change about to be written must be the one approved. */
export function sameAsApproved(path: string, approved: HostFilePlan, now: HostFilePlan): Result<void, BulwarkError> {
  if (now.bind === approved.bind) return ok(undefined);
  return err(
    bulwarkError(
      'host_file.stale',
      `Host-executed file (${HOST_FILES_GATE}): ${path} was not written: the file or the workspace changed while the operator decided, so the approval does not cover what would be written now.`,
      { layer: HOST_FILES_GATE, status: 409 },
    ),
  );
}

/**
 * The write path the write and edit tools share: `content` is judged (L11.7); when it is refused the operator is
 * asked, then `again()` gives the content for the file as it is now, which is judged again and must match what was
 * approved; the write goes through the undo journal, synchronous from the last judgement to the write.
 */
export async function writeJudged(
  ctx: ToolRunContext,
  files: FileJournal,
  tool: 'write' | 'edit',
  path: string,
  content: string,
  again: () => Result<string, BulwarkError>,
): Promise<Result<{ bytes: number; created: boolean }, BulwarkError>> {
  let next = content;
  const plan = planHostFiles(ctx.workspace, path, next, WRITE_MAX_BYTES);
  if (!plan.ok) return plan;
  if (plan.value.refusals.length > 0) {
    const approved = await approveHostFiles(ctx, path, plan.value, next);
    if (!approved.ok) return approved;
    const now = again();
    if (!now.ok) return now;
    next = now.value;
    const replanned = planHostFiles(ctx.workspace, path, next, WRITE_MAX_BYTES);
    if (!replanned.ok) return replanned;
    const same = sameAsApproved(path, plan.value, replanned.value);
    if (!same.ok) return same;
  }
  const written = next;
  await files.turnFree(ctx.workspace);
  return files.around(
    ctx.workspace,
    path,
    { tool, turn: ctx.traceId, sessionId: ctx.sessionId, agentId: ctx.agentId },
    () => writeWorkspaceFile(ctx.workspace, path, written),
  );
}
