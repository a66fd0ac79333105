/**
 * Training data this project wrote itself for the L01 classifier (no third-party text): the kinds the
 * third-party corpora lack or teach wrongly. Benign: everyday requests in many languages (including ones
 * that mention passwords, rules, games and role play innocently), transactional e-mails (password resets,
 * sign-in codes, receipts), code and config that handles passwords or holds an LLM prompt, tables and logs.
 * Attacks: password and system-prompt extraction phrased as games, role play, stories or puzzles; overrides
 * in many languages; injections hidden in e-mails, code comments and tables — built on the same benign
 * carriers, so the model learns the injected part and not the carrier.
 *
 * Items are generated from templates with a seeded generator (deterministic). They always stay on the training
 * side (group `own:*`) and are never scored as third-party data. The scorecard's own adversarial cases
 * (eval/annotations/perimeter/l01-own-cases.json) are written separately, in other words, and never trained on.
 */
import type { Labelled } from './recipe.js';
import {
  BENIGN_REQUESTS_EN,
  BENIGN_REQUESTS_I18N,
  BENIGN_TRIGGER_REQUESTS,
  CODE_SNIPPETS,
  TRANSACTIONAL_MAILS,
  TABLES_AND_LOGS,
} from './own-benign.js';
import { GAME_EXTRACTION, I18N_ATTACKS, EMBEDDED_INJECTIONS, DIRECT_ATTACKS_EN } from './own-attacks.js';
import {
  PRETEXT_EXTRACTION,
  GOAL_HIJACK,
  DATA_PROBES,
  MODE_AND_PRIMING,
  SPLIT_AND_ENCODE,
  I18N_ATTACK_KINDS,
} from './own-attack-kinds.js';
import { BENIGN_KIND_NEIGHBOURS, BENIGN_I18N_KINDS } from './own-benign-kinds.js';
import { SHORT_NOTICES } from './own-benign-notices.js';
import { BENIGN_PROSE } from './own-benign-prose.js';
import { CONTENT_INJECTIONS, CONTENT_CLEAN, LEVER_ATTACKS, LEVER_BENIGN } from './own-request-content.js';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export type Pick = <T>(xs: readonly T[]) => T;

export function picker(seed: number): Pick {
  const r = rng(seed);
  return <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
}

/** Fills `{slot}` markers from `slots` with a seeded choice. */
export function fill(template: string, slots: Readonly<Record<string, readonly string[]>>, pick: Pick): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => {
    const options = slots[k];
    return options ? fill(pick(options), slots, pick) : m;
  });
}

function expand(
  source: string,
  label: 0 | 1,
  templates: readonly string[],
  slots: Readonly<Record<string, readonly string[]>>,
  count: number,
  seed: number,
  document = false,
): Labelled[] {
  const pick = picker(seed);
  const seen = new Set<string>();
  const out: Labelled[] = [];
  for (let i = 0; out.length < count && i < count * 20; i++) {
    const text = fill(templates[i % templates.length] as string, slots, pick);
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ text, label, source, group: `own:${source}`, document });
  }
  return out;
}

/** Inserts `attack` into `carrier` at a line boundary chosen by `pick` (start, middle, end). */
function embed(carrier: string, attack: string, pick: Pick): string {
  const lines = carrier.split('\n');
  const at = pick([1, Math.floor(lines.length / 2), lines.length - 1, lines.length]);
  return [...lines.slice(0, at), attack, ...lines.slice(at)].join('\n');
}

