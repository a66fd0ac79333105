/**
 * Exec layer 2 (L11.2): the command policy. Judges the shell model of the command line (text/shell-model.ts:
 * parsed and unwrapped once, shared with L27) — every command it would run, through wrappers and nested
 * scripts — and denies the destructive set. The verdict names the rule and the parsed segment that matched,
 * so an operator (and `bulwark scan command`) can see exactly why.
 */
import type { Result, BulwarkError } from '../core/index.js';
import {
  type Word,
  parseShell,
  parseScriptAt,
  type NestedScript,
  type ResolvedCommand,
  type ShellModel,
  isDangerousEnv,
  STEERS_EXECUTION,
} from '../text/index.js';
import { commandRules, inlineCodeHit, redirectRule, type Rule, type RuleHit } from './command-rules.js';
import { dynamicScriptHit } from './dynamic-script.js';
import { shellOutHit } from './inline-shell-out.js';

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
/** The same rules where exec effects (L11.7) judge what a command changes in the workspace. */
const RULES_EFFECTS_JUDGED = commandRules(isInjectionEnv, { effectsJudged: true });

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

  constructor(private readonly rules: readonly Rule[]) {}

  /** A script's model (or the reason it has none), judged; `text` is shown when it could not be parsed. */
  judge(model: Result<ShellModel, BulwarkError>, text: string, depth: number, via: string[]): Found | undefined {
    if (!model.ok) {
      const ruleId = model.error.code === 'command.too_deep' ? 'parse.too-deep' : 'parse.error';
      return { hit: { ruleId, reason: model.error.message }, segment: text.slice(0, 200), via };
    }
    return this.evaluateCommands(model.value.commands, depth, via);
  }

  private judgeScript(s: NestedScript, depth: number, via: string[]): Found | undefined {
    return this.judge(s.model, s.text, depth, via);
  }

  /** Text found inside interpreter code, read as a script. */
  private evaluateScript(text: string, depth: number, via: string[]): Found | undefined {
    return this.judge(parseScriptAt(text, depth), text, depth, via);
  }

  private evaluateCommands(cmds: readonly ResolvedCommand[], depth: number, via: string[]): Found | undefined {
    for (const c of cmds) {
      const found = this.evaluateOne(c, depth, via);
      if (found) return found;
      // Text piped into a shell is a script: `cat <<EOF | sh`, `echo "rm -rf /" | bash`.
      const feed = c.stdinFeed;
      if (!feed) continue;
      if (feed.opaque)
        return {
          hit: dynamicScriptHit(feed.opaque.reason),
          segment: c.source || show(c.words),
          via: [...via, feed.opaque.via],
        };
      for (const s of feed.scripts) {
        const f = this.judgeScript(s, depth + 1, [...via, s.via ?? 'stdin']);
        if (f) return f;
      }
    }
    return undefined;
  }

  private evaluateOne(c: ResolvedCommand, depth: number, via: string[]): Found | undefined {
    this.examined++;
    const red = redirectRule(c.redirects);
    if (red) return { hit: red, segment: c.source || show(c.words), via };
    const chain = [...via, ...c.wrappers];
    const name = c.argv[0]?.text ?? '';
    for (const rule of this.rules) {
      const hit = rule(c, name, c.argv);
      if (hit) return { hit, segment: show(c.argv.length ? c.argv : c.words), via: chain };
    }
    for (const d of c.declarations) {
      const key = d.split('=')[0] ?? '';
      if (isInjectionEnv(key))
        return {
          hit: {
            ruleId: 'env.injection',
            reason: `${key} changes what code every program loads; it is not allowed in commands`,
          },
          segment: show(c.argv),
          via: chain,
        };
    }
    if (c.inlineCode) {
      const hit = inlineCodeHit(c.inlineCode.code);
      if (hit) return { hit, segment: show(c.argv), via: chain };
      // Interpreter code that shells out: judge the shell strings it contains.
      for (const m of c.inlineCode.code.matchAll(
        /\b(?:system|popen|execSync|exec|spawnSync|check_call|check_output|run|call)\s*\(\s*(['"])((?:(?!\1)[^\\]|\\.){1,2000})\1/g,
      )) {
        const f = this.evaluateScript(m[2] as string, depth + 1, [...chain, `${c.inlineCode.interpreter} code`]);
        if (f) return f;
      }
      const shellOut = shellOutHit(c.inlineCode, (script) => this.evaluateScript(script, depth + 1, [])?.hit);
      if (shellOut)
        return { hit: shellOut, segment: show(c.argv), via: [...chain, `${c.inlineCode.interpreter} code`] };
    }
    for (const s of c.scripts) {
      const f = this.judgeScript(s, depth + 1, chain);
      if (f) return f;
    }
    // `printf -v GIT_SSH_COMMAND 'rm -rf ~'`, `read LD_PRELOAD`: builtins that assign to a variable named as an operand.
    if (ASSIGNING_BUILTINS.has(name)) {
      const operands = c.argv.slice(1);
      // printf assigns only to the name after -v; the others to every name operand.
      const names =
        name === 'printf'
          ? operands.filter((_, i) => operands[i - 1]?.text === '-v')
          : operands.filter((w) => !w.text.startsWith('-'));
      const target = names.find(
        (w) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(w.text) && isDangerousEnv(w.text, STEERS_EXECUTION),
      );
      if (target)
        return {
          hit: {
            ruleId: 'env.injection',
            reason: `${name} assigns ${target.text}, which changes what programs load or run; it is not allowed in commands`,
          },
          segment: show(c.argv),
          via: chain,
        };
    }
    // `GIT_SSH_COMMAND='rm -rf ~' git fetch`: the script a program-holding variable carries.
    for (const s of c.variableScripts) {
      const f = this.judgeScript(s, depth + 1, [...chain, s.via ?? 'variable']);
      if (f) return f;
    }
    // Judged after the static part of the text, so `eval "rm -rf / $X"` still names the rm rule.
    if (c.opaque?.kind === 'script')
      return { hit: dynamicScriptHit(c.opaque.reason), segment: show(c.words), via: chain };
    for (const extra of c.extraCommands) {
      const f = this.evaluateOne(extra, depth + 1, [...chain, 'find -exec']);
      if (f) return f;
    }
    // A command word only known at run time (`$CMD -rf /`): judge the arguments as if they were rm's.
    if (c.opaque?.kind === 'program') {
      const asRm = [{ text: 'rm', dynamic: false, glob: false }, ...c.argv.slice(1)];
      const hit = rule0(c, asRm);
      if (hit && hit.ruleId !== 'fs.rm-recursive-force')
        return {
          hit: {
            ruleId: 'dynamic.destructive-args',
            reason: `a command chosen at run time with the arguments of a destructive delete (${hit.reason})`,
          },
          segment: show(c.argv),
          via: chain,
        };
    }
    return undefined;
  }
}

function rule0(c: ResolvedCommand, argv: readonly Word[]): RuleHit | undefined {
  for (const rule of RULES) {
    const h = rule(c, 'rm', argv);
    if (h) return h;
  }
  return undefined;
}

/** Judges a command line without running it. Never throws; unparseable input is denied. */
export interface EvaluateOptions {
  /** Exec effects (L11.7) judge what the command changes in the workspace (see RuleOptions). */
  readonly effectsJudged?: boolean;
}

export function evaluateCommand(line: string, options: EvaluateOptions = {}): CommandVerdict {
  const ev = new Evaluator(options.effectsJudged ? RULES_EFFECTS_JUDGED : RULES);
  if (typeof line !== 'string')
    return { decision: 'deny', ruleId: 'parse.error', reason: 'the command must be a string', commands: 0 };
  if (line.trim() === '')
    return { decision: 'deny', ruleId: 'parse.empty', reason: 'the command is empty', commands: 0 };
  const found = ev.judge(parseShell(line), line, 0, []);
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
