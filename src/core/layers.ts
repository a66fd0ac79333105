/** The one catalogue of bulwark's 27 defence layers (DESIGN §1). */

export const LAYER_IDS = [
  'L01',
  'L02',
  'L03',
  'L04',
  'L05',
  'L06',
  'L07',
  'L08',
  'L09',
  'L10',
  'L11',
  'L12',
  'L13',
  'L14',
  'L15',
  'L16',
  'L17',
  'L18',
  'L19',
  'L20',
  'L21',
  'L22',
  'L23',
  'L24',
  'L25',
  'L26',
  'L27',
] as const;
export type LayerId = (typeof LAYER_IDS)[number];

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

export interface LayerStatus extends LayerDefinition {
  readonly state: LayerState;
  readonly reason: string;
}

export const LAYERS: readonly LayerDefinition[] = [
  {
    id: 'L01',
    name: 'Input guard',
    category: 'perimeter',
    contract: 'scores inbound text for injection/jailbreak; pass, warn, reinforce or block',
  },
  {
    id: 'L02',
    name: 'Output guard',
    category: 'perimeter',
    contract: 'scans every model response for secrets, canaries and prompt extraction; redacts critical findings',
  },
  {
    id: 'L03',
    name: 'External content wrapping',
    category: 'perimeter',
    contract: 'wraps external content in per-call random delimiters with a warning header',
  },
  {
    id: 'L04',
    name: 'Invisible-character stripping',
    category: 'perimeter',
    contract: 'strips zero-width, bidi, tag and other default-ignorable characters; keeps emoji intact',
  },
  {
    id: 'L05',
    name: 'Injection rate limiter',
    category: 'perimeter',
    contract: 'per-sender sliding window of detections: warn, audit, then throttle/block',
  },
  {
    id: 'L06',
    name: 'Secret manager',
    category: 'secrets',
    contract: 'AES-256-GCM vault with HKDF-derived keys; no enumeration for agents',
  },
  {
    id: 'L07',
    name: 'Scoped secret manager',
    category: 'secrets',
    contract: 'per-agent glob allow-lists, deny by default, every access audited',
  },
  {
    id: 'L08',
    name: 'Credential broker',
    category: 'secrets',
    contract: 'in-daemon HTTPS proxy that swaps placeholders for real keys; fails closed',
  },
  {
    id: 'L09',
    name: 'Log sanitizer',
    category: 'secrets',
    contract: 'structured, free-text and known-value redaction of logs with an input cap',
  },
  {
    id: 'L10',
    name: 'SSRF guard',
    category: 'network',
    contract: 'resolve, reject non-global addresses, connect to the checked address only',
  },
  {
    id: 'L11',
    name: 'OS exec sandbox',
    category: 'isolation',
    contract: 'shell commands run under bubblewrap or sandbox-exec',
  },
  {
    id: 'L12',
    name: 'Tool policy engine',
    category: 'access',
    contract: 'named profiles from tool groups plus per-agent allow/deny',
  },
  {
    id: 'L13',
    name: 'Approval gates',
    category: 'access',
    contract: 'operator approvals bound to the exact effect, with timeouts and caches',
  },
  {
    id: 'L14',
    name: 'Memory trust partitioning',
    category: 'memory',
    contract: 'system > learned > external; lower trust never overwrites higher',
  },
  {
    id: 'L15',
    name: 'Pre-write security scan',
    category: 'memory',
    contract: 'every memory write is scanned; injections refused or quarantined',
  },
  {
    id: 'L16',
    name: 'RAG trust filtering',
    category: 'memory',
    contract: 'retrieval returns system and learned entries unless external is asked for',
  },
  {
    id: 'L17',
    name: 'Canary tokens',
    category: 'detection',
    contract: 'per-session HMAC canary in the system prompt; any appearance is a leak',
  },
  {
    id: 'L18',
    name: 'Bearer token auth',
    category: 'transport',
    contract: 'hashed, scoped tokens compared in constant time on every API route',
  },
  {
    id: 'L19',
    name: 'mTLS',
    category: 'transport',
    contract: 'optional mutual TLS; client certificate identity maps to scopes',
  },
  {
    id: 'L20',
    name: 'Webhook verification',
    category: 'transport',
    contract: 'HMAC over timestamp and body, freshness window, replay cache',
  },
  {
    id: 'L21',
    name: 'Budget guard',
    category: 'runtime',
    contract: 'token budgets checked before each LLM call; context-window guard',
  },
  {
    id: 'L22',
    name: 'Circuit breaker',
    category: 'runtime',
    contract: 'per provider and model: closed, open, half-open with fallback',
  },
  {
    id: 'L23',
    name: 'Tool output sanitizer',
    category: 'runtime',
    contract: 'canonicalise, strip, flag instructions and truncate every tool result',
  },
  {
    id: 'L24',
    name: 'Skill content scanner',
    category: 'supply chain',
    contract: 'rules run on every skill at load; a failing skill does not load',
  },
  {
    id: 'L25',
    name: 'MCP malware screening',
    category: 'supply chain',
    contract: 'MCP packages checked against OSV MAL advisories before first spawn',
  },
  {
    id: 'L26',
    name: 'Lint security bans',
    category: 'supply chain',
    contract: 'the build fails on unsafe patterns and dependency-rule violations',
  },
  {
    id: 'L27',
    name: 'Action classifier',
    category: 'access',
    contract: 'every tool action classified; destructive or unknown actions need approval',
  },
];

const NOT_BUILT = 'not built yet';

/** Holds each layer's state on this host; the daemon sets the states of what it wires. */
export class LayerCatalogue {
  private readonly states = new Map<LayerId, { state: LayerState; reason: string }>();

  set(id: LayerId, state: LayerState, reason: string): void {
    this.states.set(id, { state, reason });
  }

  get(id: LayerId): LayerStatus {
    const def = LAYERS.find((l) => l.id === id);
    if (!def) throw new RangeError(`unknown layer id ${id}`);
    const s = this.states.get(id) ?? { state: 'absent' as const, reason: NOT_BUILT };
    return { ...def, ...s };
  }

  list(): LayerStatus[] {
    return LAYERS.map((l) => this.get(l.id));
  }

  summary(): Record<LayerState, number> {
    const counts: Record<LayerState, number> = { on: 0, off: 0, degraded: 0, absent: 0 };
    for (const l of this.list()) counts[l.state] += 1;
    return counts;
  }
}
