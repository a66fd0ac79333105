/**
 * Loads the scenario library: every `*.yaml` in `drill/scenarios/` of the package (or a folder given for tests),
 * validated as a whole — a bad file, an unknown placeholder or transform, a duplicate id, a reference to an
 * exchange that does not exist — stops the drill before anything runs, naming the file, the scenario and the fix.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { describeZodError } from '../config/index.js';
import { childPath, bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { GOAL_IDS, normalise, ScenarioFileSchema, type Check, type Scenario } from './scenario.js';
import { placeholderNames, TRANSFORMS, transformNames } from './transforms.js';

/** The library shipped with bulwark (the same two levels below the package root in src/ and dist/). */
export function defaultLibraryDir(): string {
  return fileURLToPath(new URL('../../drill/scenarios', import.meta.url));
}

/** Names the world fills into what the client sends and what the model says. */
export const WORLD_NAMES = [
  'marker',
  'home',
  'workspace',
  'datadir',
  'internet',
  'internal',
  'metadata',
  'daemon',
  'bulwark',
  'agent',
] as const;
/** Names read from the request the daemon sent to the (hostile) model provider. */
export const REQUEST_NAMES = ['canary', 'system', 'prompt', 'lastToolResult', 'lastUser', 'apiKey'] as const;
/** Names only the judge knows: decoys and the values the attacker wants out. */
export const JUDGE_NAMES = ['canary', 'prompt', 'apiKey'] as const;
export const DECOY_NAMES = ['ssh_key', 'aws_secret', 'tls_key', 'env_secret', 'prompt_secret', 'vault_key'] as const;

function known(name: string, side: 'user' | 'model' | 'judge'): boolean {
  if ((WORLD_NAMES as readonly string[]).includes(name)) return true;
  if (side === 'user') return false;
  if (side === 'model') return (REQUEST_NAMES as readonly string[]).includes(name) || /^header:[a-z0-9-]+$/.test(name);
  if ((JUDGE_NAMES as readonly string[]).includes(name)) return true;
  if (name.startsWith('decoy:')) return (DECOY_NAMES as readonly string[]).includes(name.slice('decoy:'.length));
  return /^vault:[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

function checkTemplate(text: string, side: 'user' | 'model' | 'judge', where: string): string[] {
  const problems: string[] = [];
  for (const n of placeholderNames(text))
    if (!known(n, side)) problems.push(`${where}: unknown placeholder {{${n}}} for ${side} text`);
  for (const t of transformNames(text))
    if (!(t in TRANSFORMS))
      problems.push(`${where}: unknown transform "${t}" (known: ${Object.keys(TRANSFORMS).join(', ')})`);
  return problems;
}

/** Every string inside tool arguments (templates too). */
function stringsOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsOf);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
  return [];
}

function checkTemplates(c: Check): string[] {
  return Object.values(c).filter((v): v is string => typeof v === 'string');
}

function problemsOf(s: Scenario): string[] {
  const at = (what: string) => `${s.source}: scenario ${s.id}: ${what}`;
  const out: string[] = [];
  s.exchanges.forEach((ex, i) => {
    if (typeof ex.session === 'number' && ex.session >= i)
      out.push(at(`exchange ${i} continues the session of exchange ${ex.session}, which does not come before it`));
    out.push(...checkTemplate(ex.user, 'user', at(`exchange ${i} user`)));
    ex.model.forEach((turn, k) => {
      const texts = [
        ...(turn.say !== undefined ? [turn.say] : []),
        ...stringsOf(turn.args),
        ...(turn.calls ?? []).flatMap((c) => stringsOf(c.args)),
      ];
      for (const t of texts) out.push(...checkTemplate(t, 'model', at(`exchange ${i} model turn ${k}`)));
    });
  });
  s.brokeIf.forEach((c, i) => {
    if ('exchange' in c && c.exchange !== undefined && c.exchange >= s.exchanges.length)
      out.push(at(`brokeIf ${i} names exchange ${c.exchange}, but there are ${s.exchanges.length}`));
    for (const t of checkTemplates(c)) out.push(...checkTemplate(t, 'judge', at(`brokeIf ${i}`)));
  });
  return out;
}

/** All scenarios of the folder, in goal order (file order within a goal). */
export function loadLibrary(dir: string = defaultLibraryDir()): Result<Scenario[], BulwarkError> {
  let files: string[];
  try {
    files = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort();
  } catch (cause) {
    return err(bulwarkError('drill.library', `cannot read the scenario library ${dir}: ${describeCause(cause)}`));
  }
  if (files.length === 0) return err(bulwarkError('drill.library', `the scenario library ${dir} has no .yaml files`));
  const all: Scenario[] = [];
  const problems: string[] = [];
  for (const f of files) {
    let raw: unknown;
    try {
      raw = parseYaml(readFileSync(childPath(dir, f), 'utf8'), { maxAliasCount: 100 });
    } catch (cause) {
      problems.push(`${f}: not valid YAML: ${describeCause(cause).split('\n')[0]}`);
      continue;
    }
    const parsed = ScenarioFileSchema.safeParse(raw);
    if (!parsed.success) {
      problems.push(...describeZodError(parsed.error).map((p) => `${f}: ${p}`));
      continue;
    }
    for (const s of parsed.data.scenarios) all.push(normalise(s, parsed.data.goal, f));
  }
  const ids = new Map<string, string>();
  for (const s of all) {
    const before = ids.get(s.id);
    if (before) problems.push(`${s.source}: scenario id ${s.id} is also used in ${before}`);
    ids.set(s.id, s.source);
    problems.push(...problemsOf(s));
  }
  if (problems.length > 0)
    return err(
      bulwarkError('drill.library', `the scenario library ${dir} has problems:\n  - ${problems.join('\n  - ')}`),
    );
  const order = (s: Scenario) => GOAL_IDS.indexOf(s.goal);
  return ok(
    all
      .map((s, i) => ({ s, i }))
      .sort((a, b) => order(a.s) - order(b.s) || a.i - b.i)
      .map((x) => x.s),
  );
}
