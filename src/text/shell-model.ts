/**
 * The shell-command model: a command line parsed and unwrapped once into the commands it would run, for every
 * layer that judges commands — exec layer 2 (the command policy, L11.2) and L27 (the action classifier, at the
 * gate and again at execution). Each resolved command carries its argv after wrappers (`sudo`, `env`, `timeout`,
 * `xargs`, `nice`, …), its assignments, its redirects with their kinds, the scripts it runs parsed recursively
 * (`sh -c`, `eval`, `su -c`, `env -S`, `find -exec`, heredocs and text piped into a shell, variables that carry
 * a program), and an `opaque` reason when what it runs cannot be known before it runs.
 *
 * `parseShell` memoises by the exact command string in a small bounded LRU, so one exec call parses its line
 * once (L27 at the gate, L27 again at execution, the runner's command policy). Nested scripts are parsed on
 * first read and kept. Both layers read the same object, so it is read-only in every type; what commands share
 * (empty lists, the defaults of plain commands) is frozen. Objects are not frozen one by one: on a long line
 * that doubled the cost of reading it.
 */
import { err, ok, type Result, bulwarkError, type BulwarkError } from '../core/index.js';
import { parseSimpleCommands, MAX_NESTING, type Redirect, type SimpleCommand, type Word } from './shell-parse.js';
import { isPlain, unwrap, type Unwrapped } from './shell-unwrap.js';
import { feedFacts, type FeedVia } from './shell-feed.js';
import { isDangerousEnv } from './dangerous-env.js';
import { BoundedLru } from './bounded-lru.js';

/** A script one command runs, parsed one level deeper (or the reason it could not be). */
export interface NestedScript {
  /** The script text as the inner shell reads it. */
  readonly text: string;
  /**
   * How the script is reached when no wrapper names it: `heredoc`, `here-string`, `pipe-to-shell`, or the
   * variable that carries it (`GIT_SSH_COMMAND`). Undefined for `sh -c`, `eval`, `su -c`, `env -S`, `watch`.
   */
  readonly via?: string;
  readonly model: Result<ShellModel, BulwarkError>;
}

/**
 * Why what a command runs is only known at run time. `script`: it runs script text built at run time (`eval $X`,
 * `sh -c "$(…)"`, `source <(…)`, `python3 -c "$(…)"`); `program`: the program name itself is an expansion or a
 * substitution (`$CMD -rf /`, `$(which x) …`).
 */
export interface Opaque {
  readonly kind: 'script' | 'program';
  readonly reason: string;
}

/** Script text a command hands to a shell or interpreter reading stdin (it pipes into one, or is one). */
export interface StdinFeed {
  /** Why that text cannot be known before it runs (`base64 -d | sh`, `echo "$X" | sh`); then `scripts` is empty. */
  readonly opaque?: { readonly reason: string; readonly via: FeedVia };
  readonly scripts: readonly NestedScript[];
}

export interface ResolvedCommand {
  /** The words as written, after quote removal (assignments and wrappers included). */
  readonly words: readonly Word[];
  /**
   * What finally runs, after wrappers and assignments; argv[0] is a base name (`rm` for `/usr/bin/rm`). Empty
   * when the command runs script text instead (see `runner`) or only assigns variables.
   */
  readonly argv: readonly Word[];
  /** Wrappers seen through, outermost first (`sudo`, `env`, …; the runner's name last when there is one). */
  readonly wrappers: readonly string[];
  /** The shell, `eval`, `su -c`, `env -S` or `watch` that runs `scripts` (or a script from stdin), with its words. */
  readonly runner?: readonly Word[];
  /** NAME=value words in front of the command or given to `env`. */
  readonly assignments: readonly string[];
  /** NAME=value operands of `export`, `declare`, `typeset`, `readonly` and `local`. */
  readonly declarations: readonly string[];
  readonly redirects: readonly Redirect[];
  /** Heredoc bodies attached to this command, in order. */
  readonly heredocs: readonly string[];
  /** Scripts this command runs as text (`sh -c X`, `eval X`, `su -c X`, `env -S X`, `watch X`). */
  readonly scripts: readonly NestedScript[];
  /** Scripts carried by variables that hold a program some tool runs later (`GIT_SSH_COMMAND='…' git fetch`). */
  readonly variableScripts: readonly NestedScript[];
  /** Commands this one runs with arguments of its own (`find -exec CMD … ;`), resolved the same way. */
  readonly extraCommands: readonly ResolvedCommand[];
  /** Inline interpreter code (`python -c`, `perl -e`, `node --eval=…`). */
  readonly inlineCode?: { readonly interpreter: string; readonly code: string };
  /** A shell or interpreter given no script: it reads its program from stdin. */
  readonly readsStdinScript: boolean;
  /** Present when this command pipes into a shell reading stdin, or is one: what it feeds that shell. */
  readonly stdinFeed?: StdinFeed;
  readonly opaque?: Opaque;
  /** Source text of the simple command (for reports). */
  readonly source: string;
  /** Part of a pipeline of more than one command. */
  readonly piped: boolean;
  /** Position in its pipeline: 0 for the first command, which reads no other command's output. */
  readonly pipePosition: number;
  /** Commands of one pipeline share this number. */
  readonly pipeline: number;
  /** Ended by `&`. */
  readonly background: boolean;
  /** Nesting level of the text it was read from: +1 per substitution and per nested script. */
  readonly depth: number;
  /** Runs inside a command or process substitution of the text this model was parsed from. */
  readonly inSubstitution: boolean;
  /** Name of the shell function whose body holds this command, if any. */
  readonly inFunction?: string;
}

