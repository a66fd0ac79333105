/**
 * The operator's side of memory, shared by `bulwark memory …` (on the data dir) and `/v1/memory…` (admin API):
 * list, show, search, forget, export, import, promote. Imports and promotions are writes like any other: they pass
 * the memory-write pipeline (L15 → L14) with the operator as caller; an import is at most as trusted as the
 * operator's `--origin` (default external); a promotion is a new owner entry that supersedes the old one.
 * Every entry it hands out passes `redact` (the log sanitizer over the leak index): L15 refuses vault values only
 * when they are written, and a value put into the vault later must not come back out through list, show, search,
 * export or forget.
 */
import './events.js';
import {
  type Caller,
  auditContext,
  type CallContext,
  bulwarkError,
  type BulwarkError,
  newTraceId,
  type Pipeline,
  err,
  ok,
  type Result,
} from '../core/index.js';
import type { MemoryService } from './service.js';
import type { ImportRecord } from './transfer.js';
import { isOperator } from './trust.js';
import {
  MEMORY_ORIGINS,
  type MemoryEntry,
  type MemoryKind,
  type MemoryOrigin,
  type MemoryWriteItem,
  type ScoredEntry,
} from './types.js';

export interface AdminListOptions {
  readonly agentId?: string;
  readonly origins?: readonly MemoryOrigin[];
  readonly kinds?: readonly MemoryKind[];
  /** Superseded entries too (quarantined ones are always shown to the operator). */
  readonly all?: boolean;
  readonly limit?: number;
  readonly offset?: number;
}

export interface ImportReport {
  readonly stored: ReadonlyArray<{ line: number; id: string; origin: MemoryOrigin; quarantined: boolean }>;
  readonly refused: ReadonlyArray<{ line: number; code: string; message: string }>;
}

export interface MemoryAdmin {
  list(options: AdminListOptions): Promise<MemoryEntry[]>;
  show(id: string): Promise<Result<MemoryEntry, BulwarkError>>;
  search(
    query: string,
    options: { agentId: string; origins?: readonly MemoryOrigin[]; limit?: number },
  ): Promise<ScoredEntry[]>;
  forget(id: string, caller: Caller): Promise<Result<MemoryEntry, BulwarkError>>;
  import(
    records: readonly ImportRecord[],
    options: { agentId: string; origin: MemoryOrigin },
    caller: Caller,
  ): Promise<Result<ImportReport, BulwarkError>>;
  promote(id: string, caller: Caller): Promise<Result<MemoryEntry, BulwarkError>>;
}

export const MEMORY_ID = /^mem_[0-9a-f]{24}$/;

function notOperator(): BulwarkError {
  return bulwarkError('memory.forbidden', 'only the operator (admin scope) may change memory this way', {
    status: 403,
    layer: 'L14',
  });
}

function operatorContext(caller: Caller, agentId: string): CallContext {
  return { agentId, sessionId: 'operator', traceId: newTraceId(), caller };
}

export function createMemoryAdmin(
  service: MemoryService,
  pipeline: Pipeline<MemoryWriteItem>,
  redact: (text: string) => string,
): MemoryAdmin {
  const store = service.store;
  const signal = new AbortController().signal;
  const shown = (e: MemoryEntry): MemoryEntry => ({ ...e, text: redact(e.text) });
  const shownResult = (r: Result<MemoryEntry, BulwarkError>): Result<MemoryEntry, BulwarkError> =>
    r.ok ? ok(shown(r.value)) : r;

  async function show(id: string): Promise<Result<MemoryEntry, BulwarkError>> {
    if (!MEMORY_ID.test(id))
      return err(
        bulwarkError('memory.invalid_id', `"${id}" is not a memory id (mem_ followed by 24 hex characters)`, {
          status: 400,
        }),
      );
    const e = await store.get(id);
    return e ? ok(e) : err(bulwarkError('memory.not_found', `no memory ${id}`, { status: 404 }));
  }

  return {
    list: async (o) =>
      (
        await store.list({
          ...(o.agentId !== undefined ? { agentId: o.agentId } : {}),
          ...(o.origins !== undefined ? { origins: o.origins } : {}),
          ...(o.kinds !== undefined ? { kinds: o.kinds } : {}),
          includeSuperseded: o.all === true,
          includeQuarantined: true,
          limit: o.limit ?? 100,
          offset: o.offset ?? 0,
        })
      ).map(shown),
    show: async (id) => shownResult(await show(id)),
    search: async (query, o) =>
      (
        await service.search(query, {
          agentId: o.agentId,
          origins: o.origins ?? [...MEMORY_ORIGINS],
          limit: o.limit ?? 10,
          includeQuarantined: true,
        })
      ).map((h) => ({ ...h, entry: shown(h.entry) })),
    async forget(id, caller) {
      if (!isOperator(caller)) return err(notOperator());
      const found = await show(id);
      if (!found.ok) return found;
      const r = await store.forget(id);
      if (r.ok)
        service.emitOperator({
          ...auditContext(operatorContext(caller, r.value.agentId)),
          outcome: 'forgotten',
          id,
          origin: r.value.origin,
        });
      return shownResult(r);
    },
    async import(records, options, caller) {
      if (!isOperator(caller)) return err(notOperator());
      const stored: Array<ImportReport['stored'][number]> = [];
      const refused: Array<ImportReport['refused'][number]> = [];
      for (const rec of records) {
        const agentId = rec.agentId ?? options.agentId;
        const r = await service.write(
          pipeline,
          {
            agentId,
            text: rec.text,
            kind: rec.kind,
            path: 'import',
            ceiling: options.origin,
            derived: false,
            inputs: [],
            sessionKind: 'import',
            observedAt: rec.observedAt ?? Date.now(),
            source: { sender: auditContext(operatorContext(caller, agentId)).sender },
          },
          operatorContext(caller, agentId),
          signal,
        );
        if (r.ok)
          stored.push({ line: rec.line, id: r.value.id, origin: r.value.origin, quarantined: r.value.quarantined });
        else refused.push({ line: rec.line, code: r.error.code, message: r.error.message });
      }
      return ok({ stored, refused });
    },
    async promote(id, caller) {
      if (!isOperator(caller)) return err(notOperator());
      const found = await show(id);
      if (!found.ok) return found;
      const old = found.value;
      if (old.supersededBy !== null)
        return err(
          bulwarkError(
            'memory.superseded',
            `memory ${id} was already replaced by ${old.supersededBy}; promote that one`,
            { status: 409 },
          ),
        );
      const r = await service.write(
        pipeline,
        {
          agentId: old.agentId,
          text: old.text,
          kind: old.kind,
          path: 'promote',
          ceiling: 'owner',
          derived: false,
          inputs: [],
          sessionKind: 'operator',
          observedAt: old.observedAt,
          supersedes: old.id,
          source: { sender: auditContext(operatorContext(caller, old.agentId)).sender },
        },
        operatorContext(caller, old.agentId),
        signal,
      );
      if (r.ok)
        service.emitOperator({
          ...auditContext(operatorContext(caller, old.agentId)),
          outcome: 'promoted',
          id: r.value.id,
          supersedes: old.id,
          from: old.origin,
        });
      return shownResult(r);
    },
  };
}
