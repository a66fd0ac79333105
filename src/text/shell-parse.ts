/**
 * The tokeniser under the shell model (text/shell-model.ts, the one reader of command lines for the command
 * policy and L27). It runs nothing: it turns a command line into the flat list of simple commands the shell
 * would run, including the ones hidden in subshells, `$(…)`, backticks and process substitutions.
 * Quotes are removed the way the shell removes them (including `$'…'` ANSI-C strings), so the
 * policy sees `rm` where the text says `\r"m"`. Words that depend on runtime values are flagged
 * `dynamic` so the policy can reason about what it cannot know.
 */
import { err, ok, type Result, bulwarkError, type BulwarkError } from '../core/index.js';

/** A word the shell reads as a variable assignment (`NAME=value`). */
export const ASSIGNMENT_WORD = /^[A-Za-z_][A-Za-z0-9_]*=/;
/** An operand `env` reads as NAME=value: any name, even one the shell would not accept (`BASH_FUNC_f%%=…`). */
export const ENV_OPERAND = /^[^=-][^=]*=/;
export interface Word {
  /** The word after quote removal; runtime expansions stay as written (`$HOME`, `${TMPDIR}`). */
  readonly text: string;
  /** Contains an unquoted or double-quoted expansion or substitution whose value is only known at run time. */
  readonly dynamic: boolean;
  /** Contains an unquoted glob character. */
  readonly glob: boolean;
}

/**
 * What a redirect does: `write` opens a file for writing (`>`, `>>`, `>|`, `&>`, `<>`, `>&file`), `read` for
 * reading, `dup` duplicates or closes a descriptor (`2>&1`, `>&-`), `heredoc`/`herestring` feed text (`<<`, `<<<`).
 */
export type RedirectKind = 'read' | 'write' | 'dup' | 'heredoc' | 'herestring';

export interface Redirect {
  readonly op: string;
  readonly kind: RedirectKind;
  readonly target: Word;
}

function redirectKind(op: string, target: Word): RedirectKind {
  if (op === '<<' || op === '<<-') return 'heredoc';
  if (op === '<<<') return 'herestring';
  if ((op === '>&' || op === '<&') && /^(\d+|-)$/.test(target.text)) return 'dup';
  return op.includes('>') ? 'write' : 'read';
}

export interface SimpleCommand {
  readonly words: readonly Word[];
  readonly redirects: readonly Redirect[];
  /** Source text of this command (for reports). */
  readonly source: string;
  /** Name of the shell function whose body holds this command, if any. */
  readonly inFunction?: string;
  /** Part of a pipeline with more than one command. */
  readonly piped: boolean;
  /** Ended by `&`. */
  readonly background: boolean;
  /** Nesting depth: 0 for the top level, +1 per substitution or `sh -c` level. */
  readonly depth: number;
  /** Commands of the same pipeline share this number (unique within one parse). */
  readonly pipeline: number;
  /** Heredoc bodies attached to this command, in order. */
  readonly heredocs: readonly string[];
}

export const MAX_COMMAND_CHARS = 64 * 1024;
export const MAX_NESTING = 8;

type Token =
  | { kind: 'word'; word: Word; start: number; end: number }
  | { kind: 'op'; op: string; start: number; end: number }
  | { kind: 'redir'; op: string; start: number; end: number };

class ParseFailure extends Error {}

