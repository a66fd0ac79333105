/**
 * Who may take an entry out of recall by replacing it (L14): the operator's promote or import, the owner, or the
 * sender who wrote it. One rule, asked by the provenance gate when the entry is written and by memory_save before
 * L13 would ask the operator about a replacement the gate refuses whatever the operator decides.
 */
import { type BulwarkError, type Caller, type Result, bulwarkError, callerKey, err, ok } from '../core/index.js';
import { isOperator } from './trust.js';
import type { MemoryEntry } from './types.js';

export interface ReplaceRequest {
  readonly agentId: string;
  readonly supersedes: string;
  /** The entry stored under `supersedes`, if any. */
  readonly old: MemoryEntry | undefined;
  readonly caller: Caller;
  /** The operator's import or promote (else a turn's write: memory_save, capture, compaction). */
  readonly operatorPath: boolean;
}

/** The entry this caller may replace, or why it may not. */
export function replaceableEntry(r: ReplaceRequest): Result<MemoryEntry, BulwarkError> {
  const { old } = r;
  if (!old || old.agentId !== r.agentId)
    return err(
      bulwarkError(
        'memory.not_found',
        `Memory provenance (L14): no memory ${r.supersedes} of agent "${r.agentId}" to replace.`,
        { layer: 'L14', status: 404 },
      ),
    );
  const sender = callerKey(r.caller);
  if ((r.operatorPath && isOperator(r.caller)) || r.caller.owner || old.source.sender === sender) return ok(old);
  return err(
    bulwarkError(
      'memory.not_yours',
      `Memory provenance (L14): memory ${r.supersedes} was written by another sender; ${sender} may replace only its own memories (save a new one instead).`,
      { layer: 'L14', status: 403 },
    ),
  );
}
