/**
 * A regex source with every capturing group, named or not, made non-capturing. It matches exactly what the
 * original matches (unless the source refers back to a group: then it is returned unchanged), but an `exec`
 * fills no captures and builds no `groups` object: on hostile text a format regex matches every few characters,
 * and that bookkeeping was most of the cost of each match. Escapes and character classes are read as such, so a
 * `(` in `[(]` or `\(` is left alone.
 */
export function withoutCaptures(source: string): string {
  if (/\\[1-9]|\\k</.test(source)) return source;
  let out = '';
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === '\\') {
      out += source.slice(i, i + 2);
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      out += c;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      continue;
    }
    if (c === '(' && source[i + 1] !== '?') {
      out += '(?:';
      continue;
    }
    if (c === '(' && source[i + 2] === '<' && source[i + 3] !== '=' && source[i + 3] !== '!') {
      const close = source.indexOf('>', i + 3);
      out += '(?:';
      i = close;
      continue;
    }
    out += c;
  }
  return out;
}
