/**
 * Characters that some readers take for a line break although JSON leaves them raw: U+2028 LINE SEPARATOR,
 * U+2029 PARAGRAPH SEPARATOR and U+0085 NEXT LINE. In a log or audit line they could make one line look like two
 * (a forged entry) to an editor, a log viewer or a JavaScript parser of old. Each is written as its \u escape,
 * which inside a JSON string means the same character, so a JSON line still parses to the same value.
 */
const LINE_BREAKERS = /[\u0085\u2028\u2029]/g;

export function escapeLineBreakers(line: string): string {
  return line.replace(LINE_BREAKERS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
