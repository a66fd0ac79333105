/**
 * The shared content scan for text that should be data, not instructions: memory writes (L15), skill
 * files (L24), MCP tool descriptions. Same canonicaliser and pattern library as L01/L23, with the
 * indirect-instruction patterns included; the caller decides what a flagged verdict means
 * (refuse, quarantine, do not load).
 */
import { scanText, type Finding, EXTERNAL_CONTENT_PATTERNS } from '../text/index.js';

export interface ContentVerdict {
  readonly flagged: boolean;
  readonly score: number;
  readonly findings: readonly Finding[];
  /** Canonical (L04) form of the content: what should be stored or loaded. */
  readonly canonical: string;
}

export const DEFAULT_CONTENT_FLAG_AT = 0.5;
const MAX_CONTENT_CHARS = 1024 * 1024;

export function scanContent(text: string, flagAt = DEFAULT_CONTENT_FLAG_AT): ContentVerdict {
  if (text.length > MAX_CONTENT_CHARS) {
    const oversize: Finding = {
      id: 'input.oversize',
      family: 'encoded_payload',
      severity: 'critical',
      weight: 1,
      start: 0,
      end: text.length,
      source: 'text',
      inCode: false,
    };
    return { flagged: true, score: 1, findings: [oversize], canonical: '' };
  }
  const r = scanText(text, { patterns: EXTERNAL_CONTENT_PATTERNS });
  return { flagged: r.score >= flagAt, score: r.score, findings: r.findings, canonical: r.canonical.text };
}