const OPERATORS = ['&&', '||', ';;', '|&', ';', '&', '|', '(', ')', '\n'];
const REDIRECTS = ['&>>', '<<<', '<<-', '&>', '>>', '<<', '>&', '<&', '>|', '<>', '>', '<'];
/** First characters of every operator and redirect: anything else starts a word. */
const OPERATOR_START = new Set(['&', '|', ';', '(', ')', '\n', '<', '>']);
/** Characters that end a word: the blanks the lexer skips, and operator starts. */
const WORD_END = new Set([' ', '\t', '\r', ...OPERATOR_START]);

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function decodeAnsiC(body: string): string {
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const n = body[++i] as string;
    const simple: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      a: '\x07',
      b: '\b',
      e: '\x1b',
      E: '\x1b',
      f: '\f',
      v: '\v',
      '\\': '\\',
      "'": "'",
      '"': '"',
      '?': '?',
    };
    if (simple[n] !== undefined) {
      out += simple[n];
    } else if (n === 'x') {
      const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 1));
      if (m) {
        out += String.fromCharCode(parseInt(m[0], 16));
        i += m[0].length;
      } else out += '\\x';
    } else if (n === 'u' || n === 'U') {
      const m = (n === 'u' ? /^[0-9a-fA-F]{1,4}/ : /^[0-9a-fA-F]{1,8}/).exec(body.slice(i + 1));
      if (m) {
        const cp = parseInt(m[0], 16);
        out += cp <= 0x10ffff ? String.fromCodePoint(cp) : '';
        i += m[0].length;
      } else out += '\\' + n;
    } else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,3}/.exec(body.slice(i)) as RegExpExecArray;
      out += String.fromCharCode(parseInt(m[0], 8) & 0xff);
      i += m[0].length - 1;
    } else if (n === 'c') {
      const ch = body[i + 1];
      if (ch !== undefined) {
        out += String.fromCharCode(ch.charCodeAt(0) & 0x1f);
        i += 1;
      }
    } else {
      out += '\\' + n;
    }
  }
  return out;
}

/**
 * Quotes inside substitutions inside quotes are matched by mutual recursion; past this depth the
 * line is refused (a parse level deeper than MAX_NESTING would be refused anyway) instead of
 * overflowing the stack on `"$("$("$(…`.
 */
const MAX_LEXICAL_NESTING = 4 * MAX_NESTING;

function deeper(depth: number): number {
  if (depth >= MAX_LEXICAL_NESTING)
    throw new ParseFailure(`quotes and substitutions are nested more than ${MAX_LEXICAL_NESTING} levels deep`);
  return depth + 1;
}

/** Index just past the `)` matching the `(` that precedes `from`, skipping quotes and nested parens. */
function matchParen(src: string, from: number, nesting = 0): number {
  let depth = 1;
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      if (end < 0) throw new ParseFailure('unterminated single quote');
      i = end + 1;
      continue;
    }
    if (c === '"') {
      i = matchDoubleQuote(src, i + 1, deeper(nesting));
      continue;
    }
    if (c === '`') {
      i = matchBacktick(src, i + 1);
      continue;
    }
    if (c === '#' && (i === 0 || /[\s;&|()]/.test(src[i - 1] as string))) {
      const nl = src.indexOf('\n', i);
      i = nl < 0 ? src.length : nl;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw new ParseFailure('unterminated ( or $(');
}

/**
 * For `$((` at `at`: the index just past the closing `))` when it is arithmetic expansion, or
 * undefined when it is a command substitution that starts with a subshell (`$((cd x; ls) | wc)`):
 * as in bash, it is arithmetic only when the inner `(` is closed right before the outer `)`.
 */
function arithmeticEnd(src: string, at: number): number | undefined {
  const inner = matchParen(src, at + 3);
  return src[inner] === ')' ? inner + 1 : undefined;
}

function matchDoubleQuote(src: string, from: number, nesting = 0): number {
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === '"') return i + 1;
    if (c === '`') {
      i = matchBacktick(src, i + 1);
      continue;
    }
    if (c === '$' && src[i + 1] === '(') {
      i = matchParen(src, i + 2, deeper(nesting));
      continue;
    }
    i++;
  }
  throw new ParseFailure('unterminated double quote');
}

function matchBacktick(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    if (src[i] === '\\') {
      i += 2;
      continue;
    }
    if (src[i] === '`') return i + 1;
    i++;
  }
  throw new ParseFailure('unterminated backtick');
}

