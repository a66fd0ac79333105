/**
 * String literals of a source file (Python, JavaScript, PowerShell, …) with their offsets, and the code with
 * literals and comments blanked out, so call patterns are matched on code only and paths, URLs and command lines
 * are read from the literals.
 */

export interface Literal {
  readonly text: string;
  readonly offset: number;
}

export interface CodeView {
  /** The source with every literal's content and every comment replaced by spaces (same length, same lines). */
  readonly code: string;
  readonly literals: readonly Literal[];
}

export interface LiteralSyntax {
  /** Quote characters that open a literal. */
  readonly quotes: string;
  /** Triple-quoted strings (Python). */
  readonly triple: boolean;
  /** Line comment starts. */
  readonly lineComments: readonly string[];
  /** Block comments (open, close). */
  readonly blockComments: ReadonlyArray<readonly [string, string]>;
  /** The escape character inside literals. */
  readonly escape: string;
}

export const PYTHON: LiteralSyntax = {
  quotes: `'"`,
  triple: true,
  lineComments: ['#'],
  blockComments: [],
  escape: '\\',
};
export const JAVASCRIPT: LiteralSyntax = {
  quotes: `'"\``,
  triple: false,
  lineComments: ['//'],
  blockComments: [['/*', '*/']],
  escape: '\\',
};
export const POWERSHELL: LiteralSyntax = {
  quotes: `'"`,
  triple: false,
  lineComments: ['#'],
  blockComments: [['<#', '#>']],
  escape: '`',
};

const MAX_LITERALS = 20_000;

function blank(s: string): string {
  return s.replace(/[^\n]/g, ' ');
}

/** One linear pass; an unterminated literal runs to the end of its line (or of the text for triple quotes). */
export function codeView(src: string, syntax: LiteralSyntax): CodeView {
  const literals: Literal[] = [];
  let code = '';
  let i = 0;
  while (i < src.length) {
    const ch = src[i] ?? '';
    const block = syntax.blockComments.find(([open]) => src.startsWith(open, i));
    if (block) {
      const end = src.indexOf(block[1], i + block[0].length);
      const stop = end < 0 ? src.length : end + block[1].length;
      code += blank(src.slice(i, stop));
      i = stop;
      continue;
    }
    if (syntax.lineComments.some((c) => src.startsWith(c, i)) && !(ch === '#' && src[i - 1] === '$')) {
      const end = src.indexOf('\n', i);
      const stop = end < 0 ? src.length : end;
      code += blank(src.slice(i, stop));
      i = stop;
      continue;
    }
    if (syntax.quotes.includes(ch)) {
      const triple = syntax.triple && src.startsWith(ch.repeat(3), i);
      const open = triple ? ch.repeat(3) : ch;
      let j = i + open.length;
      let text = '';
      while (j < src.length) {
        if (src[j] === syntax.escape && j + 1 < src.length) {
          text += unescapeChar(src, j);
          j += 2;
          continue;
        }
        if (src.startsWith(open, j)) break;
        if (!triple && ch !== '`' && src[j] === '\n') break;
        text += src[j];
        j++;
      }
      const closed = src.startsWith(open, j);
      const stop = closed ? j + open.length : j;
      if (literals.length < MAX_LITERALS) literals.push({ text, offset: i });
      code += open + blank(src.slice(i + open.length, j)) + (closed ? open : '');
      i = stop;
      continue;
    }
    code += ch;
    i++;
  }
  return { code, literals };
}

function unescapeChar(src: string, at: number): string {
  const c = src[at + 1] ?? '';
  return c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
}
