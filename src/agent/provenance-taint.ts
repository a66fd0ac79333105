/**
 * L08.1 taint by provenance: a session is tainted by what its tools could read, not only by what their results
 * showed. An exec run can read every file of its workspace and print it in forms no index knows (compressed, every
 * other character), and a tool that answers from a file's content without returning it (edit's "not found") is an
 * oracle over it; so a session whose exec run had a workspace holding a vault value, or whose edit read a file
 * holding one, is tainted before the tool's answer reaches the model.
 */
import { describeCause, type EventBus } from '../core/index.js';
import { type SecretTaint, taintSession } from './egress-taint.js';
import type { ReadOnlyTree } from '../exec/index.js';
import type { ToolRunContext } from './tools/tool.js';
import type { WorkspaceSecrets } from './workspace-secrets.js';

/** More than a kernel tick (1 ms at 1000 Hz, 10 ms at 100 Hz): a file changed that much before a run counts too. */
const CTIME_MARGIN_MS = 20;

export interface ProvenanceTaint {
  /**
   * Starts checking the workspace of an exec run (call it before the run starts, so the walk runs beside it).
   * `ready` resolves once that walk is done and the session is tainted if the workspace holds a vault value: the
   * run's own broker requests wait for it, so a run cannot send what it read before the taint is set. `finish`,
   * called once the run ended, with `rewalk` walks again (unchanged files are only stat'ed: this catches a file moved
   * out of the first walk's way by a run that changed the workspace in place) and taints likewise. Both walks are
   * tracked by the session's taint: the run's result goes back at once, and the session's next egress check waits
   * for them. `changed`: what the run changed, as its copy-on-write view's effects name it; a tainted session's
   * written files are then looked for there only, not by a walk of the whole workspace.
   */
  execRun(
    ctx: ToolRunContext,
    readOnly?: readonly ReadOnlyTree[],
  ): { ready(): Promise<void>; finish(rewalk: boolean, changed?: readonly string[]): void };
  /** A tool read `path` and answers from its content: taints the session when `text` holds a vault value. */
  fileRead(ctx: ToolRunContext, tool: string, path: string, text: string): Promise<void>;
}

export interface ProvenanceTaintDeps {
  readonly bus: EventBus;
  readonly taint: SecretTaint;
  readonly secrets: WorkspaceSecrets;
}

export function provenanceTaint(deps: ProvenanceTaintDeps): ProvenanceTaint {
  const mark = (ctx: ToolRunContext, reason: string) =>
    taintSession(
      deps.bus,
      deps.taint,
      { agentId: ctx.agentId, sessionId: ctx.sessionId, traceId: ctx.traceId },
      reason,
    );
  /** The reason one tree the run can read taints the session, or undefined when it holds no value. */
  const checkTree = async (root: string, what: string): Promise<string | undefined> => {
    const w = await deps.secrets.walk(root);
    if (!w.ok) return `an exec run could read ${what}, and ${w.error.message}, so it counts as holding a vault value`;
    return w.value.finding ? `an exec run could read ${what}: ${w.value.finding.reason}` : undefined;
  };
  /** The workspace first, then the skill folders bound read-only at /skills (an operator's skill may hold a key). */
  const check = async (ctx: ToolRunContext, readOnly: readonly ReadOnlyTree[]): Promise<string | undefined> => {
    const found = await checkTree(ctx.workspace, 'the workspace');
    if (found) return found;
    for (const tree of readOnly) {
      const inTree = await checkTree(tree.host, `/skills/${tree.name}`);
      // The walk's reasons speak of "the workspace": here it is the skill's folder.
      if (inTree) return inTree.replaceAll('the workspace', `/skills/${tree.name}`);
    }
    return undefined;
  };
  /**
   * Per workspace, the marking under way of runs that ended: a tainted session's run is answered at once, and the
   * files it wrote are recorded after. A run that starts meanwhile waits for those records before its first walk, or
   * it could read such a file as clean and send it. Only records begun before it started are waited for (they never
   * wait for a later run's, so waiting cannot go round in a circle).
   */
  const marking = new Map<string, Set<Promise<void>>>();
  const recording = (workspace: string, done: Promise<void>) => {
    const set = marking.get(workspace) ?? new Set<Promise<void>>();
    // A record that failed was reported to its own session (which it taints); here it only has to have ended.
    const settled = Promise.allSettled([done]).then(() => {
      set.delete(settled);
      if (set.size === 0 && marking.get(workspace) === set) marking.delete(workspace);
    });
    set.add(settled);
    marking.set(workspace, set);
  };
  return {
    execRun(ctx, readOnly = []) {
      const earlier = [...(marking.get(ctx.workspace) ?? [])];
      // Files the run changes from here on, by their ctime. The kernel stamps ctime from a coarse clock that can lag
      // Date.now() by a tick: a margin keeps a file written in the run's first milliseconds from passing for older.
      const started = Date.now() - CTIME_MARGIN_MS;
      const untainted = async () => (await deps.taint.reasonsNow(ctx.sessionId)) === undefined;
      // Never rejects: a walk that breaks taints the session with the reason (fail closed).
      const walked = async (): Promise<void> => {
        let reason: string | undefined;
        try {
          reason = (await untainted()) ? await check(ctx, readOnly) : undefined;
        } catch (cause) {
          reason = `the workspace scan failed (${describeCause(cause)}), so the workspace counts as holding a vault value`;
        }
        if (reason) await mark(ctx, reason);
      };
      // The records of runs that ended before this one began, however they ended.
      const first = Promise.allSettled(earlier).then(walked);
      deps.taint.track(ctx.sessionId, first);
      return {
        ready: () => first,
        finish(rewalk, changed) {
          // What a run of a tainted session wrote taints the sessions that later read it (R20: session A rewrote a
          // key with `tr`, session B, whose walk found nothing, undid it and sent it).
          const after = first
            .then(() => (rewalk ? walked() : undefined))
            .then(async () => {
              const reasons = await deps.taint.reasonsNow(ctx.sessionId);
              if (reasons)
                await deps.secrets.markWritten(
                  ctx.workspace,
                  started,
                  `an exec run of a session that had seen secret material (${reasons[0] ?? 'tainted'})`,
                  changed,
                );
            })
            .catch(async (cause: unknown) =>
              mark(
                ctx,
                `marking the files this run wrote failed (${describeCause(cause)}), so the workspace counts as holding a vault value`,
              ),
            );
          deps.taint.track(ctx.sessionId, after);
          recording(ctx.workspace, after);
        },
      };
    },
    async fileRead(ctx, tool, path, text) {
      const name = deps.secrets.holds(text);
      if (name) await mark(ctx, `${tool} read ${path}, which holds the value of ${name}`);
    },
  };
}
