/**
 * Who is asking. One type for every source of a request — an API token, a client certificate, a channel user,
 * a signed webhook, or the daemon itself — that every layer sees. `owner` marks the operator's own identity:
 * the owner is never blocked from their own data; strangers' content is held to a stricter policy.
 */

export type CallerKind = 'token' | 'cert' | 'channel' | 'hook' | 'internal';

export interface Caller {
  readonly kind: CallerKind;
  /** Stable id within its kind: token id, certificate subject, channel user id, hook name, internal component. */
  readonly id: string;
  /** What the caller may do (token scopes, certificate mapping, …). */
  readonly scopes: readonly string[];
  /** The operator's own identity (first token of `init`, `token create --owner`, a mapped certificate or channel user). */
  readonly owner: boolean;
  /** A human label (token name), never used for decisions. */
  readonly label?: string;
}

/** The key a caller is known by in sessions, rate limits and audit lines: `kind:id`. */
export function callerKey(caller: Pick<Caller, 'kind' | 'id'>): string {
  return `${caller.kind}:${caller.id}`;
}

/** The daemon acting on its own behalf (CLI tools, the layer probe): never the owner of user data. */
export function internalCaller(component: string): Caller {
  return { kind: 'internal', id: component, scopes: [], owner: false };
}