function matchBrace(src: string, from: number): number {
  let depth = 1;
  let i = from;
  while (i < src.length) {
    const c = src[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (c === "'") {
      const end = src.indexOf("'", i + 1);
      i = end < 0 ? src.length : end + 1;
      continue;
    }
    if (c === '{') depth++;
    if (c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  throw new ParseFailure('unterminated ${');
}

interface PendingHeredoc {
  delimiter: string;
  stripTabs: boolean;
  expand: boolean;
  tokenIndex: number;
}

class Lexer {
  readonly tokens: Token[] = [];
  /** Scripts found in substitutions, to be parsed one level deeper. */
  readonly nested: string[] = [];
  /** Heredoc bodies keyed by the index of the redirect token that introduced them. */
  readonly heredocBodies = new Map<number, { body: string; expand: boolean }>();
  private pending: PendingHeredoc[] = [];
  private i = 0;

  constructor(private readonly src: string) {}

  run(): void {
    const s = this.src;
    while (this.i < s.length) {
      const c = s[this.i] as string;
      if (c === ' ' || c === '\t' || c === '\r') {
        this.i++;
        continue;
      }
      if (c === '\\' && s[this.i + 1] === '\n') {
        this.i += 2;
        continue;
      }
      if (c === '#') {
        const nl = s.indexOf('\n', this.i);
        this.i = nl < 0 ? s.length : nl;
        continue;
      }
      if (c === '\n') {
        this.tokens.push({ kind: 'op', op: '\n', start: this.i, end: this.i + 1 });
        this.i++;
        if (this.pending.length) this.readHeredocs();
        continue;
      }
      // Process substitution <(…) / >(…) runs a nested script.
      if ((c === '<' || c === '>') && s[this.i + 1] === '(') {
        const end = matchParen(s, this.i + 2);
        this.nested.push(s.slice(this.i + 2, end - 1));
        this.tokens.push({
          kind: 'word',
          word: { text: '/dev/fd/63', dynamic: true, glob: false },
          start: this.i,
          end,
        });
        this.i = end;
        continue;
      }
      // Up to 4 digits of a descriptor, then a redirect operator; only operator characters start one.
      let afterFd = this.i;
      while (afterFd - this.i < 4 && isDigit(s.charCodeAt(afterFd))) afterFd++;
      const redir = OPERATOR_START.has(s[afterFd] as string)
        ? REDIRECTS.find((r) => s.startsWith(r, afterFd))
        : undefined;
      if (redir && (afterFd === this.i || redir[0] !== '&')) {
        const start = this.i;
        this.i = afterFd + redir.length;
        this.tokens.push({ kind: 'redir', op: redir, start, end: this.i });
        if (redir === '<<' || redir === '<<-') this.queueHeredoc(redir === '<<-');
        continue;
      }
      const op = OPERATOR_START.has(c) ? OPERATORS.find((o) => s.startsWith(o, this.i)) : undefined;
      if (op) {
        this.tokens.push({ kind: 'op', op, start: this.i, end: this.i + op.length });
        this.i += op.length;
        continue;
      }
      this.readWord();
    }
    if (this.pending.length)
      throw new ParseFailure(`heredoc delimited by "${this.pending[0]?.delimiter}" is never closed`);
  }

  private queueHeredoc(stripTabs: boolean): void {
    while (this.src[this.i] === ' ' || this.src[this.i] === '\t') this.i++;
    const start = this.i;
    const word = this.readWordText();
    const raw = this.src.slice(start, this.i);
    if (!word.text) throw new ParseFailure('heredoc without a delimiter');
    this.tokens.push({ kind: 'word', word, start, end: this.i });
    this.pending.push({
      delimiter: word.text,
      stripTabs,
      expand: !/['"\\]/.test(raw),
      tokenIndex: this.tokens.length - 2,
    });
  }

  private readHeredocs(): void {
    for (const h of this.pending) {
      const lines: string[] = [];
      for (;;) {
        if (this.i >= this.src.length) throw new ParseFailure(`heredoc delimited by "${h.delimiter}" is never closed`);
        const nl = this.src.indexOf('\n', this.i);
        const end = nl < 0 ? this.src.length : nl;
        let line = this.src.slice(this.i, end);
        this.i = nl < 0 ? this.src.length : nl + 1;
        if (h.stripTabs) line = line.replace(/^\t+/, '');
        if (line === h.delimiter) break;
        lines.push(line);
      }
      this.heredocBodies.set(h.tokenIndex, { body: lines.join('\n'), expand: h.expand });
      if (h.expand) this.nested.push(...substitutionsIn(lines.join('\n')));
    }
    this.pending = [];
  }

  private readWord(): void {
    const start = this.i;
    const word = this.readWordText();
    // Every character run() hands over starts a word; one that does not would loop here forever.
    if (this.i === start) throw new ParseFailure(`unexpected character at offset ${start}`);
    this.tokens.push({ kind: 'word', word, start, end: this.i });
  }

  /** Reads one word starting at this.i, removing quotes; pushes substitutions to `nested`. */
  private readWordText(): Word {
    const s = this.src;
    let text = '';
    let dynamic = false;
    let glob = false;
    // Where the text ends in a parameter name an expansion read (`$x`, unquoted or before a closing `"`): the shell
    // ends the name there, so what quote removal joins to it next is not part of it (`"$x"env` reads `${x}env`).
    let nameEnd = -1;
    const join = (piece: string): void => {
      if (nameEnd === text.length && NAME_CHAR.test(piece[0] ?? '')) text = bracedName(text);
      text += piece;
      nameEnd = -1;
    };
    while (this.i < s.length) {
      const c = s[this.i] as string;
      // Only blanks and operators end a word: bash reads \v, \f and other Unicode spaces as part of it.
      if (WORD_END.has(c)) break;
      if (c === '\\') {
        if (s[this.i + 1] === '\n') {
          this.i += 2;
          continue;
        }
        join(s[this.i + 1] ?? '');
        this.i += 2;
        continue;
      }
      if (c === "'") {
        const end = s.indexOf("'", this.i + 1);
        if (end < 0) throw new ParseFailure('unterminated single quote');
        join(s.slice(this.i + 1, end));
        this.i = end + 1;
        continue;
      }
      if (c === '$' && s[this.i + 1] === "'") {
        let j = this.i + 2;
        while (j < s.length && s[j] !== "'") j += s[j] === '\\' ? 2 : 1;
        if (j >= s.length) throw new ParseFailure("unterminated $'");
        join(decodeAnsiC(s.slice(this.i + 2, j)));
        this.i = j + 1;
        continue;
      }
      if (c === '"') {
        const end = matchDoubleQuote(s, this.i + 1);
        const inner = s.slice(this.i + 1, end - 1);
        const subs = substitutionsIn(inner);
        this.nested.push(...subs);
        if (subs.length || /\$[A-Za-z_{@*#?$!0-9]/.test(inner)) dynamic = true;
        join(inner.replace(/\\([$`"\\\n])/g, (_m, ch: string) => (ch === '\n' ? '' : ch)));
        if (endsInName(inner)) nameEnd = text.length;
        this.i = end;
        continue;
      }
      if (c === '`') {
        const end = matchBacktick(s, this.i + 1);
        this.nested.push(s.slice(this.i + 1, end - 1).replace(/\\([$`\\])/g, '$1'));
        join(s.slice(this.i, end));
        dynamic = true;
        this.i = end;
        continue;
      }
      if (c === '$') {
        const n = s[this.i + 1];
        const arith = n === '(' && s[this.i + 2] === '(' ? arithmeticEnd(s, this.i) : undefined;
        if (arith !== undefined) {
          // Arithmetic runs no command of its own, but bash expands `$(…)` inside it (`$(( a[$(id)] ))`).
          this.nested.push(...substitutionsIn(s.slice(this.i + 3, arith - 2)));
          join(s.slice(this.i, arith));
          dynamic = true;
          this.i = arith;
          continue;
        }
        if (n === '(') {
          const end = matchParen(s, this.i + 2);
          this.nested.push(s.slice(this.i + 2, end - 1));
          join(s.slice(this.i, end));
          dynamic = true;
          this.i = end;
          continue;
        }
        if (n === '{') {
          const end = matchBrace(s, this.i + 2);
          const inner = s.slice(this.i + 2, end - 1);
          this.nested.push(...substitutionsIn(inner));
          join(s.slice(this.i, end));
          dynamic = true;
          this.i = end;
          continue;
        }
        if (n !== undefined && /[A-Za-z_@*#?$!0-9-]/.test(n)) {
          const m = /^[A-Za-z_][A-Za-z0-9_]*|^[@*#?$!0-9-]/.exec(s.slice(this.i + 1)) as RegExpExecArray;
          join('$' + m[0]);
          if (/^[A-Za-z_]/.test(m[0])) nameEnd = text.length;
          dynamic = true;
          this.i += 1 + m[0].length;
          continue;
        }
      }
      if (c === '*' || c === '?' || c === '[') glob = true;
      join(c);
      this.i++;
    }
    return { text, dynamic, glob };
  }
}

const NAME_CHAR = /[A-Za-z0-9_]/;

/** Where the parameter name `text` ends in starts (after its `$`), or -1 when it ends in none. */
function trailingName(text: string): number {
  let i = text.length;
  while (i > 0 && NAME_CHAR.test(text[i - 1] as string)) i--;
  return i < text.length && i > 0 && text[i - 1] === '$' && !/[0-9]/.test(text[i] as string) ? i : -1;
}

/** Whether double-quoted text ends in a parameter name an expansion reads (`$x`, not `\$x`). */
function endsInName(inner: string): boolean {
  const at = trailingName(inner);
  if (at < 0) return false;
  let slashes = 0;
  for (let i = at - 2; i >= 0 && inner[i] === '\\'; i--) slashes++;
  return slashes % 2 === 0;
}

/** `text` (ending in `$name`) with that name written `${name}`, so text joined to it cannot extend the name. */
function bracedName(text: string): string {
  const at = trailingName(text);
  return at < 0 ? text : `${text.slice(0, at)}{${text.slice(at)}}`;
}

/** `$(…)` and backtick scripts inside double-quoted text or an expanding heredoc body. */
function substitutionsIn(text: string, nesting = 0): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    const arith = c === '$' && text[i + 1] === '(' && text[i + 2] === '(' ? arithmeticEnd(text, i) : undefined;
    if (arith !== undefined) {
      // Its body once, one level down: rescanning it from every inner `$((` would be quadratic.
      out.push(...substitutionsIn(text.slice(i + 3, arith - 2), deeper(nesting)));
      i = arith;
      continue;
    }
    if (c === '$' && text[i + 1] === '(') {
      const end = matchParen(text, i + 2);
      out.push(text.slice(i + 2, end - 1));
      i = end;
      continue;
    }
    if (c === '`') {
      const end = matchBacktick(text, i + 1);
      out.push(text.slice(i + 1, end - 1));
      i = end;
      continue;
    }
    i++;
  }
  return out;
}

const SHELL_KEYWORDS = new Set([
  'if',
  'then',
  'elif',
  'else',
  'fi',
  'while',
  'until',
  'do',
  'done',
  'for',
  'select',
  'case',
  'esac',
  'in',
  '{',
  '}',
  '!',
  '[[',
  ']]',
  'function',
  'coproc',
]);

interface Draft {
  words: Word[];
  /** Undefined until the command has one (most have none: no array for them). */
  redirects: Redirect[] | undefined;
  heredocs: string[] | undefined;
  start: number;
  end: number;
}

function emptyDraft(at: number): Draft {
  return { words: [], redirects: undefined, heredocs: undefined, start: at, end: at };
}

const NO_REDIRECTS: readonly Redirect[] = Object.freeze([]);
const NO_HEREDOCS: readonly string[] = Object.freeze([]);

/** Groups tokens into simple commands, tracking pipelines, `&` and function bodies. */
let pipelineCounter = 0;

function assemble(src: string, lex: Lexer, depth: number): SimpleCommand[] {
  const out: SimpleCommand[] = [];
  const tokens = lex.tokens;
  let draft = emptyDraft(0);
  let pipeline: Draft[] = [];
  // Stack of open function bodies: name and the brace/paren depth at which the body closes.
  const functions: Array<{ name: string; depth: number }> = [];
  let braceDepth = 0;
  let pendingFunction: string | undefined;

  const currentFunction = () => functions[functions.length - 1]?.name;
  const flushDraft = () => {
    // Leading keywords ({, if, then, do, !, …) are syntax, not commands.
    while (draft.words.length && SHELL_KEYWORDS.has(draft.words[0]?.text ?? '') && !draft.words[0]?.dynamic) {
      const kw = draft.words[0]?.text;
      if (kw === '{') {
        braceDepth++;
        if (pendingFunction) {
          functions.push({ name: pendingFunction, depth: braceDepth });
          pendingFunction = undefined;
        }
      }
      if (kw === '}') {
        if (functions.length && functions[functions.length - 1]?.depth === braceDepth) functions.pop();
        braceDepth = Math.max(0, braceDepth - 1);
      }
      if (kw === 'function') {
        draft.words.shift();
        const name = draft.words.shift();
        if (name) pendingFunction = name.text;
        continue;
      }
      if (kw === 'for' || kw === 'select' || kw === 'case') {
        // `for x in a b c` — the loop header names no command.
        draft.words = [];
        break;
      }
      draft.words.shift();
    }
    if (draft.words.length || draft.redirects) pipeline.push(draft);
  };
  const flushPipeline = (background: boolean) => {
    const inFunction = currentFunction();
    const id = ++pipelineCounter;
    for (const d of pipeline) {
      out.push({
        words: d.words,
        redirects: d.redirects ?? NO_REDIRECTS,
        heredocs: d.heredocs ?? NO_HEREDOCS,
        source: src.slice(d.start, d.end).trim(),
        inFunction,
        piped: pipeline.length > 1,
        pipeline: id,
        background,
        depth,
      });
    }
    pipeline = [];
  };

  for (let t = 0; t < tokens.length; t++) {
    const tok = tokens[t] as Token;
    if (tok.kind === 'word') {
      if (draft.words.length === 0 && !draft.redirects) draft.start = tok.start;
      // `}` closes a group even when it follows a command on the same line without `;` only in zsh; in sh it must be a separate command.
      if (draft.words.length === 0 && tok.word.text === '}' && !tok.word.dynamic) {
        draft.words.push(tok.word);
        draft.end = tok.end;
        flushDraft();
        draft = emptyDraft(tok.end);
        continue;
      }
      draft.words.push(tok.word);
      draft.end = tok.end;
      continue;
    }
    if (tok.kind === 'redir') {
      const target = tokens[t + 1];
      if (!target || target.kind !== 'word') throw new ParseFailure(`redirect ${tok.op} has no target`);
      if (draft.words.length === 0 && !draft.redirects) draft.start = tok.start;
      (draft.redirects ??= []).push({ op: tok.op, kind: redirectKind(tok.op, target.word), target: target.word });
      const hd = lex.heredocBodies.get(t);
      if (hd) (draft.heredocs ??= []).push(hd.body);
      draft.end = target.end;
      t++;
      continue;
    }
    // Operators.
    if (tok.op === '(') {
      // `name ( )` is a function definition header.
      const next = tokens[t + 1];
      if (draft.words.length === 1 && next?.kind === 'op' && next.op === ')') {
        pendingFunction = draft.words[0]?.text;
        draft = emptyDraft(next.end);
        t++;
        continue;
      }
      flushDraft();
      flushPipeline(false);
      draft = emptyDraft(tok.end);
      if (pendingFunction) {
        braceDepth++;
        functions.push({ name: pendingFunction, depth: braceDepth });
        pendingFunction = undefined;
      } else braceDepth++;
      continue;
    }
    if (tok.op === ')') {
      flushDraft();
      flushPipeline(false);
      draft = emptyDraft(tok.end);
      if (functions.length && functions[functions.length - 1]?.depth === braceDepth) functions.pop();
      braceDepth = Math.max(0, braceDepth - 1);
      continue;
    }
    if (tok.op === '|' || tok.op === '|&') {
      flushDraft();
      draft = emptyDraft(tok.end);
      continue;
    }
    flushDraft();
    flushPipeline(tok.op === '&');
    draft = emptyDraft(tok.end);
  }
  flushDraft();
  flushPipeline(false);
  return out;
}

function parseLevel(src: string, depth: number, out: SimpleCommand[]): void {
  if (depth > MAX_NESTING) throw new ParseFailure(`commands are nested more than ${MAX_NESTING} levels deep`);
  const lex = new Lexer(src);
  lex.run();
  out.push(...assemble(src, lex, depth));
  for (const inner of lex.nested) parseLevel(inner, depth + 1, out);
}

/**
 * Splits a command line into every simple command it would run. Fails on input the shell itself would reject,
 * on nesting deeper than MAX_NESTING and on oversized input. Only the shell model calls this: everything else
 * reads the model (`parseShell` in text/shell-model.ts).
 */
export function parseSimpleCommands(src: string, depth = 0): Result<SimpleCommand[], BulwarkError> {
  if (typeof src !== 'string') return err(bulwarkError('command.invalid', 'the command must be a string'));
  if (src.length > MAX_COMMAND_CHARS) {
    return err(
      bulwarkError(
        'command.too_long',
        `the command is longer than ${MAX_COMMAND_CHARS} characters; write a script file in the workspace and run it`,
      ),
    );
  }
  if (src.includes('\0')) return err(bulwarkError('command.nul', 'the command contains a NUL byte'));
  const out: SimpleCommand[] = [];
  try {
    parseLevel(src, depth, out);
  } catch (cause) {
    if (cause instanceof ParseFailure)
      return err(bulwarkError('command.parse', `cannot parse the command: ${cause.message}`));
    throw cause;
  }
  return ok(out);
}
