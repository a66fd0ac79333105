/**
 * One AbortController per model call, aborted by the caller's signal or by the provider timeout.
 * Records which of the two fired, because the SDKs report both as a plain abort.
 */
export interface CallSignal {
  readonly signal: AbortSignal;
  readonly state: { timedOut: boolean; cancelled: boolean };
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
  const timer = setTimeout(() => {
    state.timedOut = true;
    controller.abort();
  }, timeoutMs);
  timer.unref();
  return {
    signal: controller.signal,
    state,
    dispose() {
      clearTimeout(timer);
      outer.removeEventListener('abort', onAbort);
    },
  };
}
