/**
 * The memory-write boundary's two gates (DESIGN §2: "memory write: L15 scan → L14 trust"), declared in order in
 * src/pipelines.ts. Every write path — the memory_save tool, automatic capture, compaction summaries, imports and
 * the operator's promote — runs them; the store takes only an item that left L14 with an origin.
 */
import { type Gate, bulwarkError, err, ok } from '../core/index.js';
import { replaceableEntry } from './replace-rule.js';
import { scanMemoryText, type MemoryScanDeps } from './scan.js';
import type { MemoryStore } from './store.js';
import { isOperator, lowestOrigin } from './trust.js';
import type { MemoryOrigin, MemoryWriteItem } from './types.js';

/** L15: refuse, quarantine, downgrade or pass; the canonical text goes on. */
export function memoryScanGate(deps: MemoryScanDeps): Gate<MemoryWriteItem> {
  return {
    layer: 'L15',
    name: 'scan the entry: secrets and vault values refused, injections quarantined, warnings downgraded',
    run(item) {
      const r = scanMemoryText(item.text, deps);
      if (!r.ok) return r;
      if (item.path === 'promote' && r.value.outcome.verdict !== 'clean')
        return err(
          bulwarkError(
            'memory.promote_flagged',
            `Memory scan (L15): this text is ${r.value.outcome.verdict} (${r.value.outcome.tags.join(', ')}); it cannot become an owner memory. Write the fact in your own words with "bulwark memory import --origin owner".`,
            { layer: 'L15', status: 422 },
          ),
        );
      return ok({ ...item, text: r.value.text, scan: r.value.outcome });
    },
  };
}

/**
 * L14: the origin, from what the model cannot touch — the caller, the turn's taint, the write path, what the text
 * derives from, the L15 verdict and, for a replacement, the entry it replaces. Always the lowest of them.
 */
export function provenanceGate(store: Pick<MemoryStore, 'get'>): Gate<MemoryWriteItem> {
  return {
    layer: 'L14',
    name: 'set the origin from the caller, the turn taint and the inputs (lowest wins)',
    async run(item, ctx) {
      if (!item.scan)
        return err(
          bulwarkError('memory.unscanned', 'Memory provenance (L14): the entry was not scanned (L15 must run first).', {
            layer: 'L14',
            status: 500,
          }),
        );
      const floor: MemoryOrigin[] = [item.ceiling, ...item.inputs];
      const operatorPath = item.path === 'import' || item.path === 'promote';
      if (operatorPath) {
        if (!isOperator(ctx.caller)) floor.push('external');
      } else {
        floor.push(ctx.caller.owner ? 'owner' : 'external');
        if (item.derived) {
          floor.push('agent');
          // Fail closed: a turn that cannot say it is untainted is tainted.
          if (!ctx.taint || ctx.taint.tainted) floor.push('external');
        }
      }
      if (item.scan.verdict !== 'clean') floor.push('external');
      if (item.supersedes !== undefined) {
        const old = replaceableEntry({
          agentId: item.agentId,
          supersedes: item.supersedes,
          old: await store.get(item.supersedes),
          caller: ctx.caller,
          operatorPath,
        });
        if (!old.ok) return old;
        // A replacement is at most as trusted as what it replaces; only the operator's promote lifts it.
        if (item.path !== 'promote') floor.push(old.value.origin);
      }
      return ok({ ...item, origin: lowestOrigin(floor) });
    },
  };
}
