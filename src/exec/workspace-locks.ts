/** One run at a time per workspace; runs in other workspaces go on in parallel. */
export class WorkspaceLocks {
  private readonly tails = new Map<string, Promise<void>>();

  /** Resolves when the workspace is free, with the function that frees it again. */
  async acquire(workspace: string): Promise<() => void> {
    const prev = this.tails.get(workspace) ?? Promise.resolve();
    let release: () => void = () => undefined;
    const mine = new Promise<void>((r) => (release = r));
    const tail = prev.then(() => mine);
    this.tails.set(workspace, tail);
    await prev;
    return () => {
      release();
      if (this.tails.get(workspace) === tail) this.tails.delete(workspace);
    };
  }
}

/**
 * One run's hold on its workspace: released while the run waits for the operator (other runs may go on meanwhile,
 * and what they change is caught when the held effects are re-checked) and taken again before anything is applied.
 */
export class WorkspaceLease {
  private unlock: (() => void) | undefined;

  private constructor(
    private readonly locks: WorkspaceLocks,
    private readonly workspace: string,
  ) {}

  static async take(locks: WorkspaceLocks, workspace: string): Promise<WorkspaceLease> {
    const lease = new WorkspaceLease(locks, workspace);
    await lease.retake();
    return lease;
  }

  async retake(): Promise<void> {
    if (!this.unlock) this.unlock = await this.locks.acquire(this.workspace);
  }

  release(): void {
    const unlock = this.unlock;
    this.unlock = undefined;
    unlock?.();
  }
}
