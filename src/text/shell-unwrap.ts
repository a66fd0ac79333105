/**
 * The one wrapper peeler: sees through the commands that run other commands (`sudo`, `env`, `time`, `nice`,
 * `xargs`, `timeout`, `pkexec`, `find -exec`, `sh -c`, `eval`, …) so that the command policy and L27 both judge
 * what would actually run. The shell model (text/shell-model.ts) calls it once per simple command.
 */
import { ASSIGNMENT_WORD, ENV_OPERAND, type Word } from './shell-parse.js';

export interface Unwrapped {
  /** The command that finally runs (argv[0] is a base name, e.g. `rm` for `/usr/bin/rm`). */
  readonly argv: readonly Word[];
  /** Wrappers peeled off, outermost first (e.g. ["sudo", "env"]). */
  readonly wrappers: readonly string[];
  /** Assignments in front of the command or passed to `env` (NAME=value). */
  readonly assignments: readonly string[];
  /** Shell scripts this command runs (`sh -c X`, `eval X`, `su -c X`, `env -S X`, `watch X`). */
  readonly scripts: readonly string[];
  /**
   * The program that runs `scripts` or reads a script from stdin instead of running `argv` (a shell, `eval`,
   * `su -c`, `env -S`, `watch`), with its words (the first one a base name). `argv` is then empty.
   */
  readonly runner?: readonly Word[];
  /** Further commands this one runs (`find -exec …`). */
  readonly extraCommands: ReadonlyArray<readonly Word[]>;
  /** Inline interpreter code (`python -c`, `perl -e`, `node -e`, …). */
  readonly inlineCode?: { readonly interpreter: string; readonly code: string };
  /** Reads a script from stdin (a shell or interpreter with no script argument). */
  readonly readsStdinScript: boolean;
  /**
   * Why the script this command runs is only known at run time, when it is: `eval $X`,
   * `sh -c "$(…)"`, `source <(…)`, `bash /dev/fd/63`. Such text cannot be judged before it runs.
   */
  readonly dynamicScript?: string;
}

export function baseName(word: string): string {
  const i = word.lastIndexOf('/');
  return i >= 0 ? word.slice(i + 1) : word;
}

export const SHELLS = new Set([
  'sh',
  'bash',
  'dash',
  'zsh',
  'ksh',
  'mksh',
  'ash',
  'fish',
  'busybox',
  'rbash',
  'tcsh',
  'csh',
]);
/** Interpreters and the options that take their inline code. A Map: a command named `constructor` is not an entry. */
const INTERPRETERS: ReadonlyMap<string, readonly string[]> = new Map([
  ['python', ['-c']],
  ['python2', ['-c']],
  ['python3', ['-c']],
  ['pypy', ['-c']],
  ['pypy3', ['-c']],
  ['perl', ['-e', '-E']],
  ['ruby', ['-e']],
  ['node', ['-e', '--eval', '-p', '--print']],
  ['nodejs', ['-e', '--eval', '-p', '--print']],
  ['bun', ['-e', '--eval', '-p', '--print']],
  ['deno', ['eval']],
  ['php', ['-r']],
  ['lua', ['-e']],
  ['osascript', ['-e']],
  ['Rscript', ['-e']],
]);

