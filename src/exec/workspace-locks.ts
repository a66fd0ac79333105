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
