import type { GateId } from './layers.js';

/** An error as a value. `code` is stable and machine-readable; `message` names the problem and the fix. */
export interface BulwarkError {
  readonly code: string;
  readonly message: string;
  /** The gate that decided (a refusal names it, so audit lines and the drill can say which layer stopped what). */
  readonly layer?: GateId;
  /** HTTP status the gateway should answer with, when this error reaches a client. */
  readonly status?: number;
  readonly details?: Readonly<Record<string, unknown>>;
}

export function bulwarkError(
  code: string,
  message: string,
  extra: { layer?: GateId; status?: number; details?: Record<string, unknown> } = {},
): BulwarkError {
  return { code, message, ...extra };
}

/** Message of an unknown thrown value, without ever stringifying arbitrary objects (which may hold secrets). */
export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  if (typeof cause === 'string') return cause;
  return 'unknown error';
}
