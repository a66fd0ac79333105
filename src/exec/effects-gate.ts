/**
 * Gate L11.7 after a transactional run: the effect set is judged (host-executed files and known secret values
 * refused, destructive changes held for the operator, the rest applied) and applied exactly as judged from the
 * retained upper layer — the command is never run again. A held set waits for the operator through the
 * approval callback the caller gives (the turn waits); a denial or timeout discards it.
 */
import { lstatSync, readFileSync } from 'node:fs';
import { type BulwarkError, nestedPath } from '../core/index.js';
import { applyUpper, preImageBytes } from './effects/apply.js';
import { decide, hostFilesVerdict, type EffectPolicy, type Verdict } from './effects/decide.js';
import { effectSetHash } from './effects/effect-hash.js';
import type { Journal } from './effects/journal.js';
import type { HostRunFile } from './effects/host-run.js';
import type { Effect } from './effects/types.js';
import type { OverlayOutcome } from './overlay-view.js';

/** What the operator is shown for a held run (the approval surface redacts it before showing). */
export interface HeldEffects {
  readonly command: string;
  /** Working directory relative to the workspace ('' is its root). */
  readonly cwd: string;
  readonly effects: readonly Effect[];
  readonly reasons: readonly string[];
  readonly bytesWritten: number;
  readonly effectHash: string;
  /** Files the host runs that the run created or changed in disposable paths (not journaled), with size and hash. */
  readonly hostRun: readonly HostRunFile[];
  /** Text of a changed file before and after (undefined when absent, binary or too large to show). */
  textBefore(path: string): string | undefined;
  textAfter(path: string): string | undefined;
}

export interface EffectDecision {
  readonly approved: boolean;
  /** Why (timeout, operator denied, …), for the tool result and the audit line. */
  readonly reason: string;
}

/** Asks the operator about a held effect set; never rejects. */
export type ApproveEffects = (held: HeldEffects) => Promise<EffectDecision>;

export type EffectsStatus = 'applied' | 'unchanged' | 'refused' | 'held-denied' | 'discarded' | 'failed';

export interface EffectsReport {
  readonly status: EffectsStatus;
  /** The gate that decided when nothing was applied (L11.5 memory cap, L11.7 effects, L11.8 quota). */
  readonly gate?: 'L11.5' | 'L11.7' | 'L11.8';
  readonly reason?: string;
  /** Operator approval was asked (and given, when status is applied). */
  readonly held?: boolean;
  readonly changes: readonly Pick<Effect, 'path' | 'change' | 'from' | 'modified' | 'bytes'>[];
  readonly bytesWritten: number;
  readonly journalId?: string;
  /**
   * Files the host runs that the run created or changed in disposable paths, with size and hash: the undo journal
   * does not keep them, so the report, the tool result and the audit line do.
   */
  readonly hostRun?: readonly HostRunFile[];
}

export interface EffectsDeps {
  readonly journal: Journal;
  readonly policy: EffectPolicy;
}

export interface JudgeInput {
  readonly outcome: OverlayOutcome;
  readonly workspace: string;
  readonly command: string;
  readonly cwd: string;
  readonly createdThisTurn: ReadonlySet<string>;
  readonly approve?: ApproveEffects;
  /** Judge and report, but apply nothing (`bulwark sandbox run --apply never`). */
  readonly dryRun?: boolean;
  readonly meta: { turn?: string; sessionId?: string; agentId?: string };
}

const TEXT_MAX = 256 * 1024;

