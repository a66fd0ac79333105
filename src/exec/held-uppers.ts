/**
 * The upper layers of held runs (L11.7), per workspace, while the operator decides: they stay on disk, so they
 * count toward the write quota (L11.8) of the workspace's next runs. Without this a model could park any number of
 * held runs of a full quota each. An entry goes when its run is applied, denied, expires or goes stale.
 */

export interface HeldUpper {
  readonly command: string;
  readonly bytes: number;
  /** The effect set's hash, as the approval request shows it (GET /v1/approvals). */
  readonly effectHash: string;
  readonly sessionId?: string;
}

export class HeldUppers {
  private readonly byWorkspace = new Map<string, Map<symbol, HeldUpper>>();

  /** Notes a held upper layer; the returned function releases it (idempotent). */
  hold(workspace: string, upper: HeldUpper): () => void {
    const key = Symbol('held');
    const m = this.byWorkspace.get(workspace) ?? new Map<symbol, HeldUpper>();
    m.set(key, upper);
    this.byWorkspace.set(workspace, m);
    return () => {
      m.delete(key);
      if (m.size === 0 && this.byWorkspace.get(workspace) === m) this.byWorkspace.delete(workspace);
    };
  }

  of(workspace: string): HeldUpper[] {
    return [...(this.byWorkspace.get(workspace)?.values() ?? [])];
  }

  bytes(workspace: string): number {
    return this.of(workspace).reduce((n, h) => n + h.bytes, 0);
  }
}

/** The smallest quota a run starts with: below it the upper layer could not hold a useful change. */
export const MIN_RUN_QUOTA_KB = 1024;

/** What one run of `workspace` may write, in KiB: the limit less what held runs keep; undefined when too little is left. */
export function quotaLeftKb(limitMb: number, heldBytes: number): number | undefined {
  const left = limitMb * 1024 - Math.ceil(heldBytes / 1024);
  return left >= MIN_RUN_QUOTA_KB ? left : undefined;
}

export function describeHeld(held: readonly HeldUpper[]): string {
  return held
    .map(
      (h) =>
        `\`${h.command.slice(0, 80)}\` (${(h.bytes / 1048576).toFixed(1)} MiB, effectHash ${h.effectHash.slice(0, 16)}${h.sessionId ? `, session ${h.sessionId}` : ''})`,
    )
    .join('; ');
}
