/**
 * The one catalogue of bulwark's 27 defence layers (DESIGN §1) and of the gates some layers are made of.
 *
 * A gate id is a layer id (`L12`) or a layer's numbered sub-gate (`L11.2`, the exec command policy). Refusals,
 * audit events and the attack drill name the gate that decided. Each running service reports the state of the
 * gates it owns (a `LayerReporter`); the catalogue merges the reports and refuses an id reported twice.
 */

// prettier-ignore
export const LAYER_IDS = [
  'L01', 'L02', 'L03', 'L04', 'L05', 'L06', 'L07', 'L08', 'L09', 'L10', 'L11', 'L12', 'L13', 'L14',
  'L15', 'L16', 'L17', 'L18', 'L19', 'L20', 'L21', 'L22', 'L23', 'L24', 'L25', 'L26', 'L27',
] as const;
export type LayerId = (typeof LAYER_IDS)[number];

/** A layer, or a numbered gate inside one (`L11.2`). */
export type GateId = LayerId | `${LayerId}.${number}`;

export type LayerCategory =
  | 'perimeter'
  | 'secrets'
  | 'network'
  | 'isolation'
  | 'access'
  | 'memory'
  | 'detection'
  | 'transport'
  | 'runtime'
  | 'supply chain';

/** on: active; off: built but disabled by configuration; degraded: built but weakened on this host; absent: not built yet. */
export type LayerState = 'on' | 'off' | 'degraded' | 'absent';

export interface LayerDefinition {
  readonly id: LayerId;
  readonly name: string;
  readonly category: LayerCategory;
  readonly contract: string;
}

/** A numbered gate of a layer: its own id, state and refusals. */
export interface GateDefinition {
  readonly id: `${LayerId}.${number}`;
  readonly layer: LayerId;
  readonly name: string;
  readonly contract: string;
}

export interface LayerStatus extends LayerDefinition {
  readonly state: LayerState;
  readonly reason: string;
  /** The layer's numbered gates, in order. */
  readonly gates: readonly GateStatus[];
}

export interface GateStatus extends GateDefinition {
  readonly state: LayerState;
  readonly reason: string;
}

// prettier-ignore
export const LAYERS: readonly LayerDefinition[] = [
  { id: 'L01', name: 'Input guard', category: 'perimeter', contract: 'scores inbound text for injection/jailbreak; pass, warn, reinforce or block' },
  { id: 'L02', name: 'Output guard', category: 'perimeter', contract: 'scans every model response for secrets, canaries and prompt extraction; redacts critical findings' },
  { id: 'L03', name: 'External content wrapping', category: 'perimeter', contract: 'wraps external content in per-call random delimiters with a warning header' },
  { id: 'L04', name: 'Invisible-character stripping', category: 'perimeter', contract: 'strips zero-width, bidi, tag and other default-ignorable characters; keeps emoji intact' },
  { id: 'L05', name: 'Injection rate limiter', category: 'perimeter', contract: 'per-sender sliding window of detections: warn, audit, then throttle/block' },
  { id: 'L06', name: 'Secret manager', category: 'secrets', contract: 'AES-256-GCM vault with HKDF-derived keys; no enumeration for agents' },
  { id: 'L07', name: 'Scoped secret manager', category: 'secrets', contract: 'per-agent glob allow-lists, deny by default, every access audited' },
  { id: 'L08', name: 'Credential broker', category: 'secrets', contract: 'in-daemon HTTPS proxy that swaps placeholders for real keys; fails closed' },
  { id: 'L09', name: 'Log sanitizer', category: 'secrets', contract: 'structured, free-text and known-value redaction of logs with an input cap' },
  { id: 'L10', name: 'SSRF guard', category: 'network', contract: 'resolve, reject non-global addresses, connect to the checked address only' },
  { id: 'L11', name: 'OS exec sandbox', category: 'isolation', contract: 'shell commands run under bubblewrap or sandbox-exec' },
  { id: 'L12', name: 'Tool policy engine', category: 'access', contract: 'named profiles from tool groups plus per-agent allow/deny' },
  { id: 'L13', name: 'Approval gates', category: 'access', contract: 'operator approvals bound to the exact effect, with timeouts and caches' },
  { id: 'L14', name: 'Memory trust partitioning', category: 'memory', contract: 'every entry records its origin in columns the model cannot write; trust only goes down' },
  { id: 'L15', name: 'Pre-write security scan', category: 'memory', contract: 'every memory write is scanned; injections refused or quarantined' },
  { id: 'L16', name: 'RAG trust filtering', category: 'memory', contract: 'automatic recall injects trusted entries only; external ones only through an explicit, wrapped search' },
  { id: 'L17', name: 'Canary tokens', category: 'detection', contract: 'per-session HMAC canary in the system prompt; any appearance is a leak' },
  { id: 'L18', name: 'Bearer token auth', category: 'transport', contract: 'hashed, scoped tokens compared in constant time on every API route' },
  { id: 'L19', name: 'mTLS', category: 'transport', contract: 'optional mutual TLS; client certificate identity maps to scopes' },
  { id: 'L20', name: 'Webhook verification', category: 'transport', contract: 'HMAC over timestamp and body, freshness window, replay cache' },
  { id: 'L21', name: 'Budget guard', category: 'runtime', contract: 'token budgets checked before each LLM call; context-window guard' },
  { id: 'L22', name: 'Circuit breaker', category: 'runtime', contract: 'per provider and model: closed, open, half-open with fallback' },
  { id: 'L23', name: 'Tool output sanitizer', category: 'runtime', contract: 'canonicalise, strip, flag instructions and truncate every tool result' },
  { id: 'L24', name: 'Skill content scanner', category: 'supply chain', contract: 'rules run on every skill at load; a failing skill does not load' },
  { id: 'L25', name: 'MCP malware screening', category: 'supply chain', contract: 'MCP packages checked against OSV MAL advisories before first spawn' },
  { id: 'L26', name: 'Lint security bans', category: 'supply chain', contract: 'the build fails on unsafe patterns and dependency-rule violations' },
  { id: 'L27', name: 'Action classifier', category: 'access', contract: 'every tool action classified; destructive or unknown actions need approval' },
];