/** Options (per wrapper) that take a separate argument. A Map: `toString -x` is not a wrapper. */
const WRAPPER_ARG_OPTS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  [
    'sudo',
    new Set([
      '-u',
      '-g',
      '-C',
      '-D',
      '-h',
      '-p',
      '-r',
      '-t',
      '-U',
      '-T',
      '--user',
      '--group',
      '--chdir',
      '--host',
      '--prompt',
      '--role',
      '--type',
      '--other-user',
      '--command-timeout',
      '--close-from',
    ]),
  ],
  ['doas', new Set(['-u', '-C'])],
  ['pkexec', new Set(['--user'])],
  ['env', new Set(['-u', '--unset', '-C', '--chdir'])],
  ['nice', new Set(['-n', '--adjustment'])],
  ['ionice', new Set(['-c', '-n', '-p', '-P', '-u', '--class', '--classdata'])],
  ['timeout', new Set(['-s', '--signal', '-k', '--kill-after'])],
  ['stdbuf', new Set(['-i', '-o', '-e', '--input', '--output', '--error'])],
  [
    'xargs',
    new Set([
      '-I',
      '-i',
      '-n',
      '-P',
      '-L',
      '-l',
      '-d',
      '-E',
      '-e',
      '-s',
      '-a',
      '--arg-file',
      '--delimiter',
      '--max-args',
      '--max-procs',
      '--max-lines',
      '--replace',
      '--eof',
      '--max-chars',
      '--process-slot-var',
    ]),
  ],
  ['time', new Set(['-f', '--format', '-o', '--output'])],
  ['flock', new Set(['-w', '--timeout', '-E', '--conflict-exit-code'])],
  ['chrt', new Set([])],
  ['taskset', new Set([])],
  ['runuser', new Set(['-u', '--user', '-g', '--group', '-G', '--supp-group'])],
  [
    'setpriv',
    new Set([
      '--reuid',
      '--regid',
      '--groups',
      '--inh-caps',
      '--ambient-caps',
      '--bounding-set',
      '--securebits',
      '--selinux-label',
      '--apparmor-profile',
    ]),
  ],
  ['strace', new Set(['-e', '-o', '-p', '-s', '-u', '-E'])],
  ['unshare', new Set([])],
  ['nsenter', new Set(['-t', '--target'])],
  ['watch', new Set(['-n', '--interval', '-d'])],
  ['caffeinate', new Set([])],
  ['proxychains', new Set(['-f'])],
  ['torsocks', new Set([])],
  ['exec', new Set(['-a'])],
  ['command', new Set([])],
  ['builtin', new Set([])],
  ['nohup', new Set([])],
  ['setsid', new Set([])],
  ['unbuffer', new Set([])],
  ['chronic', new Set([])],
  ['ltrace', new Set(['-e', '-o', '-p'])],
  ['valgrind', new Set([])],
  ['fakeroot', new Set([])],
  ['firejail', new Set([])],
  ['chroot', new Set([])],
]);

function word(text: string): Word {
  return { text, dynamic: false, glob: false };
}

function isOption(w: Word | undefined): boolean {
  return !!w && w.text.startsWith('-') && w.text !== '-' && w.text !== '--';
}

/** The shell still has to expand this word before the text becomes code: `$VAR`, `$(…)`, backticks. */
function expandsAtRunTime(w: Word | undefined): boolean {
  return !!w && w.dynamic;
}

