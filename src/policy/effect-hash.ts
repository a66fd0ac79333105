/**
 * L13: the exact effect of a tool call, reduced to one hash. An approval is bound to this hash;
 * execution recomputes it and any drift (arguments, cwd, network grants, agent, session, the file
 * a write would replace) voids the approval.
 */
import { sha256Hex } from '../core/index.js';

export interface NetworkGrant {
  /** none: no egress; broker: only through the L08 broker; host: the host's network (operator opted in; exec.network). */
  readonly mode: 'none' | 'broker' | 'host';
  /** Host (or host+path) allow-list entries the call may reach. */
  readonly grants: readonly string[];
}

export interface Effect {
  readonly tool: string;
  /** Parsed arguments; hashed in canonical form. Unparseable JSON is hashed as its raw text. */
  readonly args: unknown;
  readonly cwd: string;
  readonly network: NetworkGrant;
  readonly agentId: string;
  readonly sessionId: string;
  /** sha256 of the file a write replaces ('absent' when it does not exist); binds the approval to what was reviewed. */
  readonly preimage?: string;
  /** Set when the file was larger than the read cap: `preimage` covers only its first `readBytes`, and its size is bound too. */
  readonly preimageCapped?: { readonly readBytes: number; readonly size: number };
}

/** JSON with object keys sorted at every level; the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortDeep(value, 0));
}

const MAX_DEPTH = 64;

function sortDeep(value: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new RangeError('arguments nest deeper than 64 levels');
  if (Array.isArray(value)) return value.map((v) => sortDeep(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    // defineProperty keeps a "__proto__" key as data instead of changing the prototype.
    for (const k of Object.keys(value).sort()) {
      Object.defineProperty(out, k, {
        value: sortDeep((value as Record<string, unknown>)[k], depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
  // Strings are kept byte-exact: two spellings of a path are two different effects.
  return value;
}

export function effectHash(effect: Effect): string {
  return sha256Hex(
    canonicalJson({
      v: 1,
      tool: effect.tool,
      args: effect.args,
      cwd: effect.cwd,
      network: { mode: effect.network.mode, grants: [...effect.network.grants].sort() },
      agentId: effect.agentId,
      sessionId: effect.sessionId,
      preimage: effect.preimage ?? null,
      // Only when set, so the hash of every other effect is what it was before the cap existed.
      ...(effect.preimageCapped
        ? { preimageCapped: { readBytes: effect.preimageCapped.readBytes, size: effect.preimageCapped.size } }
        : {}),
    }),
  );
}
