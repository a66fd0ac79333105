/**
 * Exec layer 2 scorecard: the command policy on the destructive_command_guard corpus
 * (<corpora>/shell/dcg-corpus, read in place; sources in eval/docs/shell.md). Deny recall on the true positives (true_positives/*.toml and
 * the canonical deny cases), false-positive rate on the false-positive sets (false_positives/*.toml
 * and the canonical allow cases). The rules are hand-written, not tuned: there are no weights or
 * thresholds to fit, so there is no tuning split. The corpus was visible during development, so
 * these are development figures. Also: how much of sandbox-runtime's write-deny list the
 * built-in protected paths cover.
 */
import { parse } from 'smol-toml';
import { markdownTable, type Suite } from '../harness.js';
import { readCorpus } from '../corpora.js';
import { evaluateCommand } from '../../src/exec/command-policy.js';
import { protectedEntries } from '../../src/exec/protected-paths.js';

const WRITE_DENY = 'shell/sandbox-runtime_write-deny.json';

interface Case {
  readonly file: string;
  readonly command: string;
  readonly expected: 'allow' | 'deny';
}

const FILES = [
  'shell/dcg-corpus/canonical.toml',
  'shell/dcg-corpus/true_positives/git_destructive.toml',
  'shell/dcg-corpus/true_positives/rm_destructive.toml',
  'shell/dcg-corpus/false_positives/git_safe.toml',
  'shell/dcg-corpus/false_positives/rm_safe.toml',
  'shell/dcg-corpus/false_positives/substring_safe.toml',
];

export function loadDcgCases(): Case[] {
  const out: Case[] = [];
  for (const f of FILES) {
    const doc = parse(readCorpus(f)) as { case?: Array<Record<string, unknown>> };
    for (const c of doc.case ?? []) {
      const expected = (c['expected'] ?? c['expected_decision']) as string;
      if (typeof c['command'] !== 'string' || (expected !== 'allow' && expected !== 'deny')) continue;
      // The canonical "hook.*" cases test a JSON hook protocol, not a command: they have no command string and are skipped above.
      out.push({ file: f.replace('shell/dcg-corpus/', ''), command: c['command'], expected });
    }
  }
  return out;
}

const suite: Suite = {
  name: 'exec-policy',
  corpora: {
    files: [...FILES, WRITE_DENY],
    figures: ['deny_recall', 'false_positive_rate', 'protected_path_coverage'],
  },
  async run() {
    const cases = loadDcgCases();
    const rows: Array<[string, number, number, number, number]> = [];
    const misses: string[][] = [];
    let tp = 0,
      fn = 0,
      fp = 0,
      tn = 0;
    const perFile = new Map<string, { deny: number; denyHit: number; allow: number; allowWrong: number }>();
    for (const c of cases) {
      const v = evaluateCommand(c.command);
      const s = perFile.get(c.file) ?? { deny: 0, denyHit: 0, allow: 0, allowWrong: 0 };
      if (c.expected === 'deny') {
        s.deny++;
        if (v.decision === 'deny') {
          tp++;
          s.denyHit++;
        } else {
          fn++;
          misses.push([c.file, 'deny', c.command, 'allowed']);
        }
      } else {
        s.allow++;
        if (v.decision === 'deny') {
          fp++;
          s.allowWrong++;
          misses.push([c.file, 'allow', c.command, `${v.ruleId}`]);
        } else tn++;
      }
      perFile.set(c.file, s);
    }
    for (const [f, s] of perFile) rows.push([f, s.deny, s.denyHit, s.allow, s.allowWrong]);
    const recall = tp / Math.max(1, tp + fn);
    const fpr = fp / Math.max(1, fp + tn);

    const reference = JSON.parse(readCorpus(WRITE_DENY)) as Record<string, unknown>;
    const wanted = [
      ...new Set([
        ...(reference['DANGEROUS_FILES'] as string[]),
        ...(reference['DANGEROUS_DIRECTORIES'] as string[]).filter((d) => d !== '.git').map((d) => d),
        '.git/hooks',
        ...(reference['getDangerousDirectories'] as string[]),
      ]),
    ];
    const ours = protectedEntries().map((e) => e.rel.toLowerCase());
    const covered = wanted.filter((w) =>
      ours.some((o) => o === w.toLowerCase() || w.toLowerCase().startsWith(o + '/')),
    );
    const uncovered = wanted.filter((w) => !covered.includes(w));

    const markdown = [
      `Command policy on dcg-corpus: ${tp + fn} deny cases, ${fp + tn} allow cases (development figures; rules are hand-written, nothing tuned).`,
      '',
      markdownTable(['file', 'deny cases', 'denied', 'allow cases', 'wrongly denied'], rows),
      '',
      markdownTable(
        ['figure', 'value'],
        [
          ['deny recall (true positives)', recall],
          ['false-positive rate (false-positive sets)', fpr],
          ['Comis baseline recall', 8 / 35],
          ['Comis baseline FP rate', 9 / 91],
        ],
      ),
      '',
      misses.length ? markdownTable(['file', 'expected', 'command', 'got'], misses) : 'No misses.',
      '',
      `Protected persistence paths: ${covered.length}/${wanted.length} of sandbox-runtime's write-deny list covered${uncovered.length ? ` (not covered: ${uncovered.join(', ')})` : ''}.`,
    ].join('\n');
    return {
      name: 'exec-policy',
      markdown,
      data: {
        deny: tp + fn,
        denied: tp,
        allow: fp + tn,
        wronglyDenied: fp,
        recall,
        fpr,
        misses,
        protectedCoverage: { covered, uncovered },
      },
      checks: [
        { name: 'deny_recall', value: recall, min: 0.95 },
        { name: 'false_positive_rate', value: fpr, max: 0.05 },
        { name: 'protected_path_coverage', value: covered.length / wanted.length, min: 0.9 },
      ],
    };
  },
};

export default suite;
