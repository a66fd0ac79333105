/**
 * L27: a deliberately small shell tokeniser for classifying exec commands. It understands words,
 * quotes, escapes, command separators, pipes and redirects. Anything it cannot see through
 * (command or process substitution, here-documents, oversized input) is reported as `opaque`,
 * which the classifier treats as destructive: fail closed.
 */

export interface Redirect {
  readonly op: string;
  readonly target: string;
}

export interface SimpleCommand {
  /** NAME=value words before the command name. */
  readonly assigns: readonly string[];
  readonly argv: readonly string[];
  readonly redirects: readonly Redirect[];
  /** True when this command reads the output of the previous one through a pipe. */
  readonly piped: boolean;
}

export type ShellParse =
  | { readonly ok: true; readonly commands: readonly SimpleCommand[] }
  | { readonly ok: false; readonly opaque: string };

export const MAX_COMMAND_CHARS = 65_536;

/** A NAME=value word. */
export const ASSIGN = /^[A-Za-z_][A-Za-z0-9_]*=/;

export function parseShell(input: string): ShellParse {
  if (input.length > MAX_COMMAND_CHARS) return { ok: false, opaque: 'command longer than 64 KiB' };
  if (input.includes('\0')) return { ok: false, opaque: 'command contains a NUL byte' };
  const commands: SimpleCommand[] = [];
  let words: string[] = [];
  let redirects: Redirect[] = [];
  let word = '';
  let inWord = false;
  let pendingRedirect: string | undefined;
  let piped = false;
  let nextPiped = false;

  const endWord = (): void => {
    if (!inWord) return;
    if (pendingRedirect !== undefined) {
      redirects.push({ op: pendingRedirect, target: word });
      pendingRedirect = undefined;
    } else words.push(word);
    word = '';
    inWord = false;
  };
  const endCommand = (): string | undefined => {
    endWord();
    if (pendingRedirect !== undefined) return `redirect ${pendingRedirect} without a target`;
    if (words.length > 0 || redirects.length > 0) {
      let i = 0;
      while (i < words.length && ASSIGN.test(words[i] as string)) i++;
      commands.push({ assigns: words.slice(0, i), argv: words.slice(i), redirects, piped });
    }
    words = [];
    redirects = [];
    piped = nextPiped;
    nextPiped = false;
    return undefined;
  };

  let i = 0;
  while (i < input.length) {
    const c = input[i] as string;
    const next = input[i + 1];
    if (c === '\\') {
      if (next === '\n') {
        i += 2;
        continue;
      }
      word += next ?? '';
      inWord = true;
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) return { ok: false, opaque: 'unterminated single quote' };
      word += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= input.length) return { ok: false, opaque: 'unterminated double quote' };
        const d = input[j] as string;
        if (d === '"') break;
        if (d === '`' || (d === '$' && input[j + 1] === '(')) return { ok: false, opaque: 'command substitution' };
        if (d === '\\' && j + 1 < input.length && '"\\$`\n'.includes(input[j + 1] as string)) {
          if (input[j + 1] !== '\n') word += input[j + 1];
          j += 2;
          continue;
        }
        word += d;
        j++;
      }
      inWord = true;
      i = j + 1;
      continue;
    }
    if (c === '`' || (c === '$' && next === '(')) return { ok: false, opaque: 'command substitution' };
    if ((c === '<' || c === '>') && next === '(') return { ok: false, opaque: 'process substitution' };
    if (c === '<' && next === '<') return { ok: false, opaque: 'here-document' };
    if (c === ' ' || c === '\t') {
      endWord();
      i++;
      continue;
    }
    if (c === '\n' || c === ';' || c === '(' || c === ')') {
      const e = endCommand();
      if (e) return { ok: false, opaque: e };
      i++;
      continue;
    }
    if (c === '&' || c === '|') {
      if (c === '&' && next === '>') {
        endWord();
        const op = input[i + 2] === '>' ? '&>>' : '&>';
        pendingRedirect = op;
        i += op.length;
        continue;
      }
      const double = next === c;
      if (c === '|' && !double) nextPiped = true;
      if (c === '|' && next === '&') {
        nextPiped = true;
        i++;
      }
      const e = endCommand();
      if (e) return { ok: false, opaque: e };
      i += double ? 2 : 1;
      continue;
    }
    if (c === '>' || c === '<') {
      // A word made only of digits right before the operator is a file descriptor, not an argument.
      const fd = inWord && /^\d+$/.test(word) ? word : '';
      if (fd) {
        word = '';
        inWord = false;
      } else endWord();
      let op = c;
      let j = i + 1;
      if (input[j] === '>' && c === '>') {
        op += '>';
        j++;
      }
      if (input[j] === '&') {
        // >&2 or 2>&1: duplicating a descriptor writes no file.
        let k = j + 1;
        while (k < input.length && /[0-9-]/.test(input[k] as string)) k++;
        if (k > j + 1) {
          i = k;
          continue;
        }
      }
      if (input[j] === '|') j++;
      pendingRedirect = fd + op;
      i = j;
      continue;
    }
    word += c;
    inWord = true;
    i++;
  }
  const e = endCommand();
  if (e) return { ok: false, opaque: e };
  return { ok: true, commands };
}
