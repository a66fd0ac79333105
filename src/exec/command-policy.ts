/**
 * Exec layer 2: the command policy. Parses the command line, sees through wrappers and nested
 * scripts, and denies the destructive set. The verdict names the rule and the parsed segment
 * that matched, so an operator (and `bulwark scan command`) can see exactly why.
 */
import { parseShell, MAX_NESTING, type SimpleCommand, type Word } from './shell-parse.js';
import { unwrap, SHELLS, baseName, type Unwrapped } from './command-unwrap.js';
import { commandRules, inlineCodeHit, redirectRule, type RuleHit } from './command-rules.js';
import { dynamicScriptHit, isDecoder } from './dynamic-script.js';
import { shellOutHit } from './inline-shell-out.js';
import { isDangerousEnv } from '../text/dangerous-env.js';

export interface CommandVerdict {
  readonly decision: 'allow' | 'deny';
  /** Stable rule id, e.g. `fs.rm-recursive-root`; `parse.*` when the line cannot be parsed. */
  readonly ruleId?: string;
  readonly reason?: string;
  /** The parsed segment that matched (words joined by spaces, after quote removal). */
  readonly segment?: string;
  /** Wrappers seen through on the way to the segment, outermost first. */
  readonly via?: readonly string[];
  /** Number of simple commands examined. */
  readonly commands: number;
}

/** Loader and interpreter start-up variables (the shared list's `loader` kind) must not be set inside a command line either. */
export function isInjectionEnv(name: string): boolean {
  return isDangerousEnv(name, ['loader']);
}

const RULES = commandRules(isInjectionEnv);

const DOWNLOADERS = new Set(['cat', 'echo', 'printf']);
/** Builtins whose NAME=value operands set variables like a prefix assignment does. */
const DECLARATION_BUILTINS = new Set(['export', 'declare', 'typeset', 'readonly', 'local']);
/** Builtins that assign to a variable given by name as an operand. */
const ASSIGNING_BUILTINS = new Set(['printf', 'read', 'mapfile', 'readarray', 'getopts']);

interface Found {
  hit: RuleHit;
  segment: string;
  via: string[];
}

