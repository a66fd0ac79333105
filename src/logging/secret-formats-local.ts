/**
 * A small set of obvious secret formats used by the log sanitizer until the shared pattern library
 * (src/text/patterns/secret-formats.ts) lands; then the sanitizer switches to SECRET_FORMATS.
 * A named group `v` marks the part to redact (the key name before it stays readable).
 */
import type { PatternDef } from '../text/patterns/types.js';

const def = (id: string, description: string, regex: RegExp): PatternDef => ({
  id,
  family: 'secret_format',
  description,
  regex,
  weight: 1,
  severity: 'critical',
});

export const LOCAL_SECRET_FORMATS: readonly PatternDef[] = [
  def('secret.private_key_block', 'PEM private key', /-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----[A-Za-z0-9+/=\s\\]{0,16384}-----END [A-Z ]{0,40}PRIVATE KEY-----/g),
  def('secret.aws_access_key_id', 'AWS access key id', /\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z0-9]{16}\b/g),
  def('secret.github_token', 'GitHub token', /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g),
  def('secret.openai_style_key', 'sk- style API key (OpenAI, Anthropic, …)', /\bsk-[A-Za-z0-9_-]{20,256}/g),
  def('secret.slack_token', 'Slack token', /\bxox[abprse]-[A-Za-z0-9-]{10,256}/g),
  def('secret.google_api_key', 'Google API key', /\bAIza[0-9A-Za-z_-]{35}\b/g),
  def('secret.stripe_key', 'Stripe key', /\b[rsp]k_(?:live|test)_[0-9A-Za-z]{16,256}\b/g),
  def('secret.jwt', 'JSON Web Token', /\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{8,4096}/g),
  def('secret.auth_header', 'Bearer/Basic credentials in text', /\b(?:Bearer|Basic|Token)\s{1,4}(?<v>[A-Za-z0-9._~+/-]{16,4096}=*)/gi),
  def('secret.url_credentials', 'password in a URL', /\b[a-z][a-z0-9+.-]{1,20}:\/\/[^\s:@/]{1,256}:(?<v>[^\s@/]{1,256})@/gi),
  def(
    'secret.assignment',
    'credential assigned in text (password=…, "api_key": "…")',
    /\b(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|client[_-]?secret|auth[_-]?token)(?:\\["']|["'])?\s{0,4}[:=]\s{0,4}(?:\\["']|["'])?(?<v>[^\s"'\\&,;[\]{}]{6,256})/gi,
  ),
];
