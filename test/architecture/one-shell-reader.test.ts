/**
 * One shell-command model: every layer that judges a command line reads the model (text/shell-model.ts), so
 * one exec call parses its line once and no layer peels wrappers its own way. Only the model calls the
 * tokeniser and the wrapper peeler.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSources } from './dependency-rule.js';

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');
const MODEL = 'text/shell-model.ts';

/** Names a file imports from a module whose path ends in `module`. */
function importedNames(source: string, module: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/import\s[^'"]*?from\s*['"]([^'"]+)['"]/g)) {
    if (!(m[1] as string).endsWith(module)) continue;
    const clause = m[0];
    const list = clause.slice(clause.indexOf('{') + 1, clause.indexOf('}'));
    for (const n of list.split(',')) {
      const name = n
        .trim()
        .replace(/^type\s+/, '')
        .split(' as ')[0]
        ?.trim();
      if (name) out.push(name);
    }
  }
  return out;
}

describe('one shell-command model', () => {
  const files = listSources(srcDir).map((rel) => [rel, readFileSync(path.join(srcDir, rel), 'utf8')] as const);

  it('only the model calls the tokeniser and the wrapper peeler', () => {
    const callers = files.flatMap(([rel, src]) =>
      [
        ...importedNames(src, '/shell-parse.js').filter((n) => n === 'parseSimpleCommands'),
        ...importedNames(src, '/shell-unwrap.js').filter((n) => n === 'unwrap'),
      ].map((n) => `${rel}: ${n}`),
    );
    expect(
      callers.every((c) => c.startsWith(`${MODEL}:`)),
      callers.join('\n'),
    ).toBe(true);
    expect(callers.length).toBeGreaterThan(0);
  });

  it('no file re-exports the parser, the peeler or the model under another name', () => {
    // The room's public surface (text/index.ts) lists what other rooms use, under the same names.
    const reexports = files.filter(
      ([rel, src]) => rel !== 'text/index.ts' && /export\s*(?:\*|\{[^}]*\})\s*from\s*['"][^'"]*shell-/.test(src),
    );
    expect(reexports.map(([rel]) => rel)).toEqual([]);
    const surface = files.find(([rel]) => rel === 'text/index.ts')?.[1] ?? '';
    const exported = [...surface.matchAll(/export (?:type )?\{([^}]*)\}/g)].flatMap((m) =>
      (m[1] ?? '').split(',').map((n) => n.trim().replace(/^type /, '')),
    );
    expect(exported.filter((n) => /^(parseSimpleCommands|unwrap)\b/.test(n) || / as \w*[Ss]hell/.test(n))).toEqual([]);
    expect(exported.length).toBeGreaterThan(0);
  });

  it('finds the imports it looks for', () => {
    expect(
      importedNames(`import { a, type B, parseSimpleCommands as p } from '../text/shell-parse.js';`, '/shell-parse.js'),
    ).toEqual(['a', 'B', 'parseSimpleCommands']);
  });
});
