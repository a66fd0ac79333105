/**
 * A strict `.env` reader for `bulwark secrets import`: `NAME=value`, optional `export `, `#` comments,
 * single quotes (literal), double quotes (\n \t \" \\ escapes, may span lines), unquoted values with
 * an inline ` #` comment. Errors name the line, never the value. A NUL byte, text after a closing quote
 * and a name given twice are errors: each would otherwise import something other than what the file seems to say.
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { SECRET_NAME_RE } from './types.js';

export const MAX_DOTENV_BYTES = 1024 * 1024;

export interface DotenvEntry {
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\([nrt"\\$])/g, (_m, c: string) => ({ n: '\n', r: '\r', t: '\t' })[c] ?? c);
}

/** Index of the closing double quote (not preceded by an odd run of backslashes), or -1. */
function closingQuote(s: string, from: number): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === '"') return i;
  }
  return -1;
}

/** Text after a closing quote: nothing, or a comment. */
function trailingOk(after: string): boolean {
  return after.trim() === '' || /^\s+#/.test(after);
}

export function parseDotenv(text: string, source: string): Result<DotenvEntry[], BulwarkError> {
  if (text.length > MAX_DOTENV_BYTES) return err(bulwarkError('dotenv.too_large', `${source} is larger than 1 MB`));
  // CRLF and a lone CR end a line as LF does.
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const nul = lines.findIndex((l) => l.includes('\0'));
  if (nul >= 0)
    return err(bulwarkError('dotenv.syntax', `${source}:${nul + 1}: contains a NUL byte; a .env file is plain text`));
  const out: DotenvEntry[] = [];
  const seen = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^export[ \t]/.test(line)) line = line.slice(7).trimStart();
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!SECRET_NAME_RE.test(name))
      return err(bulwarkError('dotenv.syntax', `${source}:${i + 1}: expected NAME=value`));
    const rest = line.slice(eq + 1).trim();
    const lineNo = i + 1;
    const first = seen.get(name);
    if (first !== undefined)
      return err(
        bulwarkError(
          'dotenv.duplicate',
          `${source}:${lineNo}: ${name} is already set on line ${first}; keep one of them`,
        ),
      );
    seen.set(name, lineNo);
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0)
        return err(bulwarkError('dotenv.syntax', `${source}:${lineNo}: unterminated single quote for ${name}`));
      if (!trailingOk(rest.slice(end + 1)))
        return err(bulwarkError('dotenv.syntax', `${source}:${lineNo}: text after the closing quote of ${name}`));
      value = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      let buf = rest.slice(1);
      let end = closingQuote(buf, 0);
      while (end < 0 && i + 1 < lines.length) {
        i++;
        buf += `\n${lines[i] as string}`;
        end = closingQuote(buf, 0);
      }
      if (end < 0)
        return err(bulwarkError('dotenv.syntax', `${source}:${lineNo}: unterminated double quote for ${name}`));
      if (!trailingOk(buf.slice(end + 1)))
        return err(bulwarkError('dotenv.syntax', `${source}:${i + 1}: text after the closing quote of ${name}`));
      value = unescapeDouble(buf.slice(0, end));
    } else {
      const hash = rest.search(/\s#/);
      value = (hash >= 0 ? rest.slice(0, hash) : rest).trim();
    }
    out.push({ name, value, line: lineNo });
  }
  return ok(out);
}
