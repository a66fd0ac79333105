/**
 * L11.7 → L13: a transactional exec whose effects are held waits for the operator through the same approval
 * queue as every tool call, with one view shape (the changes, a diff per text file, why it was held), redacted
 * by the output guard (L02 and the leak index) before any surface shows it. The decision is bound to the hash
 * of the exact effect set; the command is not run again, its retained changes are applied as shown.
 */
import { approvalContext } from './approval-context.js';
import type { ApproveEffects, HeldEffects } from '../../exec/index.js';
import { lineDiff, type ApprovalQueue, type EffectView, type NetworkGrant } from '../../policy/index.js';
import type { ToolRunContext } from '../tools/tool.js';

export interface EffectApprovalDeps {
  readonly approvals: ApprovalQueue;
  readonly network: (agentId: string) => NetworkGrant;
  readonly timeoutMs: (agentId: string) => number;
  /** L02 + leak index over text an operator will see; never returns the unredacted text on failure. */
  readonly redact: (text: string, ctx: ToolRunContext) => string;
}

const MAX_SHOWN = 200;

export function effectApprover(deps: EffectApprovalDeps): (ctx: ToolRunContext) => ApproveEffects {
  return (ctx) => async (held: HeldEffects) => {
    const r = (t: string) => deps.redact(t, ctx);
    // Files the host runs come first, so a long list cut for display never hides one.
    const hostRun = new Map(held.hostRun.map((f) => [f.path, f]));
    const ordered = [
      ...held.effects.filter((e) => hostRun.has(e.path)),
      ...held.effects.filter((e) => !hostRun.has(e.path)),
    ];
    const effects = ordered.slice(0, MAX_SHOWN).map((e) => {
      const runs = hostRun.get(e.path);
      const before = held.textBefore(e.path);
      const after = held.textAfter(e.path);
      const diff =
        after !== undefined
          ? lineDiff(e.path, before, after)
          : e.change === 'deleted' && before !== undefined
            ? lineDiff(e.path, before, '')
            : undefined;
      return {
        path: r(e.path),
        change: e.change,
        ...(e.from !== undefined ? { from: r(e.from) } : {}),
        bytes: e.bytes,
        ...(diff !== undefined ? { diff: r(diff) } : {}),
        ...(runs?.sha256 !== undefined ? { sha256: runs.sha256 } : {}),
        ...(runs ? { hostRuns: runs.why } : {}),
      };
    });
    const more = held.effects.length - effects.length;
    const reason = r(
      `the command's effects were held: it ${held.reasons.join('; ')}${more > 0 ? ` (${more} more changes not listed; the effect hash covers all ${held.effects.length})` : ''}`,
    );
    const view: EffectView = {
      tool: 'exec',
      classes: ['destructive'],
      reasons: held.reasons.map(r),
      agentId: ctx.agentId,
      sessionId: ctx.sessionId,
      cwd: held.cwd || '.',
      network: deps.network(ctx.agentId),
      args: r(JSON.stringify({ command: held.command })),
      argv: [['/bin/sh', '-c', r(held.command)]],
      layer: 'L11.7',
      reason,
      effects,
      effectsTotal: held.effects.length,
    };
    const outcome = await deps.approvals.request(
      held.effectHash,
      view,
      approvalContext(ctx),
      deps.timeoutMs(ctx.agentId),
      ctx.signal,
    );
    const approved =
      outcome.decision === 'approve' &&
      outcome.token !== undefined &&
      deps.approvals.verifyGrant(outcome.token, held.effectHash) &&
      !ctx.signal.aborted;
    return {
      approved,
      reason: approved ? `approved by ${outcome.by ?? outcome.source}` : (outcome.reason ?? outcome.source),
    };
  };
}
