/** Turns in flight, so that shutdown can cancel them all. */
export class ActiveTurns {
  private readonly controllers = new Set<AbortController>();
  private closed = false;

  /** A controller for a new turn, aborted when `parent` aborts (client gone) or on shutdown. */
  start(parent: AbortSignal): { signal: AbortSignal; abort: () => void; end: () => void } {
    const controller = new AbortController();
    const onParent = (): void => controller.abort(parent.reason);
    if (parent.aborted || this.closed) controller.abort('cancelled');
    else parent.addEventListener('abort', onParent, { once: true });
    this.controllers.add(controller);
    return {
      signal: controller.signal,
      abort: () => controller.abort('cancelled'),
      end: () => {
        parent.removeEventListener('abort', onParent);
        this.controllers.delete(controller);
      },
    };
  }

  get size(): number {
    return this.controllers.size;
  }

  /** Cancels every turn in flight and refuses new ones. */
  cancelAll(): void {
    this.closed = true;
    for (const c of this.controllers) c.abort('daemon shutting down');
    this.controllers.clear();
  }
}
