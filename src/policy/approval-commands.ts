/**
 * The commands of an approval request in the order a person should read them: first those that made the call need
 * approval (a class of the agent's `approvals.require`), then the harmless ones. A long line of harmless commands can
 * then no longer push the one that matters out of a short message. Pure and without imports: the web UI bundles it.
 */

/** The part of an approval's view this reads (EffectView has it; the web UI's copy of the type too). */
export interface CommandsView {
  readonly argv?: readonly (readonly string[])[];
  readonly argvClasses?: readonly (readonly string[])[];
  readonly asks?: readonly string[];
}

export interface RankedCommand {
  /** Its place in the view's `argv`. */
  readonly index: number;
  readonly argv: readonly string[];
  /** The classes this command added. */
  readonly classes: readonly string[];
  /** It is (or may be) what made the call need approval. */
  readonly asks: boolean;
}

export function rankCommands(v: CommandsView): RankedCommand[] {
  const argvs = v.argv ?? [];
  const asks = new Set(v.asks ?? []);
  const ranked = argvs.map((argv, index) => {
    const classes = v.argvClasses?.[index] ?? [];
    return { index, argv, classes, asks: classes.some((c) => asks.has(c)) };
  });
  // No command is known harmless when the view lacks the per-command classes (stored by an older daemon) or no
  // single command set the class (the env, the working directory or another gate did): then every one counts.
  const known = v.argvClasses?.length === argvs.length && ranked.some((c) => c.asks);
  if (!known) return ranked.map((c) => ({ ...c, asks: true }));
  return [...ranked.filter((c) => c.asks), ...ranked.filter((c) => !c.asks)];
}
