/**
 * L16 at the prompt boundary: recalls this agent's trusted memories (owner, system, agent; never external) for the
 * turn's user text and appends them to the system prompt in a marked block (memory/recall.ts). The memory-write
 * boundary's gates (L15 → L14) live in the memory room; src/pipelines.ts declares both.
 */
import { auditContext, describeCause, type EventBus, type Gate, ok } from '../../core/index.js';
import { recallBlock, type MemoryService } from '../../memory/index.js';
import type { PromptItem } from '../boundaries.js';

export interface RecallGateDeps {
  /** Absent when memory is off or its store did not open: the gate passes the prompt on unchanged. */
  readonly memory: MemoryService | undefined;
  /** Whether recall is on for this agent (memory.recall.enabled and agents[].memory.recall). */
  readonly enabledFor: (agentId: string) => boolean;
  /** memory.recall.strangers: recall into turns of callers that are not the owner. */
  readonly strangers: boolean;
  readonly bus: EventBus;
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
      const block = recallBlock(entries);
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