export interface ShellModel {
  readonly text: string;
  /** Nesting level this text was parsed at: 0 for a command line, +1 per nested script. */
  readonly depth: number;
  /** Every simple command the text runs, in order: those of the text itself, then those in substitutions. */
  readonly commands: readonly ResolvedCommand[];
}

const DECLARATION_BUILTINS = new Set(['export', 'declare', 'typeset', 'readonly', 'local']);
/** Cached lines, and their total weight: characters parsed for them, nested scripts included. */
const MAX_CACHED_LINES = 64;
const MAX_CACHED_CHARS = 128 * 1024;
/** Shared by every command that has none of a list, so it must never change. */
const NONE: readonly never[] = Object.freeze([]);

/** What one line has cost so far; nested scripts parsed later (on first read) add to it. */
interface Meter {
  chars: number;
}

/**
 * A nested script, parsed on first read and kept: a judge that never looks inside (L27 stops at a here-document
 * and three levels of `sh -c`) does not pay for it, and the second judge reads what the first one parsed.
 */
function nestedScript(text: string, depth: number, meter: Meter, via?: string): NestedScript {
  let model: Result<ShellModel, BulwarkError> | undefined;
  return {
    text,
    via,
    get model(): Result<ShellModel, BulwarkError> {
      if (model === undefined) {
        stats.nested++;
        model = build(text, depth, meter);
      }
      return model;
    },
  };
}

/** `GIT_SSH_COMMAND='rm -rf ~'`: a variable holding a program (the shared list's `command` kind) carries a script. */
function variableScript(assignment: string, depth: number, meter: Meter): NestedScript | undefined {
  const eq = assignment.indexOf('=');
  if (eq <= 0) return undefined;
  const key = assignment.slice(0, eq);
  if (!isDangerousEnv(key, ['command'])) return undefined;
  // LESSOPEN/LESSCLOSE start with `|` by convention.
  const value = /^LESS(?:OPEN|CLOSE)$/i.test(key)
    ? assignment.slice(eq + 1).replace(/^\|{1,2}/, '')
    : assignment.slice(eq + 1);
  if (value.trim() === '') return undefined;
  return nestedScript(value, depth, meter, key);
}

function opaqueOf(u: Unwrapped): Opaque | undefined {
  if (u.dynamicScript) return { kind: 'script', reason: u.dynamicScript };
  const head = u.argv[0];
  if (head?.dynamic) return { kind: 'program', reason: `the program name ${head.text} is only known at run time` };
  return undefined;
}

type Simple = Pick<
  SimpleCommand,
  'words' | 'redirects' | 'heredocs' | 'source' | 'piped' | 'background' | 'pipeline' | 'depth' | 'inFunction'
>;

/** Where a command sits: the depth of its script (its nested scripts are read one deeper) and its pipeline. */
interface Seat {
  readonly scriptDepth: number;
  readonly pipePosition: number;
  /** A later command of its pipeline reads its script from stdin. */
  readonly pipesIntoShell: boolean;
  readonly inSubstitution: boolean;
}

/**
 * A command that wraps nothing (most of them): its words are what runs. It holds only what varies; the lists it
 * has no use for come from its prototype. A long line is thousands of these, alive while both judges read them,
 * and an object of 23 fields made the garbage collector's copying the largest cost of reading such a line.
 */
