/**
 * Secret formats of the shared pattern library (L02 output guard, L09 log sanitizer, L15, L24).
 *
 * Every format is written from the issuer's documented token shape (fixed prefix, alphabet, length,
 * checksum-free structure), never copied from another scanner's rule file.
 *
 * Conventions for consumers:
 * - When a regex has a named group `secret`, only that group is the secret value (what a redactor
 *   replaces); the rest of the match is context (a header name, an assignment key). Otherwise the
 *   whole match is the secret.
 * - `validate(match)` receives the whole match and rejects placeholders, low-entropy fillers and
 *   structurally invalid values. A match whose validate returns false is not a finding.
 * - `critical` formats are redacted before delivery; `warning` formats are audited only (values that
 *   are often public by design, or markers that only say a secret is nearby).
 * - Regexes carry no `g` flag; engines add the flags they need.
 */
import type { PatternDef, Severity } from './types.js';

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  const n = [...s].length;
  for (const c of counts.values()) {
    const p = c / n;
    h -= p * Math.log2(p);
  }
  return h;
}

/**
 * A run of x in one case stands for hidden characters. Five, case-sensitive: in a random base62 token a run
 * of four x/X in any case turns up about once in 30,000 tokens, which would leave a real key unredacted.
 */
const PLACEHOLDER_X = /x{5}|X{5}/;
const PLACEHOLDER_WORDS =
  /(?:\*{3}|#{3}|\.\.|example|your[_-]|changeme|placeholder|redacted|dummy|<[^>]*>|\$\{|\$\(|\{\{|%[A-Za-z_]+%)/i;

/** True for obvious stand-ins: xxxxx, ***, <token>, ${VAR}, "EXAMPLE", one repeated character. */
export function looksLikePlaceholder(value: string): boolean {
  if (PLACEHOLDER_WORDS.test(value) || PLACEHOLDER_X.test(value)) return true;
  if (/^\$[A-Za-z_]/.test(value)) return true;
  const distinct = new Set(value).size;
  return distinct <= 2;
}

/**
 * A value made only of hex digits but in both letter cases is neither a hex encoding (one case by
 * convention) nor a random base62/base64 string (the chance that 16+ random base62 characters avoid
 * g–z and G–Z is below 1e-7): it is an edited or hand-made stand-in.
 */
export function mixedCaseHex(value: string): boolean {
  return value.length >= 16 && /^[0-9a-fA-F]+$/.test(value) && /[a-f]/.test(value) && /[A-F]/.test(value);
}

/** Value of a named group `secret` in `match` (re-run of the format's own regex), else the match. */
function secretPart(re: RegExp, match: string): string {
  const m = re.exec(match);
  return m?.groups?.['secret'] ?? match;
}

/** Validator: not a placeholder and entropy over `floor` bits/char on the secret part. */
function randomLooking(re: RegExp, floor: number): (match: string) => boolean {
  return (match) => {
    const v = secretPart(re, match);
    return !looksLikePlaceholder(v) && shannonEntropy(v) >= floor;
  };
}

interface FormatSpec {
  readonly id: string;
  readonly literals: readonly string[];
  readonly literalCase: 'sensitive' | 'insensitive';
  readonly reachBefore?: number;
  readonly afterLiteral?: RegExp;
  readonly description: string;
  readonly regex: RegExp;
  readonly severity: Severity;
  readonly validate?: (match: string) => boolean;
}

function def(spec: FormatSpec): PatternDef {
  return {
    id: spec.id,
    family: 'secret_format',
    description: spec.description,
    regex: spec.regex,
    weight: spec.severity === 'critical' ? 1 : 0.5,
    severity: spec.severity,
    literals: spec.literals,
    literalCase: spec.literalCase,
    ...(spec.reachBefore !== undefined ? { reachBefore: spec.reachBefore } : {}),
    ...(spec.afterLiteral ? { afterLiteral: spec.afterLiteral } : {}),
    ...(spec.validate ? { validate: spec.validate } : {}),
  };
}

// --- validators with structure -------------------------------------------------------------

function base64UrlDecode(s: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(s)) return undefined;
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8');
}

