/**
 * L27's view of a shell command, read with the same parser as the exec command policy
 * (text/shell-parse). The classifier wants plain words, so anything whose effect depends on text it
 * would have to run to know (command, process or arithmetic substitution, here-documents and
 * here-strings) is reported as `opaque`, which it treats as destructive: fail closed. So is input
 * the parser refuses (unterminated quotes, oversized or too deeply nested lines).
 */
import {
  parseShell as parseFull,
  ASSIGNMENT_WORD,
  MAX_COMMAND_CHARS,
  type SimpleCommand as FullCommand,
  type Word,
} from '../text/shell-parse.js';

export { MAX_COMMAND_CHARS };

export interface Redirect {
  readonly op: string;
  readonly target: string;
}

export interface SimpleCommand {
  /** NAME=value words before the command name. */
  readonly assigns: readonly string[];
  readonly argv: readonly string[];
  /** File redirects; descriptor duplications (`2>&1`, `>&-`) write no file and are left out. */
  readonly redirects: readonly Redirect[];
  /** True when this command reads the output of the previous one through a pipe. */
  readonly piped: boolean;
}

export type ShellParse =
  { readonly ok: true; readonly commands: readonly SimpleCommand[] } | { readonly ok: false; readonly opaque: string };

const HEREDOC_OPS = new Set(['<<', '<<-', '<<<']);
const DUP_OPS = new Set(['>&', '<&']);

/** A word whose value comes from running something: `$(…)`, backticks or `$((…))`. */
function substituted(w: Word): boolean {
  return w.dynamic && (w.text.includes('$(') || w.text.includes('`'));
}

export function parseShell(input: string): ShellParse {
  const parsed = parseFull(input);
  if (!parsed.ok) return { ok: false, opaque: parsed.error.message };
  const commands: SimpleCommand[] = [];
  let previous: FullCommand | undefined;
  for (const c of parsed.value) {
    if (c.depth > 0) return { ok: false, opaque: 'command or process substitution' };
    if (c.words.some(substituted)) return { ok: false, opaque: 'command substitution' };
    if (c.words.some((w) => w.text === '/dev/fd/63' && w.dynamic)) return { ok: false, opaque: 'process substitution' };
    const redirects: Redirect[] = [];
    for (const r of c.redirects) {
      if (HEREDOC_OPS.has(r.op)) return { ok: false, opaque: r.op === '<<<' ? 'here-string' : 'here-document' };
      if (substituted(r.target)) return { ok: false, opaque: 'command substitution' };
      if (DUP_OPS.has(r.op) && /^(\d+|-)$/.test(r.target.text)) continue;
      redirects.push({ op: r.op, target: r.target.text });
    }
    const words = c.words.map((w) => w.text);
    let i = 0;
    while (i < words.length && ASSIGNMENT_WORD.test(words[i] as string)) i++;
    const piped = previous !== undefined && previous.pipeline === c.pipeline;
    commands.push({ assigns: words.slice(0, i), argv: words.slice(i), redirects, piped });
    previous = c;
  }
  return { ok: true, commands };
}
