/** Pending approvals, live: the list once, then each new request over SSE; a slow poll drops what was decided elsewhere. */
import { useEffect, useState } from 'preact/hooks';
import { get } from './api.js';

export interface EffectView {
  readonly layer?: string;
  /** Who asked (the daemon sets it from the asking turn). */
  readonly caller?: { readonly kind: string; readonly id: string; readonly owner: boolean; readonly label?: string };
  readonly tool: string;
  readonly classes: readonly string[];
  readonly reasons: readonly string[];
  readonly agentId: string;
  readonly sessionId: string;
  readonly cwd: string;
  readonly network: unknown;
  readonly args: string;
  readonly argv?: ReadonlyArray<readonly string[]>;
  /** The classes each command of `argv` added (same order). */
  readonly argvClasses?: ReadonlyArray<readonly string[]>;
  /** The classes that made the call need approval. */
  readonly asks?: readonly string[];
  readonly envNames?: readonly string[];
  readonly diff?: string;
  /** The effect set of a transactional exec, when the daemon has one. */
  readonly effects?: readonly unknown[];
  readonly reason?: string;
}

export interface Pending {
  readonly id: string;
  readonly effectHash: string;
  readonly view: EffectView;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly waiters: number;
  readonly effects?: readonly unknown[];
  /** How many changes the effect hash covers (more than `effects` lists when the list was cut). */
  readonly effectsTotal?: number;
  readonly effectsNote?: string;
  /** A grant can cover this effect: "approve for N minutes" is offered only then (the daemon refuses it otherwise). */
  readonly grantable?: boolean;
}

export interface ApprovalsFeed {
  readonly pending: readonly Pending[];
  readonly connected: boolean;
  readonly error: string;
  remove(id: string): void;
}

const RECONCILE_MS = 4000;

export function useApprovals(enabled: boolean): ApprovalsFeed {
  const [pending, setPending] = useState<readonly Pending[]>([]);
  const [connected, setConnected] = useState(false);
  const [error, setError] = useState('');
  useEffect(() => {
    if (!enabled) return undefined;
    let stopped = false;
    const load = () =>
      get<{ data: Pending[] }>('/v1/approvals').then(
        (r) => {
          if (!stopped) {
            setPending(r.data);
            setError('');
          }
        },
        (e: unknown) => {
          if (!stopped) setError(e instanceof Error ? e.message : String(e));
        },
      );
    void load();
    const source = new EventSource('/v1/approvals/stream');
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener('approval', (ev) => {
      const p = JSON.parse((ev as MessageEvent<string>).data) as Pending;
      setPending((list) => (list.some((x) => x.id === p.id) ? list : [...list, p]));
    });
    const timer = setInterval(() => void load(), RECONCILE_MS);
    return () => {
      stopped = true;
      source.close();
      clearInterval(timer);
    };
  }, [enabled]);
  return {
    pending,
    connected,
    error,
    remove: (id) => setPending((list) => list.filter((p) => p.id !== id)),
  };
}
