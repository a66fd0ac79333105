/**
 * The memory side of a turn: what its tools may do with memory (memoryAccess) and what the turn leaves behind
 * once it is over (captureTurn). Every write goes through the memory-write pipeline the runtime was built with.
 */
import {
  auditContext,
  type CallContext,
  type Caller,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
} from '../core/index.js';
import type { MemoryConfig } from '../config/index.js';
import {
  captureCandidates,
  indexView,
  MEMORY_ORIGINS,
  trustRank,
  type MemoryEntry,
  type MemoryOrigin,
  type MemoryService,
  type MemoryWriteItem,
} from '../memory/index.js';
import type { MemoryAccess } from './tools/tool.js';
import type { ChatMessage } from './types.js';

export type WriteMemory = (item: MemoryWriteItem) => Promise<Result<MemoryEntry, BulwarkError>>;

/** The kind of session a memory came from: the kind of its caller. */
export function sessionKindOf(caller: Caller): string {
  return caller.kind === 'token' ? 'api' : caller.kind;
}

function sourceOf(ctx: CallContext): MemoryWriteItem['source'] {
  const taint = ctx.taint?.sources ?? ['unknown'];
  return { session: ctx.sessionId, sender: auditContext(ctx).sender, ...(taint.length ? { taint } : {}) };
}

export interface MemoryAccessDeps {
  readonly memory: MemoryService;
  readonly write: WriteMemory;
  readonly agentId: string;
  readonly searchOrigins: readonly MemoryOrigin[];
  readonly sessionKind: string;
  readonly ctx: CallContext;
}

/** memory_save calls one turn may make: a model that floods memory is cut off, not the turn. */
export const MAX_SAVES_PER_TURN = 16;

export function memoryAccess(deps: MemoryAccessDeps): MemoryAccess {
  const { ctx } = deps;
  let saves = 0;
  return {
    async save(input) {
      if (++saves > MAX_SAVES_PER_TURN)
        return err(
          bulwarkError(
            'memory.turn_limit',
            `memory_save: at most ${MAX_SAVES_PER_TURN} saves per turn; this one was not stored`,
            { status: 429, layer: 'L14' },
          ),
        );
      return deps.write({
        agentId: deps.agentId,
        text: input.text,
        kind: input.kind,
        path: 'tool',
        ceiling: 'agent',
        derived: true,
        inputs: [],
        sessionKind: deps.sessionKind,
        observedAt: Date.now(),
        ...(input.replaces !== undefined ? { supersedes: input.replaces } : {}),
        source: { ...sourceOf(ctx), ...(input.callId !== undefined ? { toolCall: input.callId } : {}) },
      });
    },
    async search(query, limit) {
      const origins = deps.searchOrigins.filter((o) => (MEMORY_ORIGINS as readonly string[]).includes(o));
      try {
        if (ctx.caller.owner) return ok(await deps.memory.search(query, { agentId: deps.agentId, origins, limit }));
        // A caller who is not the owner finds only what was written in their own sessions.
        const sender = auditContext(ctx).sender;
        const hits = await deps.memory.search(query, { agentId: deps.agentId, origins, limit: limit * 20 });
        return ok(hits.filter((h) => h.entry.source.sender === sender).slice(0, limit));
      } catch (cause) {
        return err(
          bulwarkError('memory.search_failed', `memory_search failed: ${describeCause(cause)}`, { status: 500 }),
        );
      }
    },
  };
}

export interface CaptureDeps {
  readonly memory: MemoryService;
  readonly write: WriteMemory;
  readonly agentId: string;
  readonly messages: readonly ChatMessage[];
  readonly capture: MemoryConfig['capture'];
  readonly sessionKind: string;
  readonly ctx: CallContext;
}

/**
 * Is this text (in its lexical view) already remembered by this agent at `at` or a higher trust? A copy at a lower
 * trust does not count: the owner's own words still become an owner entry after the model saved them tainted.
 * With `sender` (a caller who is not the owner), only that sender's own entries count: a sentence skipped because
 * someone else's memory holds it would tell the caller, through their own memory_search, what the owner said.
 */
async function known(
  memory: MemoryService,
  agentId: string,
  text: string,
  at: MemoryOrigin,
  sender?: string,
): Promise<boolean> {
  const view = indexView(text);
  const hits = await memory.store.searchLexical(text, {
    agentId,
    origins: MEMORY_ORIGINS.filter((o) => trustRank(o) >= trustRank(at)),
    limit: sender === undefined ? 5 : 100,
    includeQuarantined: true,
  });
  return hits.some(
    (h) => indexView(h.entry.text) === view && (sender === undefined || h.entry.source.sender === sender),
  );
}

/**
 * Automatic capture at the end of a turn: fact-like sentences of the user's messages (the caller's own words: the
 * turn's taint does not apply, the caller's ownership does) and of the agent's answers (derived: agent, or external
 * after a tainting tool result). Each one passes L15 → L14; refusals are audited by the memory service.
 */
export async function captureTurn(deps: CaptureDeps): Promise<number> {
  let written = 0;
  const now = Date.now();
  const sender = deps.ctx.caller.owner ? undefined : auditContext(deps.ctx).sender;
  for (const m of deps.messages) {
    const user = m.role === 'user';
    if (m.role === 'tool' || (user && !deps.capture.user) || (!user && !deps.capture.assistant)) continue;
    // The trust this capture can reach at most (L14 decides; this only avoids storing a copy twice).
    const reach: MemoryOrigin = user
      ? deps.ctx.caller.owner
        ? 'owner'
        : 'external'
      : deps.ctx.caller.owner && deps.ctx.taint && !deps.ctx.taint.tainted
        ? 'agent'
        : 'external';
    for (const c of captureCandidates(m.content)) {
      if (await known(deps.memory, deps.agentId, c.text, reach, sender)) continue;
      const r = await deps.write({
        agentId: deps.agentId,
        text: c.text,
        kind: c.kind,
        path: 'capture',
        ceiling: user ? 'owner' : 'agent',
        derived: !user,
        inputs: [],
        sessionKind: deps.sessionKind,
        observedAt: now,
        source: sourceOf(deps.ctx),
      });
      if (r.ok) written++;
    }
  }
  return written;
}
