/**
 * Turn taint (DESIGN §3, "provenance travels"): once a turn has seen content from outside — a result of a tool
 * declared `external`, or such a result earlier in the history it carries — everything the agent derives in it
 * is external. The runtime creates one per turn; the turn loop marks it; the memory gates read it. A context
 * without one counts as tainted (fail closed).
 */
export interface TurnTaint {
  readonly tainted: boolean;
  /** What tainted the turn (tool names, `history:<tool>`), in order, without repeats. */
  readonly sources: readonly string[];
  mark(source: string): void;
}

const MAX_SOURCES = 32;

export function createTurnTaint(initial: readonly string[] = []): TurnTaint {
  const sources: string[] = [];
  const taint: TurnTaint = {
    get tainted() {
      return sources.length > 0;
    },
    get sources() {
      return [...sources];
    },
    mark(source: string) {
      // Past the cap the turn stays tainted; only the list of reasons stops growing.
      if (!sources.includes(source) && sources.length < MAX_SOURCES) sources.push(source);
    },
  };
  for (const s of initial) taint.mark(s);
  return taint;
}