function text(abs: string): string | undefined {
  try {
    const st = lstatSync(abs);
    if (!st.isFile() || st.size > TEXT_MAX) return undefined;
    const b = readFileSync(abs);
    return b.includes(0) ? undefined : b.toString('utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw cause;
  }
}

const summary = (effects: readonly Effect[]) =>
  effects.map((e) => ({
    path: e.path,
    change: e.change,
    ...(e.from !== undefined ? { from: e.from } : {}),
    ...(e.modified ? { modified: true } : {}),
    bytes: e.bytes,
  }));

export async function judgeEffects(
  deps: EffectsDeps,
  input: JudgeInput,
): Promise<{ report: EffectsReport; created: string[]; error?: BulwarkError }> {
  const o = input.outcome;
  if (o.kind === 'discarded')
    return {
      report: { status: 'discarded', gate: o.gate, reason: o.reason, changes: [], bytesWritten: 0 },
      created: [],
    };
  const { set, upper, views } = o;
  const changes = summary(set.effects);
  if (set.effects.length === 0)
    return { report: { status: 'unchanged', changes, bytesWritten: set.bytesWritten }, created: [] };
  // Another process's turn (a CLI undo) is waited for with the event loop free, not inside the synchronous apply.
  await deps.journal.turnFree(input.workspace);
  const verdict = keepsUndoHistory(
    await decide(set, upper, views, deps.policy, input.createdThisTurn),
    deps.journal.wouldDrop(input.workspace, preImageBytes(set, deps.policy.disposable)),
  );
  if (verdict.verdict === 'refuse')
    return {
      report: {
        status: 'refused',
        gate: 'L11.7',
        reason: verdict.reason,
        // A secret found in a name would be repeated by the list of changed paths: a leak refusal lists none.
        changes: verdict.rule === 'leak-index' ? [] : changes,
        bytesWritten: set.bytesWritten,
      },
      created: [],
    };
  const hostRun = verdict.hostRun?.length ? { hostRun: verdict.hostRun } : {};
  if (input.dryRun)
    return {
      report: {
        status: 'discarded',
        gate: 'L11.7',
        reason: `not applied (dry run)${verdict.verdict === 'hold' ? `; it would be held: it ${verdict.reasons.join('; ')}` : ''}`,
        held: verdict.verdict === 'hold',
        changes,
        bytesWritten: set.bytesWritten,
        ...hostRun,
      },
      created: [],
    };
  let held = false;
  if (verdict.verdict === 'hold') {
    const effectHash = await effectSetHash(input.command, input.cwd, set, upper);
    held = true;
    const reason = `held for the operator: it ${verdict.reasons.join('; ')}`;
    if (!input.approve)
      return {
        report: {
          status: 'held-denied',
          gate: 'L11.7',
          reason: `${reason}; no operator channel can approve it here, so everything it changed was discarded`,
          held,
          changes,
          bytesWritten: set.bytesWritten,
          ...hostRun,
        },
        created: [],
      };
    const decision = await input.approve({
      command: input.command,
      cwd: input.cwd,
      effects: set.effects,
      reasons: verdict.reasons,
      bytesWritten: set.bytesWritten,
      effectHash,
      hostRun: verdict.hostRun ?? [],
      textBefore: (p) => {
        const e = set.effects.find((x) => x.path === p);
        return e?.before ? text(nestedPath(input.workspace, e.change === 'renamed' && e.from ? e.from : p)) : undefined;
      },
      textAfter: (p) => {
        const e = set.effects.find((x) => x.path === p);
        return e && (e.change === 'created' || e.change === 'modified' || e.modified)
          ? text(nestedPath(upper, p))
          : undefined;
      },
    });
    if (!decision.approved)
      return {
        report: {
          status: 'held-denied',
          gate: 'L11.7',
          reason: `${reason}; not approved (${decision.reason}), so everything it changed was discarded`,
          held,
          changes,
          bytesWritten: set.bytesWritten,
          ...hostRun,
        },
        created: [],
      };
    // The workspace was not locked while the operator decided: what was approved must still be what would be
    // applied, and what it completes must still plant nothing (a run applied meanwhile may have written the config
    // of a directory this run turns into a git directory).
    await deps.journal.turnFree(input.workspace);
    const now = o.rescan();
    if ((await effectSetHash(input.command, input.cwd, now.set, upper)) !== effectHash)
      return {
        report: {
          status: 'failed',
          gate: 'L11.7',
          reason: `${reason}; approved, but the workspace changed at these paths while the operator decided (stale), so nothing was applied; run the command again`,
          held,
          changes,
          bytesWritten: set.bytesWritten,
          ...hostRun,
        },
        created: [],
      };
    const planted = hostFilesVerdict(now.set, now.views);
    if (planted)
      return {
        report: {
          status: 'refused',
          gate: 'L11.7',
          reason: `${reason}; approved, but judged again against the workspace as it is now (runs applied while the operator decided changed it): ${planted.reason}`,
          held,
          changes,
          bytesWritten: set.bytesWritten,
          ...hostRun,
        },
        created: [],
      };
  }
  const owner = lstatSync(input.workspace);
  const applied = applyUpper({
    set,
    upper,
    workspace: input.workspace,
    journal: deps.journal,
    disposable: deps.policy.disposable,
    owner: { uid: owner.uid, gid: owner.gid },
    meta: { tool: 'exec', command: input.command.slice(0, 1000), ...input.meta },
  });
  if (!applied.ok)
    return {
      report: {
        status: 'failed',
        gate: 'L11.7',
        reason: applied.error.message,
        held,
        changes,
        bytesWritten: set.bytesWritten,
      },
      created: [],
      error: applied.error,
    };
  const created = set.effects
    .filter(
      (e) =>
        !e.before && (e.change === 'created' || e.change === 'symlink' || e.change === 'special' || e.change === 'dir'),
    )
    .map((e) => e.path)
    .concat(
      set.effects.filter((e) => e.change === 'renamed' && input.createdThisTurn.has(e.from ?? '')).map((e) => e.path),
    );
  return {
    report: {
      status: 'applied',
      held,
      changes,
      bytesWritten: set.bytesWritten,
      journalId: applied.value.journalId,
      ...hostRun,
    },
    created,
  };
}

/**
 * A run whose pre-images only fit by dropping older undo entries is held: otherwise a command could flush the
 * journal (rewriting a large file of its own, again and again) and make an earlier change of the user's files
 * impossible to undo without anyone approving it.
 */
function keepsUndoHistory(verdict: Verdict, drops: number): Verdict {
  if (drops === 0 || verdict.verdict === 'refuse') return verdict;
  const reason = `needs room in the undo journal (exec.journal.maxMb): applying it drops the undo history of the ${drops} oldest change${drops === 1 ? '' : 's'}`;
  return {
    verdict: 'hold',
    reasons: [...(verdict.verdict === 'hold' ? verdict.reasons : []), reason],
    ...(verdict.hostRun ? { hostRun: verdict.hostRun } : {}),
  };
}
