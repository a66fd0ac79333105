/**
 * L16 at the prompt boundary: recalls this agent's trusted memories (owner, system, agent; never external) for the
 * turn's user text and appends them to the system prompt in a marked block (memory/recall.ts). The memory-write
 * boundary's gates (L15 → L14) live in the memory room; src/pipelines.ts declares both.
 */
import { auditContext, describeCause, type EventBus, type Gate, type LeakScanner, ok } from '../../core/index.js';
import { recallBlock, type MemoryEntry, type MemoryService } from '../../memory/index.js';
import type { PromptItem } from '../boundaries.js';
import { withPlaceholders } from './secret-placeholder-gate.js';

export interface RecallGateDeps {
  /** Absent when memory is off or its store did not open: the gate passes the prompt on unchanged. */
  readonly memory: MemoryService | undefined;
  /** Whether recall is on for this agent (memory.recall.enabled and agents[].memory.recall). */
  readonly enabledFor: (agentId: string) => boolean;
  /** memory.recall.strangers: recall into turns of callers that are not the owner. */
  readonly strangers: boolean;
  readonly bus: EventBus;
  /**
   * The leak index: L15 refuses vault values at write time only, so a value put into the vault after it was
   * remembered is still in the store; recalled texts get L23's placeholders as tool results do.
   */
  readonly leaks: LeakScanner;
}

/** The entries with every known value as `[secret:NAME]`; the names replaced, for the audit. */
function placeholdered(
  entries: readonly MemoryEntry[],
  leaks: LeakScanner,
): { entries: MemoryEntry[]; names: string[] } {
  const names = new Set<string>();
  const out = entries.map((e) => {
    const r = withPlaceholders(e.text, leaks);
    if (r.count === 0) return e;
    for (const n of r.names) names.add(n);
    return { ...e, text: r.text };
  });
  return { entries: out, names: [...names] };
}

export function recallGate(deps: RecallGateDeps): Gate<PromptItem> {
  return {
    layer: 'L16',
    name: 'recall trusted memories (owner, system, agent) into the system prompt',
    async run(item, ctx, signal) {
      const memory = deps.memory;
      if (!memory || !deps.enabledFor(ctx.agentId) || item.query.trim() === '') return ok(item);
      // The owner's memories are the owner's: a stranger's turn gets none unless the operator says otherwise.
      if (!ctx.caller.owner && !deps.strangers) return ok(item);
      let entries;
      try {
        entries = await memory.recall(item.query, ctx.agentId, signal);
      } catch (cause) {
        // Recalling nothing is the safe side of a failing store: the turn goes on without memories, audited.
        deps.bus.emit('security:warning', {
          ...auditContext(ctx),
          layer: 'L16',
          outcome: 'skipped',
          reason: `memory recall failed: ${describeCause(cause)}`,
        });
        return ok(item);
      }
      const safe = placeholdered(entries, deps.leaks);
      if (safe.names.length)
        deps.bus.emit('security:secret_placeholder', {
          ...auditContext(ctx),
          layer: 'L23',
          outcome: 'replaced',
          reason: 'known values in recalled memories',
          secretNames: safe.names,
        });
      const block = recallBlock(safe.entries);
      if (!block) return ok(item);
      deps.bus.emit('memory:recalled', {
        ...auditContext(ctx),
        layer: 'L16',
        outcome: 'injected',
        ids: entries.map((e) => e.id),
        origins: entries.map((e) => e.origin),
      });
      return ok({ ...item, system: `${item.system}\n\n${block.text}`, recalled: entries.map((e) => e.id) });
    },
  };
}
