/**
 * A strict `.env` reader for `bulwark secrets import`: `NAME=value`, optional `export `, `#` comments,
 * single quotes (literal), double quotes (\n \t \" \\ escapes, may span lines), unquoted values with
 * an inline ` #` comment. Errors name the line, never the value.
 */
import { bulwarkError, type BulwarkError } from '../core/errors.js';
import { err, ok, type Result } from '../core/result.js';
import { SECRET_NAME_RE } from './types.js';

const MAX_DOTENV_BYTES = 1024 * 1024;

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

export function parseDotenv(text: string, source: string): Result<DotenvEntry[], BulwarkError> {
  if (text.length > MAX_DOTENV_BYTES) return err(bulwarkError('dotenv.too_large', `${source} is larger than 1 MB`));
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: DotenvEntry[] = [];
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] as string;
    let line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (/^export[ \t]/.test(line)) line = line.slice(7).trimStart();
    const eq = line.indexOf('=');
    const name = eq > 0 ? line.slice(0, eq).trim() : '';
    if (!SECRET_NAME_RE.test(name)) return err(bulwarkError('dotenv.syntax', `${source}:${i + 1}: expected NAME=value`));
    const rest = line.slice(eq + 1).trim();
    const lineNo = i + 1;
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) return err(bulwarkError('dotenv.syntax', `${source}:${lineNo}: unterminated single quote for ${name}`));
      value = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      let buf = rest.slice(1);
      let end = closingQuote(buf, 0);
      while (end < 0 && i + 1 < lines.length) {
        i++;
        buf += `\n${lines[i] as string}`;
        end = closingQuote(buf, 0);
      }
      if (end < 0) return err(bulwarkError('dotenv.syntax', `${source}:${lineNo}: unterminated double quote for ${name}`));
      value = unescapeDouble(buf.slice(0, end));
    } else {
      const hash = rest.search(/\s#/);
      value = (hash >= 0 ? rest.slice(0, hash) : rest).trim();
    }
    out.push({ name, value, line: lineNo });
  }
  return ok(out);
}
