/**
 * The shell-command model: a command line parsed and unwrapped once into the commands it would run, for every
 * layer that judges commands — exec layer 2 (the command policy, L11.2) and L27 (the action classifier, at the
 * gate and again at execution). Each resolved command carries its argv after wrappers (`sudo`, `env`, `timeout`,
 * `xargs`, `nice`, …), its assignments, its redirects with their kinds, the scripts it runs parsed recursively
 * (`sh -c`, `eval`, `su -c`, `env -S`, `find -exec`, heredocs and text piped into a shell, variables that carry
 * a program), and an `opaque` reason when what it runs cannot be known before it runs.
 *
 * `parseShell` memoises by the exact command string in a small bounded LRU, so one exec call parses its line
 * once; models are frozen, because both layers read the same object.
 */
import { err, ok, type Result } from '../core/result.js';
import { bulwarkError, type BulwarkError } from '../core/errors.js';
import { parseSimpleCommands, MAX_NESTING, type Redirect, type SimpleCommand, type Word } from './shell-parse.js';
import { unwrap, type Unwrapped } from './shell-unwrap.js';
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
/** Cached lines, and their total weight in characters parsed (nested scripts included). */
const MAX_CACHED_LINES = 64;
const MAX_CACHED_CHARS = 256 * 1024;

interface Meter {
  chars: number;
  nested: number;
}

interface Place {
  /** Depth of the script the command belongs to; its nested scripts are parsed one deeper. */
  readonly scriptDepth: number;
  readonly pipePosition: number;
  readonly pipesIntoShell: boolean;
  readonly inSubstitution: boolean;
}

function frozen<T>(items: readonly T[]): readonly T[] {
  return Object.freeze(items);
}

function nestedScript(text: string, depth: number, meter: Meter, via?: string): NestedScript {
  meter.nested++;
  return Object.freeze({ text, ...(via !== undefined ? { via } : {}), model: build(text, depth, meter) });
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

function resolve(c: Simple, u: Unwrapped, at: Place, meter: Meter): ResolvedCommand {
  const inner = at.scriptDepth + 1;
  const declarations = DECLARATION_BUILTINS.has(u.argv[0]?.text ?? '')
    ? u.argv
        .slice(1)
        .filter((w) => w.text.includes('='))
        .map((w) => w.text)
    : [];
  const variableScripts: NestedScript[] = [];
  for (const a of [...u.assignments, ...declarations]) {
    const s = variableScript(a, inner, meter);
    if (s) variableScripts.push(s);
  }
  let stdinFeed: StdinFeed | undefined;
  if (at.pipesIntoShell || u.readsStdinScript) {
    const facts = feedFacts(u.argv, c.redirects, c.heredocs, at.pipesIntoShell);
    stdinFeed = Object.freeze({
      ...(facts.opaque ? { opaque: Object.freeze(facts.opaque) } : {}),
      scripts: frozen(facts.texts.map((t) => nestedScript(t.text, inner, meter, t.via))),
    });
  }
  const opaque = opaqueOf(u);
  const extraPlace: Place = { ...at, scriptDepth: inner, pipesIntoShell: false };
  const extraCommands = u.extraCommands.map((words) =>
    resolve({ ...c, words, redirects: [], heredocs: [] }, unwrap(words), extraPlace, meter),
  );
  return Object.freeze({
    words: frozen(c.words),
    argv: frozen(u.argv),
    wrappers: frozen(u.wrappers),
    ...(u.runner ? { runner: frozen(u.runner) } : {}),
    assignments: frozen(u.assignments),
    declarations: frozen(declarations),
    redirects: frozen(c.redirects),
    heredocs: frozen(c.heredocs),
    scripts: frozen(u.scripts.map((s) => nestedScript(s, inner, meter))),
    variableScripts: frozen(variableScripts),
    extraCommands: frozen(extraCommands),
    ...(u.inlineCode ? { inlineCode: Object.freeze({ ...u.inlineCode }) } : {}),
    readsStdinScript: u.readsStdinScript,
    ...(stdinFeed ? { stdinFeed } : {}),
    ...(opaque ? { opaque: Object.freeze(opaque) } : {}),
    source: c.source,
    piped: c.piped,
    pipePosition: at.pipePosition,
    pipeline: c.pipeline,
    background: c.background,
    depth: c.depth,
    inSubstitution: at.inSubstitution,
    ...(c.inFunction !== undefined ? { inFunction: c.inFunction } : {}),
  });
}

function build(text: string, depth: number, meter: Meter): Result<ShellModel, BulwarkError> {
  meter.chars += text.length;
  if (depth > MAX_NESTING)
    return err(bulwarkError('command.too_deep', `commands nested more than ${MAX_NESTING} levels deep are refused`));
  const parsed = parseSimpleCommands(text, depth);
  if (!parsed.ok) return parsed;
  const simple = parsed.value;
  const unwrapped = simple.map((c) => unwrap(c.words));
  // "A later command of the same pipeline reads its script from stdin", in one backward pass: comparing
  // every pair was cubic in the pipeline's length.
  const pipesIntoShell: boolean[] = [];
  const shellAhead = new Set<number>();
  for (let i = simple.length - 1; i >= 0; i--) {
    const pipeline = (simple[i] as SimpleCommand).pipeline;
    pipesIntoShell[i] = shellAhead.has(pipeline);
    if ((unwrapped[i] as Unwrapped).readsStdinScript) shellAhead.add(pipeline);
  }
  const positions = new Map<number, number>();
  const commands = simple.map((c, i) => {
    const pipePosition = positions.get(c.pipeline) ?? 0;
    positions.set(c.pipeline, pipePosition + 1);
    const place: Place = {
      scriptDepth: depth,
      pipePosition,
      pipesIntoShell: pipesIntoShell[i] === true,
      inSubstitution: c.depth > depth,
    };
    return resolve(c, unwrapped[i] as Unwrapped, place, meter);
  });
  return ok(Object.freeze({ text, depth, commands: frozen(commands) }));
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
  const meter: Meter = { chars: 0, nested: 0 };
  const model = Object.freeze(build(command, 0, meter));
  stats.nested += meter.nested;
  cache.set(command, model, meter.chars);
  return model;
}

/**
 * Text a judge found inside something that is not shell (a string literal of interpreter code that shells out),
 * read as a script at `depth`. Not memoised: it is not a command line.
 */
export function parseScriptAt(text: string, depth: number): Result<ShellModel, BulwarkError> {
  const meter: Meter = { chars: 0, nested: 1 };
  const model = build(text, depth, meter);
  stats.nested += meter.nested;
  return model;
}

/** A command given as an argv array (no shell reads it): its wrappers and nested scripts resolved the same way. */
export function resolveArgv(argv: readonly string[]): ResolvedCommand {
  const words = argv.map((text) => Object.freeze({ text, dynamic: false, glob: false }));
  const meter: Meter = { chars: 0, nested: 0 };
  const place: Place = { scriptDepth: 0, pipePosition: 0, pipesIntoShell: false, inSubstitution: false };
  const simple: Simple = {
    words,
    redirects: [],
    heredocs: [],
    source: argv.join(' '),
    piped: false,
    background: false,
    pipeline: 0,
    depth: 0,
  };
  const resolved = resolve(simple, unwrap(words), place, meter);
  stats.nested += meter.nested;
  return resolved;
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
