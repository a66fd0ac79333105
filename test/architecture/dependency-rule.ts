/**
 * The dependency rule of DESIGN §4, as code: rooms sit in tiers and may import only from lower tiers or
 * from themselves. Imports are read from the source text (static `import`/`export … from` and dynamic
 * `import()` with a literal), resolved relative to the importing file.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export const TIERS: Readonly<Record<string, number>> = {
  core: 0,
  config: 1,
  text: 1,
  guards: 2,
  secrets: 2,
  logging: 2,
  net: 3,
  exec: 3,
  policy: 3,
  memory: 3,
  transport: 3,
  broker: 4,
  agent: 4,
  supply: 4,
  /** The attack drill: plays a hostile model against a daemon the composition root hands it. */
  drill: 4,
  gateway: 5,
  cli: 5,
  channels: 5,
  root: 6,
};

export interface Violation {
  readonly file: string;
  readonly imports: string;
  readonly reason: string;
}

const IMPORT_RE =
  /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;

export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec) out.push(spec);
  }
  return out;
}

/** Room of a path relative to src/: its first segment (or the file name at the top level). */
export function roomOf(relToSrc: string): string {
  const first = relToSrc.split('/')[0] ?? relToSrc;
  // The composition root (daemon.ts, pipelines.ts, stores.ts) and the entry point (main.ts) form one outermost room.
  return first === 'daemon.ts' || first === 'main.ts' || first === 'pipelines.ts' || first === 'stores.ts'
    ? 'root'
    : first;
}

export function checkFile(relToSrc: string, source: string): Violation[] {
  const from = roomOf(relToSrc);
  const fromTier = TIERS[from];
  const violations: Violation[] = [];
  if (fromTier === undefined) {
    return [
      {
        file: relToSrc,
        imports: '',
        reason: `"${from}" is not a room of DESIGN §4; add it to the tier table deliberately`,
      },
    ];
  }
  for (const spec of importsOf(source)) {
    if (!spec.startsWith('.')) continue;
    const target = path.posix.normalize(path.posix.join(path.posix.dirname(relToSrc), spec));
    if (target.startsWith('..')) {
      violations.push({ file: relToSrc, imports: spec, reason: 'imports from outside src/' });
      continue;
    }
    const targetTs = target.replace(/\.js$/, '.ts');
    const to = roomOf(targetTs);
    if (to === from) continue;
    const toTier = TIERS[to];
    if (toTier === undefined) {
      violations.push({ file: relToSrc, imports: spec, reason: `unknown room "${to}"` });
    } else if (toTier >= fromTier) {
      violations.push({
        file: relToSrc,
        imports: spec,
        reason: `${from} (tier ${fromTier}) must not import ${to} (tier ${toTier})`,
      });
    } else if (targetTs !== `${to}/index.ts`) {
      violations.push({
        file: relToSrc,
        imports: spec,
        reason: `reaches into ${to}'s internals; import from its public surface ${to}/index.ts`,
      });
    }
  }
  return violations;
}

export function listSources(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) out.push(...listSources(full, base));
    else if (name.endsWith('.ts')) out.push(path.relative(base, full).split(path.sep).join('/'));
  }
  return out;
}

export function checkTree(srcDir: string): Violation[] {
  return listSources(srcDir).flatMap((rel) => checkFile(rel, readFileSync(path.join(srcDir, rel), 'utf8')));
}
