/** The public webhook signature vectors (../shared/corpora/webhooks/signature_vectors.json), read in place. */
import { readCorpus } from '../../eval/corpora.js';
import type { WebhookProvider } from '../../src/config/sections/hooks.js';

export interface VectorCase {
  readonly provider: WebhookProvider;
  readonly name: string;
  readonly secret: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly now?: number;
  readonly expected_valid: boolean;
}

export function vectorCases(): VectorCase[] {
  return (JSON.parse(readCorpus('webhooks/signature_vectors.json')) as { cases: VectorCase[] }).cases;
}

/** GitHub vectors carry no time: they are checked at any fixed now. */
export const GITHUB_NOW = 1_700_000_000;
