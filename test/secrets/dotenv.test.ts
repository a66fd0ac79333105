/** parseDotenv on hostile input: errors name the line and never the value. */
import { describe, expect, it } from 'vitest';
import { parseDotenv } from '../../src/secrets/dotenv.js';

const SECRET = 'sk-very-secret-value-123';

function parse(text: string) {
  return parseDotenv(text, '.env');
}
function values(text: string): Record<string, string> {
  const r = parse(text);
  if (!r.ok) throw new Error(r.error.message);
  return Object.fromEntries(r.value.map((e) => [e.name, e.value]));
}
function error(text: string): { code: string; message: string } {
  const r = parse(text);
  if (r.ok) throw new Error(`parsed: ${JSON.stringify(r.value)}`);
  expect(r.error.message).not.toContain(SECRET);
  return { code: r.error.code, message: r.error.message };
}

describe('parseDotenv', () => {
  it('reads the ordinary forms', () => {
    expect(
      values(`A=1\nexport B=two\nexport\tC='x # y'\nD="a\\nb\\t\\"q\\""\nE=plain # comment\n# note\n\nF=`),
    ).toEqual({
      A: '1',
      B: 'two',
      C: 'x # y',
      D: 'a\nb\t"q"',
      E: 'plain',
      F: '',
    });
  });

  it('a NUL byte anywhere is refused, naming the line', () => {
    expect(error(`A=1\nB=${SECRET}\0x\n`)).toEqual({
      code: 'dotenv.syntax',
      message: '.env:2: contains a NUL byte; a .env file is plain text',
    });
    expect(error(`A\0B=${SECRET}\n`).message).toContain('.env:1');
    expect(error(`A="${SECRET}\n\0"\n`).message).toContain('.env:2');
  });

  it('a 10 MB line is refused by size, without parsing it', () => {
    expect(error(`A=${'x'.repeat(10 * 1024 * 1024)}${SECRET}\n`).code).toBe('dotenv.too_large');
    expect(error(`A="${'x'.repeat(10 * 1024 * 1024)}`).code).toBe('dotenv.too_large');
  });

  it('unterminated quotes name the line and the key, not the value', () => {
    expect(error(`A=1\nKEY='${SECRET}\nB=2\n`).message).toBe('.env:2: unterminated single quote for KEY');
    expect(error(`A=1\nKEY="${SECRET}\nB=2\n`).message).toBe('.env:2: unterminated double quote for KEY');
    expect(error(`KEY="${SECRET}\\"`).message).toBe('.env:1: unterminated double quote for KEY');
  });

  it('text after a closing quote is refused instead of silently dropped', () => {
    expect(error(`KEY='${SECRET}'tail\n`).message).toBe('.env:1: text after the closing quote of KEY');
    expect(error(`KEY="${SECRET}"tail\n`).message).toBe('.env:1: text after the closing quote of KEY');
    expect(error(`KEY="a\n${SECRET}" tail\n`).message).toBe('.env:2: text after the closing quote of KEY');
    expect(values(`KEY='v' # fine\nK2="w"   \n`)).toEqual({ KEY: 'v', K2: 'w' });
  });

  it('CRLF and lone CR end lines; a multi-line value keeps LF only', () => {
    expect(values('A=1\r\nB="x\r\ny"\r\nC=3\r\n')).toEqual({ A: '1', B: 'x\ny', C: '3' });
    expect(values('A=1\rB=2\r')).toEqual({ A: '1', B: '2' });
    const r = parse('A=1\r\nB=2\r\n');
    expect(r.ok && r.value.every((e) => !e.value.includes('\r'))).toBe(true);
  });

  it('a BOM is ignored at the start of a line (as by cat-ing two files); inside a name it is a syntax error', () => {
    expect(values('\uFEFFA=1\n\uFEFFB=2\n')).toEqual({ A: '1', B: '2' });
    expect(error('A=1\nB\uFEFFC=2\n').message).toBe('.env:2: expected NAME=value');
  });

  it('export prefixes: only "export " followed by a name', () => {
    expect(values('export   A=1\nexportB=2\n')).toEqual({ A: '1', exportB: '2' });
    expect(error('export\n').message).toBe('.env:1: expected NAME=value');
    expect(error('export export A=1\n').message).toBe('.env:1: expected NAME=value');
    expect(error(`export =${SECRET}\n`).message).toBe('.env:1: expected NAME=value');
  });

  it('a name given twice is refused, naming both lines', () => {
    const e = error(`A=1\nKEY=${SECRET}\nexport KEY=other\n`);
    expect(e).toEqual({ code: 'dotenv.duplicate', message: '.env:3: KEY is already set on line 2; keep one of them' });
  });

  it('hostile names and shapes', () => {
    for (const bad of ['=x', '1A=x', 'A B=x', 'A-B=x', 'Ä=x', `${'A'.repeat(200)}=x`, 'just text', '"A"=x']) {
      expect(parse(bad).ok, bad).toBe(false);
    }
  });
});