class PlainCommand {
  readonly argv: readonly Word[];
  readonly opaque: Opaque | undefined;
  readonly heredocs: readonly string[];
  constructor(
    readonly words: readonly Word[],
    readonly redirects: readonly Redirect[],
    heredocs: readonly string[],
    readonly source: string,
    readonly piped: boolean,
    readonly pipePosition: number,
    readonly pipeline: number,
    readonly background: boolean,
    readonly depth: number,
    readonly inSubstitution: boolean,
    readonly inFunction: string | undefined,
  ) {
    const head = words[0] as Word;
    this.argv = words;
    this.heredocs = heredocs.length === 0 ? NONE : heredocs;
    this.opaque = head.dynamic
      ? { kind: 'program', reason: `the program name ${head.text} is only known at run time` }
      : undefined;
  }
}
const PLAIN_DEFAULTS: Omit<ResolvedCommand, keyof PlainCommand> = {
  wrappers: NONE,
  runner: undefined,
  assignments: NONE,
  declarations: NONE,
  scripts: NONE,
  variableScripts: NONE,
  extraCommands: NONE,
  inlineCode: undefined,
  readsStdinScript: false,
  stdinFeed: undefined,
};
Object.assign(PlainCommand.prototype, PLAIN_DEFAULTS);
Object.freeze(PlainCommand.prototype);

function plain(c: Simple, pipePosition: number, inSubstitution: boolean): ResolvedCommand {
  return new PlainCommand(
    c.words,
    c.redirects.length === 0 ? NONE : c.redirects,
    c.heredocs,
    c.source,
    c.piped,
    pipePosition,
    c.pipeline,
    c.background,
    c.depth,
    inSubstitution,
    c.inFunction,
  ) as PlainCommand & typeof PLAIN_DEFAULTS;
}

function resolve(c: Simple, u: Unwrapped, at: Seat, meter: Meter): ResolvedCommand {
  const inner = at.scriptDepth + 1;
  let declarations: string[] | undefined;
  if (DECLARATION_BUILTINS.has(u.argv[0]?.text ?? ''))
    for (let i = 1; i < u.argv.length; i++) {
      const text = (u.argv[i] as Word).text;
      if (text.includes('=')) (declarations ??= []).push(text);
    }
  let variableScripts: NestedScript[] | undefined;
  for (const a of u.assignments) {
    const s = variableScript(a, inner, meter);
    if (s) (variableScripts ??= []).push(s);
  }
  for (const a of declarations ?? NONE) {
    const s = variableScript(a, inner, meter);
    if (s) (variableScripts ??= []).push(s);
  }
  let stdinFeed: StdinFeed | undefined;
  if (at.pipesIntoShell || u.readsStdinScript) {
    const facts = feedFacts(u.argv, c.redirects, c.heredocs, at.pipesIntoShell);
    stdinFeed = {
      opaque: facts.opaque,
      scripts: facts.texts.map((t) => nestedScript(t.text, inner, meter, t.via)),
    };
  }
  let extraCommands: ResolvedCommand[] | undefined;
  if (u.extraCommands.length > 0) {
    const extraSeat: Seat = { ...at, scriptDepth: inner, pipesIntoShell: false };
    extraCommands = u.extraCommands.map((words) =>
      resolve({ ...c, words, redirects: NONE, heredocs: NONE }, unwrap(words), extraSeat, meter),
    );
  }
  return {
    words: c.words,
    argv: u.argv,
    wrappers: u.wrappers,
    runner: u.runner,
    assignments: u.assignments,
    declarations: declarations ?? NONE,
    redirects: c.redirects.length === 0 ? NONE : c.redirects,
    heredocs: c.heredocs.length === 0 ? NONE : c.heredocs,
    scripts: u.scripts.length === 0 ? NONE : u.scripts.map((s) => nestedScript(s, inner, meter)),
    variableScripts: variableScripts ?? NONE,
    extraCommands: extraCommands ?? NONE,
    inlineCode: u.inlineCode,
    readsStdinScript: u.readsStdinScript,
    stdinFeed,
    opaque: opaqueOf(u),
    source: c.source,
    piped: c.piped,
    pipePosition: at.pipePosition,
    pipeline: c.pipeline,
    background: c.background,
    depth: c.depth,
    inSubstitution: at.inSubstitution,
    inFunction: c.inFunction,
  };
}