function jsonObject(text: string | undefined): Record<string, unknown> | undefined {
  // Most candidates are not JSON at all: skip the parse (and its exception) for them.
  const t = text?.trim() ?? '';
  if (!t.startsWith('{') || !t.endsWith('}')) return undefined;
  try {
    const parsed: unknown = JSON.parse(t);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Claims that make a JWT a credential: the registered claims of RFC 7519 §4.1, the OAuth/OIDC ones
 * (RFC 9068, OIDC Core §2/§5.1) and names that carry an identity, a tenant, a permission or a session.
 * Namespaced private claims ("https://…/roles", "urn:…") count as well.
 */
const CREDENTIAL_CLAIM =
  /^(?:iss|sub|aud|exp|nbf|iat|jti|azp|acr|amr|nonce|at_hash|sid|tid|oid|scp|upn|cid|ver|typ)$|user|account|tenant|org|client|role|scope|perm|group|session|email|login|admin|auth|name|[:/]/i;

/**
 * A JWT's header must decode to a JSON object with an `alg` member, and its payload to a JSON object
 * with at least one claim that identifies a principal, an audience, a lifetime or a permission: a
 * signed blob of other data (`{"confidence":0.8}`) authenticates nobody.
 */
function validJwt(match: string): boolean {
  const [h, p] = match.replace(/^[^A-Za-z0-9_-]/, '').split('.');
  const payload = jsonObject(base64UrlDecode(p ?? ''));
  if (payload === undefined || !Object.keys(payload).some((k) => CREDENTIAL_CLAIM.test(k))) return false;
  return jwtHeaderStart(h ?? '') >= 0;
}

/**
 * Where the header starts in the first segment: the regex takes the whole token run before the first
 * dot, so characters glued in front of a JWT (`x`, `token-`, a decoy `eyJ`) do not hide it. The header
 * is a suffix of that run starting with `eyJ`; glue sits before it, so the candidates are tried from
 * the right, a few only (a real header seldom holds an aligned `{"` of its own).
 */
function jwtHeaderStart(segment: string): number {
  let at = segment.length;
  for (let tries = 0; tries < 8; tries++) {
    at = segment.lastIndexOf('eyJ', at - 1);
    if (at < 0) return -1;
    const header = jsonObject(base64UrlDecode(segment.slice(at)));
    if (header !== undefined && 'alg' in header) return at;
    if (at === 0) return -1;
  }
  return -1;
}

/** HTTP Basic credentials decode to `user:password` with a non-empty side. */
function validBasic(credential: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(credential)) return false;
  const decoded = Buffer.from(credential, 'base64').toString('latin1');
  const i = decoded.indexOf(':');
  if (i < 0 || decoded.length < 2) return false;
  for (let k = 0; k < decoded.length; k++) {
    const c = decoded.charCodeAt(k);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return false;
  }
  return true;
}

const WEAK_CREDENTIAL_WORDS = new Set([
  'pass',
  'password',
  'passwd',
  'secret',
  'token',
  'apikey',
  'api_key',
  'user',
  'username',
  'test',
  'admin',
  'changeme',
  'none',
  'null',
  'true',
  'false',
  'bearer',
  'basic',
]);

/** A credential that is not a variable reference, placeholder or a bare word such as "password". */
function strongCredential(value: string, minLength: number): boolean {
  const v = value.replace(/^[{("']+|[})"']+$/g, '');
  if (v.length < minLength) return false;
  if (looksLikePlaceholder(v) || /^[$%@&]/.test(v) || /\[[A-Z_ ]+\]/.test(v)) return false;
  if (WEAK_CREDENTIAL_WORDS.has(v.toLowerCase())) return false;
  let classes = 0;
  for (const re of [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/]) if (re.test(v)) classes += 1;
  return classes >= 2 && shannonEntropy(v) >= 2.5;
}

// --- HTTP credentials ----------------------------------------------------------------------

const AUTH_HEADER =
  /\bAuthorization["']?[ \t]{0,16}[:=][ \t]{0,16}["']?(?:(?<scheme>Bearer|Basic|Token|Api-Token|Bot|Digest|Negotiate|token|bearer|basic)[ \t])?[ \t]{0,16}(?<secret>[A-Za-z0-9._~+/=@:-]{8,4096})/i;

function validAuthHeader(match: string): boolean {
  const m = AUTH_HEADER.exec(match);
  const scheme = m?.groups?.['scheme']?.toLowerCase();
  const value = m?.groups?.['secret'] ?? '';
  if (looksLikePlaceholder(value) || /^\$/.test(value)) return false;
  if (scheme === 'basic') return validBasic(value);
  if (scheme === undefined && /^(?:bearer|basic|token|digest)$/i.test(value)) return false;
  return shannonEntropy(value) >= 2.8;
}

const API_KEY_HEADER =
  /(?:^|[^A-Za-z0-9_-])(?<name>[A-Za-z][A-Za-z0-9-]{1,40})["']?[ \t]{0,16}:[ \t]{1,16}["']?(?<secret>[A-Za-z0-9._~+/=-]{8,512})/i;

const API_KEY_HEADER_NAME = /(?:api-?key|api-?token|auth-?token|access-?token|private-token|token)$/i;

function validApiKeyHeader(match: string): boolean {
  const m = API_KEY_HEADER.exec(match);
  const v = m?.groups?.['secret'] ?? '';
  if (!API_KEY_HEADER_NAME.test(m?.groups?.['name'] ?? '')) return false;
  return !looksLikePlaceholder(v) && !mixedCaseHex(v) && !/^\$/.test(v) && shannonEntropy(v) >= 2.8 && /[0-9]/.test(v);
}

// --- assignments ---------------------------------------------------------------------------

/**
 * `name = value` where the name ends in a credential word. The value must look random (entropy
 * floor), not be a placeholder, a variable reference, a constant name or a dotted identifier.
 */
/**
 * The value is at most five runs split by `=` or `:` (base64 padding, user:password, a password with
 * `=` or `:` in it), written out flat so that no quantifier nests. Each split may start the next
 * assignment, so a value that ran on through any number of them let `password=password=…` (or
 * `a://a:…`) start a new 256-character match, and a failed validation, every few characters; with five
 * runs a character is validated at most about six times, whatever the input.
 */
const VALUE_RUN = `[^\\s"'\`,;()<>[\\]{}=:]{0,256}[=:]{0,3}`;
const ASSIGNMENT = new RegExp(
  `(?:^|[^A-Za-z0-9_.-])(?<name>[A-Za-z0-9_.-]{1,64})["']?[ \\t]{0,16}(?::=|=>|=|:)[ \\t]{0,16}["'\`]?(?=[^\\s"'\`,;()<>[\\]{}]{8})` +
    `(?<secret>[^\\s"'\`,;()<>[\\]{}=:]{1,256}[=:]{0,3}${VALUE_RUN.repeat(4)})`,
  'i',
);

/** The assignment's name must end in a credential word. */
const CREDENTIAL_NAME = /(?:password|passwd|pwd|secret|token|api[_-]?key|apikey|key|credentials?|auth)$/i;
const KEY_NAME_ALLOWED =
  /(?:^|[_.-])(?:api|secret|access|private|auth|encryption|signing|master|license|client|app|service|account)[_-]?key$|^(?:key|apikey)$/i;
const NAME_DENIED =
  /(?:public|pub|csrf|xsrf|cache|sort|primary|foreign|partition|lookup|hash|map|dict)[_.-]?(?:key|token)$|(?:^|[_.-])(?:no|is|has|use|with|enable|require)[_.-]/i;

/** Minimum entropy (bits/char) of a generic assignment value; tuned on the tuning split only. */
export const GENERIC_ENTROPY_FLOOR = 3.0;

function validAssignment(match: string): boolean {
  const m = ASSIGNMENT.exec(match);
  const name = m?.groups?.['name'] ?? '';
  const value = m?.groups?.['secret'] ?? '';
  const lname = name.toLowerCase();
  if (!CREDENTIAL_NAME.test(name)) return false;
  if (/key$/.test(lname) && !KEY_NAME_ALLOWED.test(name) && !/(?:api|secret|access|private)[_-]?key$/i.test(name))
    return false;
  if (NAME_DENIED.test(name)) return false;
  if (/(?:password|passwd|pwd|secret|credentials?)$/i.test(name)) {
    if (!strongCredential(value, 8)) return false;
  }
  if (looksLikePlaceholder(value) || mixedCaseHex(value) || /^[$%@&]/.test(value)) return false;
  if (/^[A-Z][A-Z0-9_]*[A-Z0-9]$/.test(value) && value.includes('_')) return false; // a constant / env-var name
  if (/^[a-z][a-z0-9._/-]*[a-z0-9]$/.test(value) && (value.match(/[._/-]/g)?.length ?? 0) >= 2) return false; // dotted identifier or path
  if (/^https?:\/\//i.test(value) || /^[./~]/.test(value)) return false;
  if (/^(?:true|false|null|none|undefined)$/i.test(value)) return false;
  const minLength = /(?:password|passwd|pwd)$/i.test(name) ? 8 : 12;
  if (value.length < minLength) return false;
  return shannonEntropy(value) >= GENERIC_ENTROPY_FLOOR;
}

// --- command-line credentials --------------------------------------------------------------

const CLI_USER = /(?:^|\s)(?:-u|--user)[ \t]{1,16}(?<secret>["']?[^\s"':]{0,128}["']?:["']?[^\s"']{0,128}["']?)/;

function validCliUser(match: string): boolean {
  const cred = secretPart(CLI_USER, match).replace(/["']/g, '');
  const i = cred.indexOf(':');
  if (i < 0) return false;
  const user = cred.slice(0, i);
  const pass = cred.slice(i + 1);
  if (/(?:^|:)\$|\$[{(]|\{\{|<|\[/.test(cred)) return false;
  return strongCredential(pass.length > 0 ? pass : user, 6);
}

// --- URL credentials -----------------------------------------------------------------------

const URL_CREDENTIALS =
  /\b[a-z][a-z0-9+.-]{1,20}:\/\/(?<user>[^\s:/@"'<>]{0,128}):(?<secret>[^\s/@"'<>]{3,256})@[A-Za-z0-9][A-Za-z0-9.-]{0,253}/i;

function validUrlCredentials(match: string): boolean {
  const pass = URL_CREDENTIALS.exec(match)?.groups?.['secret'] ?? '';
  if (looksLikePlaceholder(pass) || /^[$%]/.test(pass) || WEAK_CREDENTIAL_WORDS.has(pass.toLowerCase())) return false;
  return pass.length >= 4 && shannonEntropy(pass) >= 1.9;
}

// --- private keys --------------------------------------------------------------------------

/**
 * The body stops at the first `--` (the END line, or the next BEGIN): a body class that took `-` runs
 * ran on through any following header, so 1 MB of repeated BEGIN lines cost 16 KiB of matching and a
 * failed validation per line. Single hyphens stay (Proc-Type, DEK-Info, AES-128-CBC header lines).
 */
const PRIVATE_KEY =
  /-----BEGIN[ A-Z0-9]{0,30} PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\s:,.]|-(?!-)){20,16384}(?:-----END[ A-Z0-9]{0,30} PRIVATE KEY(?: BLOCK)?-----|)/;

function validPrivateKey(match: string): boolean {
  const body = match.replace(/^-----BEGIN[^\n]*?-----/, '').split('-----END')[0] ?? '';
  const payload = body
    .split(/\r?\n/)
    .filter((l) => !/^[A-Za-z-]+: /.test(l))
    .join('')
    .replace(/\s+/g, '');
  return /[A-Za-z0-9+/]{40,}/.test(payload) && shannonEntropy(payload) >= 4;
}

/** The last dash-separated segment of a Slack token is random text with at least one letter. */
function validSlackToken(match: string): boolean {
  const last = match.slice(match.lastIndexOf('-') + 1);
  return last.length >= 8 && /[A-Za-z]/.test(last) && !looksLikePlaceholder(last) && shannonEntropy(last) >= 2.5;
}

// --- the library ---------------------------------------------------------------------------

/**
 * Prefix formats take one side glued and not both: `\bPREFIX…` (nothing glued before, any character may
 * follow the documented length) or `PREFIX…` ending at a non-token character (glued before, clean after).
 * One attached character (`xAKIA…`, `…AKIA…x`, `ghp_…_`) no longer hides a key; a prefix glued inside a
 * longer identifier on both sides (`…rhf_SponsoredProducts…`) is an identifier, as before.
 * Bodies that could contain their own prefix stop before it (a negative lookahead per character), so
 * a repeated prefix cannot start a new long match inside the last one.
 */
const RE = {
  awsKeyId:
    /\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}|(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16}(?![A-Za-z0-9])/,
  awsSecret:
    /(?:^|[^A-Za-z0-9])aws[_.-]?secret[_.-]?(?:access[_.-]|access)?key["']?[ \t]{0,16}(?::=|=>|=|:)[ \t]{0,16}["']?(?<secret>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/i,
  githubToken: /\bgh[pousr]_[A-Za-z0-9]{36,251}|gh[pousr]_[A-Za-z0-9]{36,251}(?![A-Za-z0-9])/,
  githubFineGrained:
    /\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}|github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}(?![A-Za-z0-9])/,
  gitlabToken:
    /\bgl(?:pat|ptt|rt|dt|ft|cbt|oas|imt|soat|ffct|agent)-(?:(?!gl(?:pat|ptt|rt|dt|ft|cbt|oas|imt|soat|ffct|agent)-)[A-Za-z0-9_.-]){20,80}|gl(?:pat|ptt|rt|dt|ft|cbt|oas|imt|soat|ffct|agent)-(?:(?!gl(?:pat|ptt|rt|dt|ft|cbt|oas|imt|soat|ffct|agent)-)[A-Za-z0-9_.-]){20,80}(?![A-Za-z0-9_.-])/,
  gitlabRunnerRegistration: /\bGR1348941[A-Za-z0-9_-]{20}\b/,
  slackToken:
    /\bxox[abposr]-(?:[0-9]-|[0-9][0-9]-)?[0-9]{8,14}-(?:(?!xox[abposr]-)[A-Za-z0-9-]){8,120}|xox[abposr]-(?:[0-9]-|[0-9][0-9]-)?[0-9]{8,14}-(?:(?!xox[abposr]-)[A-Za-z0-9-]){8,120}(?![A-Za-z0-9-])/,
  slackConfigToken:
    /\bxoxe(?:\.xox[bp])?-[0-9]-[A-Za-z0-9]{64,400}|xoxe(?:\.xox[bp])?-[0-9]-[A-Za-z0-9]{64,400}(?![A-Za-z0-9])/,
  slackAppToken:
    /\bxapp-[0-9]-[A-Z0-9]{9,15}-[0-9]{8,15}-[a-z0-9]{32,80}|xapp-[0-9]-[A-Z0-9]{9,15}-[0-9]{8,15}-[a-z0-9]{32,80}(?![A-Za-z0-9])/,
  slackWebhook:
    /\bhttps?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9]{8,14}\/[A-Za-z0-9]{8,14}\/[A-Za-z0-9/]{16,64}/,
  stripeSecret:
    /\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,247}|(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,247}(?![A-Za-z0-9])/,
  stripeWebhookSecret: /\bwhsec_[A-Za-z0-9+/=]{32,128}|whsec_[A-Za-z0-9+/=]{32,128}(?![A-Za-z0-9+/=])/,
  openaiKey:
    /\bsk-(?:(?:proj|svcacct|admin)-)?(?:(?!sk-)[A-Za-z0-9_-]){16,180}T3BlbkFJ[A-Za-z0-9_-]{16,180}|sk-(?:(?:proj|svcacct|admin)-)?(?:(?!sk-)[A-Za-z0-9_-]){16,180}T3BlbkFJ[A-Za-z0-9_-]{16,180}(?![A-Za-z0-9_-])/,
  openaiProjectKey:
    /\bsk-(?:proj|svcacct|admin)-(?:(?!sk-(?:proj|svcacct|admin)-)[A-Za-z0-9_-]){80,250}|sk-(?:proj|svcacct|admin)-(?:(?!sk-(?:proj|svcacct|admin)-)[A-Za-z0-9_-]){80,250}(?![A-Za-z0-9_-])/,
  anthropicKey:
    /\bsk-ant-(?:api|admin|oat|sid)[0-9]{2}-[A-Za-z0-9_-]{80,110}AA|sk-ant-(?:api|admin|oat|sid)[0-9]{2}-[A-Za-z0-9_-]{80,110}AA(?![A-Za-z0-9_-])/,
  googleApiKey: /\bAIza[0-9A-Za-z_-]{35}|AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/,
  jwt: /(?:^|[^A-Za-z0-9_-])(?<secret>[A-Za-z0-9_-]{8,2048}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{16,1024})/,
  npmToken: /\bnpm_[A-Za-z0-9]{36}|npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])/,
  twilioApiKey: /\bSK[0-9a-fA-F]{32}\b/,
  sendgridKey: /\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/,
  azureClientSecret:
    /(?:^|[^A-Za-z0-9_~.-])(?<secret>[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/,
  facebookPageToken: /\bEAA[A-Za-z0-9]{90,400}/,
  facebookAppToken: /\b[0-9]{15,16}\|[A-Za-z0-9_-]{27}(?![A-Za-z0-9_-])/,
  hashicorpVault: /\bhvs\.[A-Za-z0-9_-]{90,200}|hvs\.[A-Za-z0-9_-]{90,200}(?![A-Za-z0-9_-])/,
  hashicorpVaultLegacy: /\bs\.[A-Za-z0-9]{24}\b/,
  onePasswordServiceAccount: /\bops_eyJ[A-Za-z0-9+/]{250,4096}={0,3}/,
  ageSecretKey:
    /\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}|AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}(?![A-Za-z0-9])/,
  // Strict on both sides: relaxed, it cost held-out precision below the 0.95 goal (eval/results/secrets.md).
  notionToken: /\bntn_[0-9]{11}[A-Za-z0-9]{35}\b/,
  perplexityKey: /\bpplx-[A-Za-z0-9]{48}|pplx-[A-Za-z0-9]{48}(?![A-Za-z0-9])/,
  // Strict on both sides: `hf_` ends identifiers (`…rhf_SponsoredProducts…`, a tuning row of the eval).
  huggingfaceToken: /\bhf_[A-Za-z0-9]{34,40}\b/,
  atlassianToken:
    /\bATATT3(?:(?!ATATT3)[A-Za-z0-9_=-]){150,250}|ATATT3(?:(?!ATATT3)[A-Za-z0-9_=-]){150,250}(?![A-Za-z0-9_=-])/,
  sourcegraphToken: /\bsgp_(?:local_)?[a-fA-F0-9]{40}\b/,
  sourcegraphInstanceToken: /\bsgp_[a-fA-F0-9]{16}_[a-fA-F0-9]{40}\b/,
  cloudflareOriginCa: /\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b/,
  intra42Secret: /\bs-s4t2(?:ud|af)-[a-f0-9]{64}\b/,
  octopusApiKey: /\bAPI-[A-Z0-9]{26}\b/,
  gcpServiceAccount: /"type"[ \t]{0,16}:[ \t]{0,16}"service_account"/,
  mailchimpKey: /\b[0-9a-f]{32}-us[0-9]{1,2}\b/,
  databricksToken: /\bdapi[0-9a-f]{32}(?:-[0-9])?|dapi[0-9a-f]{32}(?:-[0-9])?(?![A-Za-z0-9])/,
  bedrockLongTermKey: /\bABSK(?:(?!ABSK)[A-Za-z0-9+/]){60,600}={0,2}/,
};

export const SECRET_FORMATS: readonly PatternDef[] = [
  def({
    id: 'secret.aws_access_key_id',
    literals: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.awsKeyId,
    description: 'AWS access key id (AKIA/ASIA… + 16 base32 characters)',
    validate: randomLooking(RE.awsKeyId, 2.8),
  }),
  def({
    id: 'secret.aws_secret_access_key',
    literals: ['secret'],
    literalCase: 'insensitive',
    reachBefore: 5,
    severity: 'critical',
    regex: RE.awsSecret,
    description: 'AWS secret access key (40 characters) assigned to an aws_secret_access_key name',
    validate: randomLooking(RE.awsSecret, 3.5),
  }),
  def({
    id: 'secret.github_token',
    literals: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.githubToken,
    description: 'GitHub classic token (ghp_, gho_, ghu_, ghs_, ghr_)',
    validate: randomLooking(RE.githubToken, 3.0),
  }),
  def({
    id: 'secret.github_fine_grained_pat',
    literals: ['github_pat_'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.githubFineGrained,
    description: 'GitHub fine-grained personal access token (github_pat_)',
    validate: randomLooking(RE.githubFineGrained, 3.0),
  }),
  def({
    id: 'secret.gitlab_token',
    literals: [
      'glpat-',
      'glptt-',
      'glrt-',
      'gldt-',
      'glft-',
      'glcbt-',
      'gloas-',
      'glimt-',
      'glsoat-',
      'glffct-',
      'glagent-',
    ],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.gitlabToken,
    description: 'GitLab token (glpat-, glptt-, glrt-, gldt-, …)',
    validate: randomLooking(RE.gitlabToken, 3.0),
  }),
  def({
    id: 'secret.gitlab_runner_registration',
    literals: ['GR1348941'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.gitlabRunnerRegistration,
    description: 'GitLab runner registration token (GR1348941…)',
    validate: randomLooking(RE.gitlabRunnerRegistration, 3.0),
  }),
  def({
    id: 'secret.slack_token',
    literals: ['xox'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.slackToken,
    description: 'Slack bot/user/workspace token (xoxb-, xoxp-, xoxa-, …)',
    validate: validSlackToken,
  }),
  def({
    id: 'secret.slack_config_token',
    literals: ['xoxe'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.slackConfigToken,
    description: 'Slack app configuration access/refresh token (xoxe.)',
    validate: randomLooking(RE.slackConfigToken, 3.5),
  }),
  def({
    id: 'secret.slack_app_token',
    literals: ['xapp-'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.slackAppToken,
    description: 'Slack app-level token (xapp-)',
    validate: randomLooking(RE.slackAppToken, 3.0),
  }),
  def({
    id: 'secret.slack_webhook_url',
    literals: ['hooks.slack.com/'],
    literalCase: 'sensitive',
    reachBefore: 9,
    severity: 'critical',
    regex: RE.slackWebhook,
    description: 'Slack incoming webhook / workflow URL',
  }),
  def({
    id: 'secret.stripe_secret_key',
    literals: ['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.stripeSecret,
    description: 'Stripe secret or restricted key (sk_live_, rk_live_, sk_test_)',
    validate: randomLooking(RE.stripeSecret, 3.0),
  }),
  def({
    id: 'secret.stripe_webhook_secret',
    literals: ['whsec_'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.stripeWebhookSecret,
    description: 'Stripe webhook signing secret (whsec_)',
    validate: randomLooking(RE.stripeWebhookSecret, 3.0),
  }),
  def({
    id: 'secret.openai_api_key',
    literals: ['T3BlbkFJ'],
    literalCase: 'sensitive',
    severity: 'critical',
    regex: RE.openaiKey,
    description: 'OpenAI API key (sk-…T3BlbkFJ…)',
  }),
  def({
    id: 'secret.openai_project_key',
    literals: ['sk-proj-', 'sk-svcacct-', 'sk-admin-'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.openaiProjectKey,
    description: 'OpenAI project / service-account / admin key (sk-proj-, sk-svcacct-, sk-admin-)',
    validate: randomLooking(RE.openaiProjectKey, 3.5),
  }),
  def({
    id: 'secret.anthropic_api_key',
    literals: ['sk-ant-'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.anthropicKey,
    description: 'Anthropic API or admin key (sk-ant-api03-…AA, sk-ant-admin01-…AA)',
    validate: randomLooking(RE.anthropicKey, 3.0),
  }),
  // Google API keys are often public by design (Firebase, Maps JS keys restricted by referrer): audit, don't redact.
  def({
    id: 'secret.google_api_key',
    literals: ['AIza'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'warning',
    regex: RE.googleApiKey,
    description: 'Google API key (AIza + 35 characters); frequently public by design',
    validate: randomLooking(RE.googleApiKey, 3.5),
  }),
  def({
    id: 'secret.jwt',
    literals: ['.eyJ'],
    literalCase: 'sensitive',
    severity: 'critical',
    regex: RE.jwt,
    description: 'JSON Web Token whose header decodes to JSON with an alg',
    validate: validJwt,
  }),
  def({
    id: 'secret.http_authorization',
    literals: ['authorization'],
    literalCase: 'insensitive',
    reachBefore: 0,
    afterLiteral: /[\"']?[ \t]{0,16}[:=]/,
    severity: 'critical',
    regex: AUTH_HEADER,
    description: 'Authorization header credential (Bearer, Basic with user:password, Token, bare)',
    validate: validAuthHeader,
  }),
  def({
    id: 'secret.http_api_key_header',
    literals: ['key', 'token'],
    literalCase: 'insensitive',
    reachBefore: 42,
    afterLiteral: /[\"']?[ \t]{0,16}:[ \t]/,
    severity: 'critical',
    regex: API_KEY_HEADER,
    description: 'API key or token header (apikey:, X-…-ApiKey:, Token:, Private-Token:)',
    validate: validApiKeyHeader,
  }),
  def({
    id: 'secret.private_key',
    literals: ['-----BEGIN'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: PRIVATE_KEY,
    description: 'PEM / OpenSSH / PGP private key block with a key body',
    validate: validPrivateKey,
  }),
  def({
    id: 'secret.url_credentials',
    literals: ['://'],
    literalCase: 'sensitive',
    reachBefore: 21,
    afterLiteral: /[^\s:/@\"'<>]{0,128}:/,
    severity: 'critical',
    regex: URL_CREDENTIALS,
    description: 'URL with user:password (database connection strings, package registries, webhooks)',
    validate: validUrlCredentials,
  }),
  def({
    id: 'secret.cli_user_password',
    literals: ['-u'],
    literalCase: 'sensitive',
    reachBefore: 2,
    afterLiteral: /(?:ser)?[ \t]/,
    severity: 'critical',
    regex: CLI_USER,
    description: 'user:password given to -u/--user on a command line (curl, …)',
    validate: validCliUser,
  }),
  def({
    id: 'secret.npm_token',
    literals: ['npm_'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.npmToken,
    description: 'npm access token (npm_ + 36)',
    validate: randomLooking(RE.npmToken, 3.0),
  }),
  def({
    id: 'secret.twilio_api_key_sid',
    literals: ['SK'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'warning',
    regex: RE.twilioApiKey,
    description: 'Twilio API key SID (SK + 32 hex); an identifier paired with a secret',
    validate: randomLooking(RE.twilioApiKey, 3.0),
  }),
  def({
    id: 'secret.sendgrid_api_key',
    literals: ['SG.'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.sendgridKey,
    description: 'SendGrid API key (SG.<22>.<43>)',
    validate: randomLooking(RE.sendgridKey, 3.0),
  }),
  def({
    id: 'secret.azure_ad_client_secret',
    literals: ['Q~'],
    literalCase: 'sensitive',
    reachBefore: 5,
    severity: 'critical',
    regex: RE.azureClientSecret,
    description: 'Microsoft Entra ID (Azure AD) client secret (xxxNQ~…)',
    validate: randomLooking(RE.azureClientSecret, 3.5),
  }),
  def({
    id: 'secret.facebook_access_token',
    literals: ['EAA'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.facebookPageToken,
    description: 'Facebook / Meta access token (EAA…)',
    validate: randomLooking(RE.facebookPageToken, 4.0),
  }),
  def({
    id: 'secret.facebook_app_token',
    literals: ['|'],
    literalCase: 'sensitive',
    reachBefore: 17,
    severity: 'critical',
    regex: RE.facebookAppToken,
    description: 'Facebook app access token (app id|app secret)',
    validate: randomLooking(RE.facebookAppToken, 3.5),
  }),
  def({
    id: 'secret.hashicorp_vault_token',
    literals: ['hvs.'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.hashicorpVault,
    description: 'HashiCorp Vault service token (hvs.)',
    validate: randomLooking(RE.hashicorpVault, 3.5),
  }),
  def({
    id: 'secret.hashicorp_vault_legacy_token',
    literals: ['s.'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.hashicorpVaultLegacy,
    description: 'HashiCorp Vault legacy service token (s. + 24, mixed case and digits)',
    validate: (m) =>
      /[a-z]/.test(m) && /[A-Z]/.test(m.slice(2)) && /[0-9]/.test(m) && randomLooking(RE.hashicorpVaultLegacy, 3.5)(m),
  }),
  def({
    id: 'secret.1password_service_account',
    literals: ['ops_eyJ'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.onePasswordServiceAccount,
    description: '1Password service-account token (ops_eyJ…)',
    validate: randomLooking(RE.onePasswordServiceAccount, 4.0),
  }),
  def({
    id: 'secret.age_secret_key',
    literals: ['AGE-SECRET-KEY-1'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.ageSecretKey,
    description: 'age encryption secret key (AGE-SECRET-KEY-1 + bech32)',
  }),
  def({
    id: 'secret.notion_token',
    literals: ['ntn_'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.notionToken,
    description: 'Notion integration token (ntn_)',
    validate: randomLooking(RE.notionToken, 3.5),
  }),
  def({
    id: 'secret.perplexity_api_key',
    literals: ['pplx-'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.perplexityKey,
    description: 'Perplexity API key (pplx-)',
    validate: randomLooking(RE.perplexityKey, 3.5),
  }),
  def({
    id: 'secret.huggingface_token',
    literals: ['hf_'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.huggingfaceToken,
    description: 'Hugging Face access token (hf_)',
    validate: (m) => /[A-Z]/.test(m) && /[a-z]/.test(m.slice(3)) && randomLooking(RE.huggingfaceToken, 3.5)(m),
  }),
  def({
    id: 'secret.atlassian_api_token',
    literals: ['ATATT3'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.atlassianToken,
    description: 'Atlassian API token (ATATT3…)',
    validate: randomLooking(RE.atlassianToken, 4.0),
  }),
  def({
    id: 'secret.sourcegraph_token',
    literals: ['sgp_'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.sourcegraphToken,
    description: 'Sourcegraph access token (sgp_)',
    validate: randomLooking(RE.sourcegraphToken, 3.3),
  }),
  def({
    id: 'secret.sourcegraph_instance_token',
    literals: ['sgp_'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.sourcegraphInstanceToken,
    description: 'Sourcegraph instance-bound access token (sgp_<instance>_…)',
    validate: randomLooking(RE.sourcegraphInstanceToken, 3.3),
  }),
  def({
    id: 'secret.cloudflare_origin_ca_key',
    literals: ['v1.0-'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.cloudflareOriginCa,
    description: 'Cloudflare Origin CA key (v1.0-…)',
  }),
  def({
    id: 'secret.intra42_client_secret',
    literals: ['s-s4t2'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.intra42Secret,
    description: '42 intra OAuth client secret (s-s4t2ud-, s-s4t2af-)',
  }),
  def({
    id: 'secret.octopus_deploy_api_key',
    literals: ['API-'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.octopusApiKey,
    description: 'Octopus Deploy API key (API- + 26)',
    validate: (m) => /[0-9]/.test(m.slice(4)) && randomLooking(RE.octopusApiKey, 3.5)(m),
  }),
  def({
    id: 'secret.mailchimp_api_key',
    literals: ['-us'],
    literalCase: 'sensitive',
    reachBefore: 33,
    severity: 'critical',
    regex: RE.mailchimpKey,
    description: 'Mailchimp Marketing API key (32 hex + -us<data centre>)',
    validate: randomLooking(RE.mailchimpKey, 3.0),
  }),
  def({
    id: 'secret.databricks_token',
    literals: ['dapi'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.databricksToken,
    description: 'Databricks personal access token (dapi + 32 hex)',
    validate: randomLooking(RE.databricksToken, 3.0),
  }),
  def({
    id: 'secret.aws_bedrock_api_key',
    literals: ['ABSK'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.bedrockLongTermKey,
    description: 'Amazon Bedrock long-term API key (ABSK + base64)',
    validate: randomLooking(RE.bedrockLongTermKey, 4.0),
  }),
  def({
    id: 'secret.gcp_service_account_marker',
    literals: ['"service_account"'],
    literalCase: 'sensitive',
    reachBefore: 40,
    severity: 'warning',
    regex: RE.gcpServiceAccount,
    description: 'Google service-account JSON marker (a private key is usually nearby)',
  }),
  def({
    id: 'secret.generic_assignment',
    literals: ['passw', 'pwd', 'secret', 'token', 'key', 'credential', 'auth'],
    literalCase: 'insensitive',
    reachBefore: 66,
    afterLiteral: /[A-Za-z]{0,3}[\"']?[ \t]{0,16}[:=]/,
    severity: 'critical',
    regex: ASSIGNMENT,
    description:
      'password/secret/token/api key assignment with a random-looking value (entropy floor, no placeholders)',
    validate: validAssignment,
  }),
];

/** The formats whose findings are redacted before delivery. */
export const CRITICAL_SECRET_FORMAT_IDS: ReadonlySet<string> = new Set(
  SECRET_FORMATS.filter((f) => f.severity === 'critical').map((f) => f.id),
);
