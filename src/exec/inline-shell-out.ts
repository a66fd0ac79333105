/**
 * Interpreter one-liners that shell out (`perl -e 'system q{…}'`, `python -c "subprocess.run([…])"`,
 * `ruby -e '%x(…)'`, `node -e "require('child_process').execSync(…)"`): when the code calls the
 * shell, every string literal in it (and every list of string literals, joined as argv) is judged
 * as a shell command line. Perl and Ruby quote-like operators (`q{}`, `qq()`, `qx[]`, `%x{}`) count
 * as literals, so the quoting style cannot hide the command; a list of literals (`["rm", "-rf", "/"]`,
 * `spawn('rm', ['-rf', '/'])`) is joined as an argv.
 */
import type { RuleHit } from './command-rules.js';

export const SHELL_OUT_RULE = 'code.shell-destructive';

const SHELL_OUT =
  /\b(system|exec[A-Za-z]*|spawn[A-Za-z]*|popen[0-9]*|subprocess|child_process|check_output|check_call|Open3|pty\s*\.\s*spawn|qx)\b|%x[^A-Za-z0-9\s]|`/;

const PAIRS: Record<string, string> = { '{': '}', '(': ')', '[': ']', '<': '>' };
/** More distinct strings than this in one one-liner that shells out: refused rather than judged one by one. */
const MAX_LITERALS = 2000;

type Token = { readonly kind: 'str'; readonly text: string } | { readonly kind: 'open' | 'close' | 'comma' | 'other' };

/** Index just past the literal that `open` starts at `from` (`from` is the first character inside), or -1. */
function closeOf(code: string, from: number, open: string): number {
  const close = PAIRS[open] ?? open;
  let depth = 1;
  for (let i = from; i < code.length; i++) {
    const ch = code[i];
    if (ch === '\\') i++;
    else if (ch === close && (close === open || --depth === 0)) return i + 1;
    else if (ch === open && close !== open) depth++;
  }
  return -1;
}

/** A Perl (`q{}`, `qq()`, `qx[]`, `qw<>`) or Ruby (`%q()`, `%x{}`, `%w[]`, `%()`) quote-like start at i: [delimiter index] or -1. */
function quoteLikeAt(code: string, i: number): number {
  const prev = i > 0 ? (code[i - 1] ?? '') : '';
  if (/[\w$@%]/.test(prev)) return -1;
  const m = /^(?:(?:qq|qx|qw|q)\s*([^\w\s=,;)])|%[qQxwWi]?([^\w\s=]))/.exec(code.slice(i, i + 8));
  if (!m) return -1;
  if (code[i] === '%' && !m[0].match(/^%[qQxwWi]/) && !PAIRS[m[2] ?? '']) return -1;
  return i + m[0].length - 1;
}

/**
 * One left-to-right pass over the code: string literals (quotes, backticks and quote-like
 * operators) and the brackets and commas around them. Linear: a delimiter that once failed to
 * close is not tried again.
 */
function tokenise(code: string): Token[] {
  const out: Token[] = [];
  const unclosable = new Set<string>();
  for (let i = 0; i < code.length;) {
    const ch = code[i] as string;
    const q = ch === "'" || ch === '"' || ch === '`' ? i : quoteLikeAt(code, i);
    if (q >= 0) {
      const delim = code[q] as string;
      const key = `${q === i ? 'plain' : 'op'}${delim}`;
      const end = unclosable.has(key) ? -1 : closeOf(code, q + 1, delim);
      if (end > 0) {
        out.push({ kind: 'str', text: code.slice(q + 1, end - 1).replace(/\\(.)/g, '$1') });
        i = end;
        continue;
      }
      unclosable.add(key);
    }
    if (ch === '[' || ch === '(') out.push({ kind: 'open' });
    else if (ch === ']' || ch === ')') out.push({ kind: 'close' });
    else if (ch === ',') out.push({ kind: 'comma' });
    else if (!/\s/.test(ch)) out.push({ kind: 'other' });
    i++;
  }
  return out;
}

function shellQuote(t: string): string {
  return /^[\w./=:@%+-]+$/.test(t) ? t : `'${t.replace(/'/g, `'\\''`)}'`;
}

/** String literals of a one-liner, in order, and each list of literals joined as an argv (`["rm", "-rf", "/"]`). */
export function stringLiterals(code: string): string[] {
  const tokens = tokenise(code);
  const out: string[] = [];
  for (const t of tokens) if (t.kind === 'str') out.push(t.text);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i]?.kind !== 'open') continue;
    const items: string[] = [];
    let j = i + 1;
    while (j < tokens.length) {
      const t = tokens[j] as Token;
      if (t.kind !== 'str') break;
      items.push(t.text);
      j++;
      if (tokens[j]?.kind === 'comma') j++;
      else break;
    }
    if (items.length === 0 || tokens[j]?.kind !== 'close') continue;
    // spawn('rm', ['-rf', '/']): the program name comes just before its argument list.
    const before = tokens[i - 2];
    const program = tokens[i - 1]?.kind === 'comma' && before?.kind === 'str' ? [before.text] : [];
    if (items.length + program.length > 1) out.push([...program, ...items].map(shellQuote).join(' '));
  }
  // Empty and repeated strings say nothing new (and must not crowd out the one that matters).
  return [...new Set(out.filter((t) => t.trim() !== ''))];
}

/** The first destructive shell command the code would run, judged by `judge` (the command policy). */
export function shellOutHit(
  inline: { readonly interpreter: string; readonly code: string },
  judge: (script: string) => RuleHit | undefined,
): RuleHit | undefined {
  if (!SHELL_OUT.test(inline.code)) return undefined;
  const literals = stringLiterals(inline.code);
  if (literals.length > MAX_LITERALS)
    return {
      ruleId: SHELL_OUT_RULE,
      reason: `inline ${inline.interpreter} code calls the shell and holds ${literals.length} strings, too many to judge one by one`,
    };
  for (const lit of literals) {
    const hit = judge(lit);
    // A literal that is not shell syntax at all says nothing about what the code runs.
    if (hit && !hit.ruleId.startsWith('parse.')) {
      return {
        ruleId: SHELL_OUT_RULE,
        reason: `inline ${inline.interpreter} code calls the shell with a destructive command (${hit.ruleId}: ${hit.reason})`,
      };
    }
  }
  return undefined;
}