/** A file argument that is really a pipe or a substitution: `<(…)`, `/dev/stdin`, `$(…)`, backticks. */
function isStreamOrSubstitution(w: Word | undefined): boolean {
  if (!w) return false;
  if (/^\/(dev\/(fd\/\d+|stdin)|proc\/(self|\d+)\/fd\/\d+)$/.test(w.text)) return true;
  return w.dynamic && /\$\(|`/.test(w.text);
}

const SOURCE_BUILTINS = new Set(['source', '.']);

/** `command -v NAME` / `command -pV NAME`: -v or -V among the options before the name (not `command rm -rf / -v`). */
function looksUp(argv: readonly Word[]): boolean {
  for (let i = 1; i < argv.length && isOption(argv[i]); i++) if (/[vV]/.test((argv[i] as Word).text)) return true;
  return false;
}

/** The word holding an interpreter's inline code: after `-c`/`-e` (or `-Bc`), or the value of `--eval=…`. */
function inlineCodeWord(argv: readonly Word[], opts: readonly string[]): Word | undefined {
  const i = argv.findIndex(
    (w, k) =>
      k > 0 &&
      (opts.includes(w.text) ||
        opts.some(
          (o) =>
            o.length === 2 &&
            w.text.startsWith('-') &&
            !w.text.startsWith('--') &&
            w.text.endsWith(o[1] as string) &&
            /^-[a-zA-Z]+$/.test(w.text),
        )),
  );
  if (i > 0) return argv[i + 1];
  for (const w of argv.slice(1)) {
    const long = opts.find((o) => o.startsWith('--') && w.text.startsWith(`${o}=`));
    if (long) return { ...w, text: w.text.slice(long.length + 1) };
  }
  return undefined;
}

const NONE: readonly never[] = Object.freeze([]);

/** Every name the peeler treats specially; any other first word (without a slash or `=`) is what runs. */
const SPECIAL = new Set([
  'command',
  'su',
  'env',
  'sudo',
  'doas',
  'runuser',
  'capsh',
  'eval',
  'busybox',
  'find',
  ...SOURCE_BUILTINS,
  ...SHELLS,
  ...WRAPPER_ARG_OPTS.keys(),
  ...INTERPRETERS.keys(),
]);

/** Most commands wrap nothing: their first word is what runs, as written. */
export function isPlain(input: readonly Word[]): boolean {
  const head = input[0]?.text;
  return (
    head !== undefined && !head.includes('/') && !head.includes('=') && !SPECIAL.has(head) && !/[0-9.]$/.test(head)
  );
}

export function unwrap(input: readonly Word[]): Unwrapped {
  if (isPlain(input))
    return {
      argv: input,
      wrappers: NONE,
      assignments: NONE,
      scripts: NONE,
      runner: undefined,
      extraCommands: NONE,
      inlineCode: undefined,
      readsStdinScript: false,
      dynamicScript: undefined,
    };
  let argv = [...input];
  const wrappers: string[] = [];
  const assignments: string[] = [];
  const scripts: string[] = [];
  const extraCommands: Word[][] = [];
  let inlineCode: Unwrapped['inlineCode'];
  let readsStdinScript = false;
  let dynamicScript: string | undefined;
  let runner: readonly Word[] | undefined;
  const result = (final: readonly Word[]): Unwrapped => ({
    argv: final,
    wrappers,
    assignments,
    scripts,
    runner,
    extraCommands,
    inlineCode,
    readsStdinScript,
    dynamicScript,
  });
  /** The command runs script text (its own argv is not what runs): `sh -c`, `eval`, `su -c`, `env -S`, `watch`. */
  const runsScript = (name: string): Unwrapped => {
    wrappers.push(name);
    runner = argv;
    return result([]);
  };

  for (let guard = 0; guard < 32 && argv.length; guard++) {
    while (argv.length && ASSIGNMENT_WORD.test(argv[0]?.text ?? '') && !argv[0]?.text.startsWith('=')) {
      assignments.push((argv.shift() as Word).text);
    }
    const head = argv[0];
    if (!head) break;
    const name = baseName(head.text);
    if (name !== head.text) argv[0] = { ...head, text: name };

    if (name === 'command' && looksUp(argv)) {
      // `command -v git` asks where git is; it runs nothing.
      return result([word('command'), word('-v')]);
    }
    if (name === 'su') {
      // su [opts] [user] -c CMD
      const c = argv.findIndex((w) => w.text === '-c' || w.text === '--command');
      if (c <= 0) {
        wrappers.push('su');
        return result(argv);
      }
      if (argv[c + 1]) scripts.push((argv[c + 1] as Word).text);
      if (expandsAtRunTime(argv[c + 1])) dynamicScript = 'su -c runs script text built at run time';
      return runsScript('su');
    }
    if (name === 'env' || name === 'sudo' || name === 'doas' || name === 'runuser') {
      const argOpts = WRAPPER_ARG_OPTS.get(name) ?? new Set<string>();
      let i = 1;
      while (i < argv.length) {
        const w = argv[i] as Word;
        if (w.text === '--') {
          i++;
          break;
        }
        if (name === 'env' && ENV_OPERAND.test(w.text)) {
          assignments.push(w.text);
          i++;
          continue;
        }
        if (
          name === 'env' &&
          (w.text === '-S' ||
            w.text === '--split-string' ||
            w.text.startsWith('--split-string=') ||
            /^-S./.test(w.text))
        ) {
          const separate = w.text === '-S' || w.text === '--split-string';
          const s = separate ? (argv[i + 1]?.text ?? '') : w.text.replace(/^--split-string=|^-S/, '');
          const from = i + (separate ? 2 : 1);
          scripts.push([s, ...argv.slice(from).map((x) => x.text)].join(' '));
          if (argv.slice(separate ? i + 1 : i).some(expandsAtRunTime))
            dynamicScript = 'env -S splits a command line built at run time';
          return runsScript(name);
        }
        if (!w.text.startsWith('-')) break;
        i += argOpts.has(w.text) ? 2 : 1;
      }
      wrappers.push(name);
      argv = argv.slice(i);
      continue;
    }
    if (name === 'capsh') {
      // capsh [opts] -- ARGS runs /bin/bash ARGS; without `--` it runs no command of its own.
      const dashes = argv.findIndex((w, k) => k > 0 && w.text === '--');
      if (dashes < 0) break;
      wrappers.push('capsh');
      argv = [word('bash'), ...argv.slice(dashes + 1)];
      continue;
    }
    const wrapperOpts = WRAPPER_ARG_OPTS.get(name);
    if (wrapperOpts) {
      const argOpts = wrapperOpts;
      let i = 1;
      while (i < argv.length && isOption(argv[i])) i += argOpts.has((argv[i] as Word).text) ? 2 : 1;
      if (argv[i]?.text === '--') i++;
      // Positional arguments these wrappers take before the command.
      if (name === 'timeout' && i < argv.length) i++; // DURATION
      if ((name === 'chrt' || name === 'taskset') && i < argv.length) i++; // priority / mask
      if ((name === 'flock' || name === 'chroot') && i < argv.length) i++; // lock file / new root
      if (name === 'watch' && argv.length - i === 1) {
        scripts.push((argv[i] as Word).text);
        if (expandsAtRunTime(argv[i])) dynamicScript = 'watch runs script text built at run time';
        return runsScript(name);
      }
      wrappers.push(name);
      argv = argv.slice(i);
      continue;
    }
    if (name === 'eval') {
      scripts.push(
        argv
          .slice(1)
          .map((w) => w.text)
          .join(' '),
      );
      if (argv.slice(1).some(expandsAtRunTime)) dynamicScript = 'eval runs script text built at run time';
      return runsScript('eval');
    }
    // `source FILE` reads a file; only a stream or a substitution standing in for the file is text
    // built at run time (`source <(…)`, `. /dev/stdin`). `source "$VENV/bin/activate"` names a file.
    if (SOURCE_BUILTINS.has(name)) {
      if (isStreamOrSubstitution(argv[1])) dynamicScript = `${name} reads script text built at run time`;
      return result(argv);
    }
    if (name === 'busybox' && argv[1] && !argv[1].text.startsWith('-')) {
      wrappers.push('busybox');
      argv = argv.slice(1);
      continue;
    }
    if (SHELLS.has(name)) {
      // sh [-opts] -c SCRIPT [name args…]; combined flags such as -lc or -ec also carry c.
      let i = 1;
      let script: string | undefined;
      let sawScriptFile = false;
      while (i < argv.length) {
        const t = (argv[i] as Word).text;
        if (t === '--') {
          i++;
          break;
        }
        if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(t) || t === '--command') {
          script = argv[i + 1]?.text ?? '';
          break;
        }
        if (t === '-o' || t === '+o' || t === '--rcfile' || t === '--init-file') {
          i += 2;
          continue;
        }
        if (/^[-+]/.test(t)) {
          i++;
          continue;
        }
        sawScriptFile = true;
        break;
      }
      if (script === undefined && i < argv.length && !sawScriptFile && argv[i]) sawScriptFile = true;
      if (script !== undefined) scripts.push(script);
      if (script !== undefined && expandsAtRunTime(argv[i + 1]))
        dynamicScript = `${name} -c runs script text built at run time`;
      else if (script === undefined && sawScriptFile && isStreamOrSubstitution(argv[i]))
        dynamicScript = `${name} runs a script read from a pipe or substitution`;
      readsStdinScript = script === undefined && !sawScriptFile;
      return runsScript(name);
    }
    const inlineOpts =
      INTERPRETERS.get(/[0-9.]$/.test(name) ? name.replace(/[0-9.]+$/, '') : name) ?? INTERPRETERS.get(name);
    if (inlineOpts) {
      const code = inlineCodeWord(argv, inlineOpts);
      if (code) inlineCode = { interpreter: name, code: code.text };
      // `python3 -c "$(… | base64 -d)"`: the code itself is produced by a substitution.
      if (code && isStreamOrSubstitution(code)) dynamicScript = `${name} runs code produced by a substitution`;
      else if (argv.slice(1).every((w) => w.text.startsWith('-'))) readsStdinScript = true;
      break;
    }
    if (name === 'find') {
      // find … -exec CMD … ; / -execdir / -ok / -okdir
      for (let i = 1; i < argv.length; i++) {
        const t = (argv[i] as Word).text;
        if (t === '-exec' || t === '-execdir' || t === '-ok' || t === '-okdir') {
          const end = argv.findIndex((w, k) => k > i && (w.text === ';' || w.text === '+'));
          extraCommands.push(argv.slice(i + 1, end < 0 ? argv.length : end));
          if (end > 0) i = end;
        }
      }
      break;
    }
    break;
  }
  return result(argv);
}