export function ownTrainingItems(): Labelled[] {
  const items: Labelled[] = [];
  items.push(...expand('own_benign_requests_en', 0, BENIGN_REQUESTS_EN.templates, BENIGN_REQUESTS_EN.slots, 260, 11));
  items.push(
    ...expand('own_benign_trigger_words', 0, BENIGN_TRIGGER_REQUESTS.templates, BENIGN_TRIGGER_REQUESTS.slots, 220, 12),
  );
  items.push(
    ...BENIGN_REQUESTS_I18N.map((text) => ({
      text,
      label: 0 as const,
      source: 'own_benign_requests_i18n',
      group: 'own:i18n',
    })),
  );
  const mails = expand('own_benign_mail', 0, TRANSACTIONAL_MAILS.templates, TRANSACTIONAL_MAILS.slots, 260, 13, true);
  const code = expand('own_benign_code', 0, CODE_SNIPPETS.templates, CODE_SNIPPETS.slots, 140, 14, true);
  const tables = expand('own_benign_tables_logs', 0, TABLES_AND_LOGS.templates, TABLES_AND_LOGS.slots, 90, 15, true);
  items.push(...mails, ...code, ...tables);
  items.push(...expand('own_benign_prose', 0, BENIGN_PROSE.templates, BENIGN_PROSE.slots, 400, 16, true));

  items.push(...expand('own_attack_games', 1, GAME_EXTRACTION.templates, GAME_EXTRACTION.slots, 320, 21));
  items.push(...expand('own_attack_direct_en', 1, DIRECT_ATTACKS_EN.templates, DIRECT_ATTACKS_EN.slots, 160, 22));
  items.push(...expand('own_attack_i18n', 1, I18N_ATTACKS.templates, I18N_ATTACKS.slots, 260, 23));

  items.push(...ownTechniqueItems());
  items.push(...ownRequestContentItems());

  // Injections hidden in the same kinds of carriers as the benign documents above.
  const pick = picker(24);
  const carriers = [...mails, ...code, ...tables];
  const injections = expand(
    'own_attack_embedded',
    1,
    EMBEDDED_INJECTIONS.templates,
    EMBEDDED_INJECTIONS.slots,
    400,
    25,
  );
  for (let i = 0; i < 220; i++) {
    const carrier = carriers[(i * 7) % carriers.length] as Labelled;
    const attack = injections[i % injections.length] as Labelled;
    items.push({
      text: embed(carrier.text, attack.text, pick),
      label: 1,
      source: 'own_attack_embedded',
      group: 'own:embedded',
      document: true,
    });
  }
  return items;
}

const listed = (texts: readonly string[], label: 0 | 1, source: string): Labelled[] =>
  texts.map((text) => ({ text, label, source, group: `own:${source}` }));

/** Requests about handed-over content with and without a hidden instruction; rewards and imagined worlds. */
function ownRequestContentItems(): Labelled[] {
  return [
    ...expand('own_attack_in_content', 1, CONTENT_INJECTIONS.templates, CONTENT_INJECTIONS.slots, 360, 41),
    ...expand('own_benign_content', 0, CONTENT_CLEAN.templates, CONTENT_CLEAN.slots, 360, 42),
    ...listed(LEVER_ATTACKS, 1, 'own_attack_levers'),
    ...listed(LEVER_BENIGN, 0, 'own_benign_levers'),
    ...expand('own_benign_notices', 0, SHORT_NOTICES.templates, SHORT_NOTICES.slots, 160, 43, true),
  ];
}

/** Small talk that turns into one of these asks part-way ("By the way, ..."). */
const PIVOTS = ['By the way,', 'Anyway,', 'Oh, and one more thing:', 'Speaking of which,', 'Also,'];

/**
 * The technique kinds of own-attack-kinds.ts with their benign neighbours (own-benign-kinds.ts), and attacks
 * that start as an ordinary request and pivot part-way.
 */
function ownTechniqueItems(): Labelled[] {
  const items: Labelled[] = [];
  const attacks = [
    expand('own_attack_pretext', 1, PRETEXT_EXTRACTION.templates, PRETEXT_EXTRACTION.slots, 160, 31),
    expand('own_attack_hijack', 1, GOAL_HIJACK.templates, GOAL_HIJACK.slots, 150, 32),
    expand('own_attack_data_probes', 1, DATA_PROBES.templates, DATA_PROBES.slots, 120, 33),
    expand('own_attack_mode_priming', 1, MODE_AND_PRIMING.templates, MODE_AND_PRIMING.slots, 120, 34),
    expand('own_attack_split_encode', 1, SPLIT_AND_ENCODE.templates, SPLIT_AND_ENCODE.slots, 120, 35),
    expand('own_attack_i18n_kinds', 1, I18N_ATTACK_KINDS.templates, I18N_ATTACK_KINDS.slots, 400, 36),
  ];
  for (const a of attacks) items.push(...a);
  const benign = expand(
    'own_benign_kind_neighbours',
    0,
    BENIGN_KIND_NEIGHBOURS.templates,
    BENIGN_KIND_NEIGHBOURS.slots,
    180,
    37,
  );
  items.push(...benign);
  items.push(
    ...BENIGN_I18N_KINDS.map((text) => ({
      text,
      label: 0 as const,
      source: 'own_benign_i18n_kinds',
      group: 'own:i18n_kinds',
    })),
  );
  const pick = picker(38);
  const openers = expand('own_opener', 0, BENIGN_REQUESTS_EN.templates, BENIGN_REQUESTS_EN.slots, 120, 39);
  const asks = attacks.flat();
  for (let i = 0; i < 120; i++) {
    const opener = (openers[i % openers.length] as Labelled).text;
    const ask = (asks[(i * 13) % asks.length] as Labelled).text;
    items.push({
      text: `${opener} ${pick(PIVOTS)} ${ask.charAt(0).toLowerCase()}${ask.slice(1)}`,
      label: 1,
      source: 'own_attack_pivot',
      group: 'own:pivot',
    });
  }
  return items;
}
