/**
 * L15 — the pre-write scan every memory write passes, on every path. One verdict from the shared parts:
 *   - text that is not text (lone surrogates, NUL), empty or over memory.maxEntryChars: refused, nothing stored;
 *   - a known vault value in any encoding (leak index) or a critical secret format: refused (never stored);
 *   - the pattern library incl. indirect instructions and decoded payloads, and the L01 classifier, on the
 *     canonical (L04) view: at `quarantineAt` (or any critical finding) stored quarantined — external, hidden from
 *     recall and search, kept for the operator; at `downgradeAt` downgraded to external and tagged.
 * What is stored is the canonical form.
 */
import { type LeakScanner, bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { scanOutput } from '../guards/index.js';
import { injectionProbability, EXTERNAL_CONTENT_PATTERNS, scanText } from '../text/index.js';
import type { ScanOutcome } from './types.js';

export interface MemoryScanConfig {
  readonly maxEntryChars: number;
  readonly downgradeAt: number;
  readonly quarantineAt: number;
}

export interface MemoryScanDeps {
  /** Every secret value the vault handed out, in every encoding. */
  readonly leakScanner: LeakScanner;
  readonly config: MemoryScanConfig;
}

export interface MemoryScan {
  readonly text: string;
  readonly outcome: ScanOutcome;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const MAX_TAGS = 16;

function refuse(code: string, message: string, status = 422): BulwarkError {
  return bulwarkError(code, `Memory scan (L15): ${message}`, { layer: 'L15', status });
}

export function scanMemoryText(text: string, deps: MemoryScanDeps): Result<MemoryScan, BulwarkError> {
  const { config } = deps;
  if (text.length > config.maxEntryChars)
    return err(
      refuse(
        'memory.too_large',
        `the entry has ${text.length} characters; memory.maxEntryChars is ${config.maxEntryChars}. Save a shorter note, or split it into several.`,
        413,
      ),
    );
  if (LONE_SURROGATE.test(text) || text.includes('\0'))
    return err(
      refuse(
        'memory.invalid_text',
        'the entry is not valid text (unpaired UTF-16 surrogate or NUL character); nothing was stored.',
      ),
    );
  if (text.trim() === '') return err(refuse('memory.empty', 'the entry is empty; nothing was stored.'));

  const secrets = scanOutput(text, { leakScanner: deps.leakScanner, canaryForms: [] });
  const known = secrets.findings.find((f) => f.kind === 'known_secret');
  if (known)
    return err(
      refuse(
        'memory.secret_value',
        `the entry holds the value of secret ${known.secretName ?? '(a vault secret)'}${known.encoding ? ` (${known.encoding})` : ''}; vault values are never stored in memory.`,
      ),
    );
  const format = secrets.findings.find((f) => f.kind === 'secret_format' && f.severity === 'critical');
  if (format)
    return err(
      refuse(
        'memory.secret',
        `the entry holds a credential (${format.patternId}); credentials are never stored in memory.`,
      ),
    );

  const scan = scanText(text, { patterns: EXTERNAL_CONTENT_PATTERNS });
  const classifier = injectionProbability(scan.correctedView);
  const score = Math.max(scan.score, classifier);
  const tags = new Set<string>();
  for (const f of scan.findings) if (tags.size < MAX_TAGS) tags.add(`scan:${f.id}`);
  for (const f of secrets.findings) if (tags.size < MAX_TAGS) tags.add(`scan:${f.patternId}`);
  if (classifier >= config.downgradeAt) tags.add('scan:classifier');
  const critical = scan.findings.some((f) => f.severity === 'critical');
  const verdict: ScanOutcome['verdict'] =
    critical || score >= config.quarantineAt ? 'quarantined' : score >= config.downgradeAt ? 'downgraded' : 'clean';
  if (verdict !== 'clean') tags.add(verdict);
  return ok({ text: scan.canonical.text, outcome: { verdict, score, tags: [...tags] } });
}
