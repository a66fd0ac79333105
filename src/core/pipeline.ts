/**
 * The shape of a layer at a boundary (DESIGN §4): a gate takes the item and the call context and returns a
 * `Result` of the item — passed on unchanged, changed (stripped, wrapped, redacted) or refused. A pipeline is
 * the ordered list of a boundary's gates; running it stops at the first refusal, and the refusal names the gate
 * that made it (`error.layer`), so audit lines and the attack drill can say which layer stopped what.
 *
 * Streams (the response text) have their own shape: a stream gate opens a filter per response; the filters of
 * a stream pipeline are chained in order.
 */
import type { CallContext } from './context.js';
import { bulwarkError, describeCause, type BulwarkError } from './errors.js';
import type { GateId } from './layers.js';
import { err, ok, type Result } from './result.js';

export interface Gate<T> {
  /** The gate that decides (`L12`, `L11.2`, …). */
  readonly layer: GateId;
  /** What this gate does, in a few words (shown by `bulwark layers --pipelines` and in the README). */
  readonly name: string;
  run(item: T, ctx: CallContext, signal: AbortSignal): Result<T, BulwarkError> | Promise<Result<T, BulwarkError>>;
}

/** A boundary's gates, in the order they run. */
export type Pipeline<T> = readonly Gate<T>[];

/**
 * Runs the gates in order. A refusal without a gate id gets the refusing gate's; a gate that throws is a
 * refusal too (fail closed), named after that gate.
 */
export async function runPipeline<T>(
  pipeline: Pipeline<T>,
  item: T,
  ctx: CallContext,
  signal: AbortSignal,
): Promise<Result<T, BulwarkError>> {
  let current = item;
  for (const gate of pipeline) {
    let r: Result<T, BulwarkError>;
    try {
      r = await gate.run(current, ctx, signal);
    } catch (cause) {
      return err(
        bulwarkError(
          'gate.failed',
          `${gate.layer} (${gate.name}) failed, so the item was refused: ${describeCause(cause)}`,
          {
            layer: gate.layer,
            status: 500,
          },
        ),
      );
    }
    if (!r.ok) return r.error.layer === undefined ? err({ ...r.error, layer: gate.layer }) : r;
    current = r.value;
  }
  return ok(current);
}

/** A filter over one text stream: `push` returns what may be delivered now, `flush` the rest at the end. */
export interface StreamFilter {
  push(chunk: string): string;
  flush(): string;
}

export interface StreamGate {
  readonly layer: GateId;
  readonly name: string;
  open(ctx: CallContext): StreamFilter;
}

export type StreamPipeline = readonly StreamGate[];

/** One filter that runs the gates' filters in order (each sees what the previous one let through). */
export function openStream(pipeline: StreamPipeline, ctx: CallContext): StreamFilter {
  const filters = pipeline.map((g) => g.open(ctx));
  return {
    push(chunk) {
      let out = chunk;
      for (const f of filters) out = out === '' ? '' : f.push(out);
      return out;
    },
    flush() {
      let out = '';
      // What the earlier filters release at the end still passes the later ones before they release theirs.
      for (const f of filters) out = (out === '' ? '' : f.push(out)) + f.flush();
      return out;
    },
  };
}

/** The gate ids of a pipeline, in order (for the order test and `bulwark layers`). */
export function gateIds(pipeline: readonly { readonly layer: GateId }[]): GateId[] {
  return pipeline.map((g) => g.layer);
}