function build(text: string, depth: number, meter: Meter): Result<ShellModel, BulwarkError> {
  meter.chars += text.length;
  if (depth > MAX_NESTING)
    return err(bulwarkError('command.too_deep', `commands nested more than ${MAX_NESTING} levels deep are refused`));
  const parsed = parseSimpleCommands(text, depth);
  if (!parsed.ok) return parsed;
  const simple = parsed.value;
  // Plain commands (no wrapper, no assignment, no declaration builtin) skip the peeler.
  const unwrapped = simple.map((c) =>
    isPlain(c.words) && !DECLARATION_BUILTINS.has(c.words[0]?.text ?? '') ? undefined : unwrap(c.words),
  );
  // "A later command of the same pipeline reads its script from stdin", in one backward pass: comparing
  // every pair was cubic in the pipeline's length.
  const pipesIntoShell: boolean[] = [];
  const shellAhead = new Set<number>();
  for (let i = simple.length - 1; i >= 0; i--) {
    const pipeline = (simple[i] as SimpleCommand).pipeline;
    pipesIntoShell[i] = shellAhead.has(pipeline);
    if (unwrapped[i]?.readsStdinScript) shellAhead.add(pipeline);
  }
  const commands: ResolvedCommand[] = [];
  let pipeline = -1;
  let pipePosition = 0;
  for (let i = 0; i < simple.length; i++) {
    const c = simple[i] as SimpleCommand;
    // Commands of one pipeline are consecutive.
    pipePosition = c.pipeline === pipeline ? pipePosition + 1 : 0;
    pipeline = c.pipeline;
    const u = unwrapped[i];
    const feeds = pipesIntoShell[i] === true;
    // A plain command feeding a shell still needs its feed read: resolve it in full.
    if (u === undefined && !feeds) commands.push(plain(c, pipePosition, c.depth > depth));
    else {
      const at: Seat = { scriptDepth: depth, pipePosition, pipesIntoShell: feeds, inSubstitution: c.depth > depth };
      commands.push(resolve(c, u ?? unwrap(c.words), at, meter));
    }
  }
  return ok(Object.freeze({ text, depth, commands }));
}

const cache = new BoundedLru<Result<ShellModel, BulwarkError>>(MAX_CACHED_LINES, MAX_CACHED_CHARS);
const stats = { parses: 0, hits: 0, nested: 0 };

/**
 * The model of a command line. Never throws; input the shell would reject, oversized input (64 KB), NUL bytes
 * and nesting deeper than MAX_NESTING give an error, which every judge treats as a refusal. Memoised by the
 * exact string.
 */
export function parseShell(command: string): Result<ShellModel, BulwarkError> {
  if (typeof command !== 'string') return err(bulwarkError('command.invalid', 'the command must be a string'));
  const cached = cache.get(command);
  if (cached) {
    stats.hits++;
    return cached;
  }
  stats.parses++;
  const meter: Meter = { chars: 0 };
  const model = build(command, 0, meter);
  cache.set(command, model, () => meter.chars);
  return model;
}

/**
 * Text a judge found inside something that is not shell (a string literal of interpreter code that shells out),
 * read as a script at `depth`. Not memoised: it is not a command line.
 */
export function parseScriptAt(text: string, depth: number): Result<ShellModel, BulwarkError> {
  stats.nested++;
  return build(text, depth, { chars: 0 });
}

/** A command given as an argv array (no shell reads it): its wrappers and nested scripts resolved the same way. */
export function resolveArgv(argv: readonly string[]): ResolvedCommand {
  const words = argv.map((text) => ({ text, dynamic: false, glob: false }));
  const simple: Simple = {
    words,
    redirects: NONE,
    heredocs: NONE,
    source: argv.join(' '),
    piped: false,
    background: false,
    pipeline: 0,
    depth: 0,
  };
  const at: Seat = { scriptDepth: 0, pipePosition: 0, pipesIntoShell: false, inSubstitution: false };
  return resolve(simple, unwrap(words), at, { chars: 0 });
}

/**
 * Counters for tests and the bench: `parses` command lines parsed (cache misses), `hits` lines served from the
 * cache, `nested` nested scripts parsed (inside lines, and those judges read with `parseScriptAt`), `cached`
 * lines held now.
 */
export function shellModelStats(): Readonly<{ parses: number; hits: number; nested: number; cached: number }> {
  return { ...stats, cached: cache.size };
}

/** Empties the cache (the bench uses it to time cold parses). */
export function clearShellModelCache(): void {
  cache.clear();
}