/**
 * The numbered gates. The exec tool's six layers (DESIGN §1) are L12 (tool policy) then L11.2–L11.6; later
 * gates extend the list. Numbers are never reused.
 */
// prettier-ignore
export const GATES: readonly GateDefinition[] = [
  { id: 'L08.1', layer: 'L08', name: 'Taint-aware egress', contract: 'after a session saw secret material, outbound requests carrying an encoded candidate to an untrusted host wait for approval' },
  { id: 'L11.2', layer: 'L11', name: 'Command policy', contract: 'the parsed command line is refused when it must never run (rm -rf /, mkfs, dd to devices, fork bombs, dynamic scripts)' },
  { id: 'L11.3', layer: 'L11', name: 'Environment denylist', contract: 'variables the model passes are refused when they steer loaders or interpreters (LD_PRELOAD, NODE_OPTIONS, …)' },
  { id: 'L11.4', layer: 'L11', name: 'Working directory check', contract: 'the working directory is resolved through safePath and stays inside the workspace' },
  { id: 'L11.5', layer: 'L11', name: 'OS sandbox', contract: 'the command runs under bubblewrap or sandbox-exec with limits' },
  { id: 'L11.6', layer: 'L11', name: 'Environment allow-list', contract: "the child's environment is built from an allow-list: no API key reaches it" },
  { id: 'L11.7', layer: 'L11', name: 'Exec effects', contract: 'the command runs on a copy-on-write view; its file changes are judged before they become real' },
  { id: 'L11.8', layer: 'L11', name: 'Workspace write quota', contract: 'one exec may add at most exec.limits.workspaceWriteMb to the workspace' },
  { id: 'L18.1', layer: 'L18', name: 'Channel senders', contract: 'a chat channel admits only the platform user ids its config lists, in private chats; approval buttons count only from approvers, once, for the effect shown' },
];

const KNOWN_GATES: ReadonlySet<string> = new Set<string>([...LAYER_IDS, ...GATES.map((g) => g.id)]);

export function isGateId(value: string): value is GateId {
  return KNOWN_GATES.has(value);
}

/** The layer a gate belongs to (`L11.2` → `L11`). */
export function layerOf(id: GateId): LayerId {
  return id.slice(0, 3) as LayerId;
}

/** One gate's state as a service reports it. */
export interface GateReport {
  readonly id: GateId;
  readonly state: LayerState;
  readonly reason: string;
}

/** A running service that owns some gates and says, live, how they stand. */
export interface LayerReporter {
  /** Who reports (shown when two services claim one gate). */
  readonly name: string;
  layers(): readonly GateReport[];
}

const NOT_BUILT = 'not built yet';

/**
 * Every gate's state on this host, from the reporters' live reports. A gate nobody reports is `absent`.
 * A gate reported by two services is a wiring error of the composition root: `list()` throws naming both.
 */
export class LayerCatalogue {
  constructor(private readonly reporters: readonly LayerReporter[]) {}

  /** Which reporter reports each gate (for the architecture test and for wiring errors). */
  owners(): Map<GateId, string[]> {
    const owners = new Map<GateId, string[]>();
    for (const r of this.reporters) {
      for (const g of r.layers()) owners.set(g.id, [...(owners.get(g.id) ?? []), r.name]);
    }
    return owners;
  }

  private reports(): Map<GateId, GateReport> {
    const out = new Map<GateId, GateReport>();
    const by = new Map<GateId, string>();
    for (const r of this.reporters) {
      for (const g of r.layers()) {
        const prev = by.get(g.id);
        if (prev !== undefined) throw new Error(`layer catalogue: ${g.id} is reported by both ${prev} and ${r.name}`);
        if (!isGateId(g.id)) throw new Error(`layer catalogue: ${r.name} reports an unknown gate id ${g.id}`);
        by.set(g.id, r.name);
        out.set(g.id, g);
      }
    }
    return out;
  }

  list(): LayerStatus[] {
    const reports = this.reports();
    const stateOf = (id: GateId) => {
      const r = reports.get(id);
      return r ? { state: r.state, reason: r.reason } : { state: 'absent' as const, reason: NOT_BUILT };
    };
    return LAYERS.map((l) => ({
      ...l,
      ...stateOf(l.id),
      gates: GATES.filter((g) => g.layer === l.id).map((g) => ({ ...g, ...stateOf(g.id) })),
    }));
  }

  get(id: LayerId): LayerStatus {
    const found = this.list().find((l) => l.id === id);
    if (!found) throw new RangeError(`unknown layer id ${id}`);
    return found;
  }

  summary(): Record<LayerState, number> {
    const counts: Record<LayerState, number> = { on: 0, off: 0, degraded: 0, absent: 0 };
    for (const l of this.list()) counts[l.state] += 1;
    return counts;
  }
}

/** A reporter with fixed reports (a service whose state does not change while it runs). */
export function staticReporter(name: string, reports: readonly GateReport[]): LayerReporter {
  return { name, layers: () => reports };
}

/** L26 is enforced when the project is built and tested (lint bans, dependency-rule and architecture tests). */
export const BUILD_LAYERS: LayerReporter = staticReporter('build', [
  {
    id: 'L26',
    state: 'on',
    reason:
      'lint bans (process.env, eval, swallowed errors, child_process, path building, deep imports) and the dependency-rule test fail the build',
  },
]);
