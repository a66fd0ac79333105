/** What the readers of compressed content share within one walk: the leak index, the budgets, the caps. */
import type { LeakScanner } from '../../core/index.js';

/** A secret's name found inside, or why the file counts as holding a value (never the value); undefined: clean. */
export type Found = { readonly secret: string } | { readonly hold: string } | undefined;

export interface ReadingLimits {
  /** Bytes one walk reads and inflates in all. */
  readonly maxBytes: number;
  /** Compressed objects (streams, zip entries, git objects) one walk inflates. */
  readonly maxObjects: number;
  /** Deltas applied one on another to rebuild one git object. */
  readonly maxDeltaDepth: number;
  /** Inflated bytes held in memory at once (delta bases, an archive nested in another). */
  readonly maxHeldBytes: number;
}

export interface ReadingContext {
  readonly scanner: LeakScanner;
  /** Bytes scanned as text at once. */
  readonly chunkBytes: number;
  readonly limits: ReadingLimits;
  /** What is left of the walk's budgets; spent by every reader. */
  readonly budget: { left: number; objects: number };
  /** Reads content found compressed inside compressed content, `depth` levels down. */
  readonly nested: (content: Buffer, depth: number) => Promise<Found>;
}

/** Counts one more object against the walk's cap: the reason to hold, past it. */
export function spendObject(ctx: ReadingContext): Found {
  ctx.budget.objects -= 1;
  return ctx.budget.objects < 0
    ? { hold: `holds more than ${ctx.limits.maxObjects} compressed objects, more than one scan inflates` }
    : undefined;
}

export const pastBudget = (ctx: ReadingContext): Found => ({
  hold: `inflates past the ${ctx.limits.maxBytes} bytes one scan reads`,
});

/** Lets other work run between pieces of a long synchronous stretch. */
export const yieldNow = (): Promise<void> => new Promise((r) => setImmediate(r));