function show(words: readonly Word[]): string {
  return words.map((w) => (/[\s'"\\]/.test(w.text) || w.text === '' ? JSON.stringify(w.text) : w.text)).join(' ');
}

class Evaluator {
  examined = 0;

  evaluateScript(script: string, depth: number, via: string[]): Found | undefined {
    if (depth > MAX_NESTING)
      return {
        hit: { ruleId: 'parse.too-deep', reason: `commands nested more than ${MAX_NESTING} levels deep are refused` },
        segment: script.slice(0, 200),
        via,
      };
    const parsed = parseShell(script, depth);
    if (!parsed.ok)
      return { hit: { ruleId: 'parse.error', reason: parsed.error.message }, segment: script.slice(0, 200), via };
    return this.evaluateCommands(parsed.value, depth, via);
  }

  private evaluateCommands(cmds: readonly SimpleCommand[], depth: number, via: string[]): Found | undefined {
    // Each command unwrapped once, and "a later command of the same pipeline reads its script from
    // stdin" found in one backward pass: comparing every pair (with indexOf) was cubic in the
    // pipeline length, seconds of blocked event loop for a few kilobytes of `a|a|…`.
    const unwrapped = cmds.map((c) => unwrap(c.words));
    const feedsShellAt: boolean[] = [];
    const stdinScriptAhead = new Set<number>();
    for (let i = cmds.length - 1; i >= 0; i--) {
      const pipeline = (cmds[i] as SimpleCommand).pipeline;
      feedsShellAt[i] = stdinScriptAhead.has(pipeline);
      if ((unwrapped[i] as Unwrapped).readsStdinScript) stdinScriptAhead.add(pipeline);
    }
    for (const [i, c] of cmds.entries()) {
      const found = this.evaluateOne(c, c.words, depth, via);
      if (found) return found;
      // Text piped into a shell is a script: `cat <<EOF | sh`, `echo "rm -rf /" | bash`.
      const fed = unwrapped[i] as Unwrapped;
      const feedsShell = feedsShellAt[i] === true;
      const selfShell = fed.readsStdinScript;
      if (feedsShell || selfShell) {
        const decoder = feedsShell ? isDecoder(fed.argv) : undefined;
        if (decoder)
          return {
            hit: dynamicScriptHit(`a script piped into a shell or interpreter comes out of a decoder (${decoder})`),
            segment: c.source || show(c.words),
            via: [...via, 'pipe-to-shell'],
          };
        if (
          feedsShell &&
          fed.argv[0] &&
          DOWNLOADERS.has(fed.argv[0].text) &&
          fed.argv.slice(1).some((w) => w.dynamic)
        ) {
          return {
            hit: dynamicScriptHit(
              `a script piped into a shell or interpreter is built at run time (${fed.argv[0].text} of an expansion)`,
            ),
            segment: c.source || show(c.words),
            via: [...via, 'pipe-to-shell'],
          };
        }
        if (c.redirects.some((r) => r.op === '<<<' && r.target.dynamic)) {
          return {
            hit: dynamicScriptHit('a here-string fed to a shell or interpreter is built at run time'),
            segment: c.source || show(c.words),
            via: [...via, 'here-string'],
          };
        }
        for (const body of c.heredocs) {
          const f = this.evaluateScript(body, depth + 1, [...via, 'heredoc']);
          if (f) return f;
        }
        for (const red of c.redirects) {
          if (red.op === '<<<') {
            const f = this.evaluateScript(red.target.text, depth + 1, [...via, 'here-string']);
            if (f) return f;
          }
        }
        if (feedsShell && fed.argv[0] && DOWNLOADERS.has(fed.argv[0].text)) {
          const text = fed.argv
            .slice(1)
            .filter((w) => !/^-[neE]+$/.test(w.text))
            .map((w) => w.text)
            .join(' ');
          const f = this.evaluateScript(text.replace(/\\n/g, '\n'), depth + 1, [...via, 'pipe-to-shell']);
          if (f) return f;
        }
      }
    }
    return undefined;
  }

  /**
   * `GIT_SSH_COMMAND='rm -rf ~' git fetch`: a variable that holds a program some tool runs later (the shared
   * list's `command` kind) carries a script, judged like any other. LESSOPEN/LESSCLOSE start with `|` by convention.
   */
  private evaluateCommandVariable(assignment: string, depth: number, via: string[]): Found | undefined {
    const eq = assignment.indexOf('=');
    if (eq <= 0) return undefined;
    const key = assignment.slice(0, eq);
    if (!isDangerousEnv(key, ['command'])) return undefined;
    const value = /^LESS(?:OPEN|CLOSE)$/i.test(key)
      ? assignment.slice(eq + 1).replace(/^\|{1,2}/, '')
      : assignment.slice(eq + 1);
    if (value.trim() === '') return undefined;
    return this.evaluateScript(value, depth + 1, [...via, key]);
  }

  private evaluateOne(c: SimpleCommand, words: readonly Word[], depth: number, via: string[]): Found | undefined {
    this.examined++;
    const red = redirectRule({ cmd: unwrap([]), redirects: c.redirects, piped: c.piped, background: c.background });
    if (red) return { hit: red, segment: c.source || show(words), via };
    const u = unwrap(words);
    const chain = [...via, ...u.wrappers];
    const input = {
      cmd: u,
      redirects: c.redirects,
      piped: c.piped,
      background: c.background,
      ...(c.inFunction ? { inFunction: c.inFunction } : {}),
    };
    const name = u.argv[0]?.text ?? '';
    for (const rule of RULES) {
      const hit = rule(input, name, u.argv);
      if (hit) return { hit, segment: show(u.argv.length ? u.argv : words), via: chain };
    }
    if (DECLARATION_BUILTINS.has(name)) {
      for (const w of u.argv.slice(1)) {
        const key = w.text.split('=')[0] ?? '';
        if (w.text.includes('=') && isInjectionEnv(key))
          return {
            hit: {
              ruleId: 'env.injection',
              reason: `${key} changes what code every program loads; it is not allowed in commands`,
            },
            segment: show(u.argv),
            via: chain,
          };
      }
    }
    if (u.inlineCode) {
      const hit = inlineCodeHit(u.inlineCode.code);
      if (hit) return { hit, segment: show(u.argv), via: chain };
      // Interpreter code that shells out: judge the shell strings it contains.
      for (const m of u.inlineCode.code.matchAll(
        /\b(?:system|popen|execSync|exec|spawnSync|check_call|check_output|run|call)\s*\(\s*(['"])((?:(?!\1)[^\\]|\\.){1,2000})\1/g,
      )) {
        const f = this.evaluateScript(m[2] as string, depth + 1, [...chain, `${u.inlineCode.interpreter} code`]);
        if (f) return f;
      }
      const shellOut = shellOutHit(u.inlineCode, (script) => this.evaluateScript(script, depth + 1, [])?.hit);
      if (shellOut)
        return { hit: shellOut, segment: show(u.argv), via: [...chain, `${u.inlineCode.interpreter} code`] };
    }
    for (const s of u.scripts) {
      const f = this.evaluateScript(s, depth + 1, chain);
      if (f) return f;
    }
    // `printf -v GIT_SSH_COMMAND 'rm -rf ~'`, `read LD_PRELOAD`: builtins that assign to a variable named as an operand.
    if (ASSIGNING_BUILTINS.has(name)) {
      const operands = u.argv.slice(1);
      // printf assigns only to the name after -v; the others to every name operand.
      const names =
        name === 'printf'
          ? operands.filter((_, i) => operands[i - 1]?.text === '-v')
          : operands.filter((w) => !w.text.startsWith('-'));
      const target = names.find(
        (w) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(w.text) && isDangerousEnv(w.text, ['loader', 'command', 'lookup']),
      );
      if (target)
        return {
          hit: {
            ruleId: 'env.injection',
            reason: `${name} assigns ${target.text}, which changes what programs load or run; it is not allowed in commands`,
          },
          segment: show(u.argv),
          via: chain,
        };
    }
    const exported = DECLARATION_BUILTINS.has(name) ? u.argv.slice(1).map((w) => w.text) : [];
    for (const a of [...u.assignments, ...exported]) {
      const f = this.evaluateCommandVariable(a, depth, chain);
      if (f) return f;
    }
    // Judged after the static part of the text, so `eval "rm -rf / $X"` still names the rm rule.
    if (u.dynamicScript) return { hit: dynamicScriptHit(u.dynamicScript), segment: show(words), via: chain };
    for (const extra of u.extraCommands) {
      const f = this.evaluateOne({ ...c, words: extra, redirects: [] }, extra, depth + 1, [...chain, 'find -exec']);
      if (f) return f;
    }
    // A command word only known at run time (`$CMD -rf /`): judge the arguments as if they were rm's.
    if (u.argv[0]?.dynamic && !SHELLS.has(baseName(name))) {
      const asRm = [{ text: 'rm', dynamic: false, glob: false }, ...u.argv.slice(1)];
      const hit = rule0(input, asRm);
      if (hit && hit.ruleId !== 'fs.rm-recursive-force')
        return {
          hit: {
            ruleId: 'dynamic.destructive-args',
            reason: `a command chosen at run time with the arguments of a destructive delete (${hit.reason})`,
          },
          segment: show(u.argv),
          via: chain,
        };
    }
    return undefined;
  }
}

function rule0(input: Parameters<(typeof RULES)[number]>[0], argv: Word[]): RuleHit | undefined {
  for (const rule of RULES) {
    const h = rule(input, 'rm', argv);
    if (h) return h;
  }
  return undefined;
}

/** Judges a command line without running it. Never throws; unparseable input is denied. */
export function evaluateCommand(line: string): CommandVerdict {
  const ev = new Evaluator();
  if (typeof line !== 'string')
    return { decision: 'deny', ruleId: 'parse.error', reason: 'the command must be a string', commands: 0 };
  if (line.trim() === '')
    return { decision: 'deny', ruleId: 'parse.empty', reason: 'the command is empty', commands: 0 };
  const found = ev.evaluateScript(line, 0, []);
  if (!found) return { decision: 'allow', commands: ev.examined };
  return {
    decision: 'deny',
    ruleId: found.hit.ruleId,
    reason: found.hit.reason,
    segment: found.segment.slice(0, 500),
    via: found.via,
    commands: ev.examined,
  };
}
