/**
 * One AbortController per model call, aborted by the caller's signal or by the provider timeout.
 * The timeout counts silence: `touch()` on every streamed event restarts it, so a slow but steady
 * local model is not cut off while a stalled one is (the turn timeout bounds the total).
 * Records which of the two fired, because the SDKs report both as a plain abort.
 */
export interface CallSignal {
  readonly signal: AbortSignal;
  readonly state: { timedOut: boolean; cancelled: boolean };
  touch(): void;
  dispose(): void;
}

export function callSignal(outer: AbortSignal, timeoutMs: number): CallSignal {
  const controller = new AbortController();
  const state = { timedOut: false, cancelled: false };
  const onAbort = (): void => {
    state.cancelled = true;
    controller.abort();
  };
  if (outer.aborted) onAbort();
  else outer.addEventListener('abort', onAbort, { once: true });
  const arm = (): NodeJS.Timeout => {
    const t = setTimeout(() => {
      state.timedOut = true;
      controller.abort();
    }, timeoutMs);
    t.unref();
    return t;
  };
  let timer = arm();
  return {
    signal: controller.signal,
    state,
    touch() {
      if (controller.signal.aborted) return;
      clearTimeout(timer);
      timer = arm();
    },
    dispose() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
}
