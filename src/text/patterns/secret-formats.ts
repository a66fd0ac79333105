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

import { looksLikePlaceholder, mixedCaseHex, shannonEntropy } from './secret-checks.js';
import { SIGNATURE_FORMATS } from './secret-signatures.js';
import { VENDOR_FORMATS } from './secret-vendors.js';

export { looksLikePlaceholder, mixedCaseHex, shannonEntropy } from './secret-checks.js';

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
  readonly vendor: string;
  readonly source?: string;
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
    vendor: spec.vendor,
    ...(spec.source ? { source: spec.source } : {}),
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
 * The example token of the jwt.io debugger and of countless tutorials (subject "1234567890", issued at
 * 1516239022): a value printed in public documentation authenticates nobody.
 */
function isDocumentationSampleJwt(payload: Record<string, unknown>): boolean {
  return payload['sub'] === '1234567890' && payload['iat'] === 1516239022;
}

/** A value that is the documentation sample JWT (a header, an assignment or a bare token carrying it). */
function isSampleJwtValue(value: string): boolean {
  const payload = value.split('.')[1];
  if (payload === undefined || !payload.startsWith('eyJ')) return false;
  const claims = jsonObject(base64UrlDecode(payload));
  return claims !== undefined && isDocumentationSampleJwt(claims);
}

/**
 * A JWT's header must decode to a JSON object with an `alg` member, and its payload to a JSON object
 * with at least one claim that identifies a principal, an audience, a lifetime or a permission: a
 * signed blob of other data (`{"confidence":0.8}`) authenticates nobody.
 */
function validJwt(match: string): boolean {
  const [h, p] = match.replace(/^[^A-Za-z0-9_-]/, '').split('.');
  const payload = jsonObject(base64UrlDecode(p ?? ''));
  if (payload === undefined || !Object.keys(payload).some((k) => CREDENTIAL_CLAIM.test(k))) return false;
  if (isDocumentationSampleJwt(payload)) return false;
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
  // "password" in the languages a document is likely to use as a stand-in.
  'passwort',
  'kennwort',
  'contraseña',
  'contrasena',
  'motdepasse',
  'mot_de_passe',
  'senha',
  'parola',
  'wachtwoord',
  'lösenord',
  'hasło',
  'haslo',
  'пароль',
  '密码',
  'パスワード',
  '비밀번호',
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

/**
 * The value's class holds `:` and `@` (Basic user:password), so it would run on into a header glued after it
 * (`Bearer X.Authorization: Bearer Y`, or with nothing between them) and take the second header's name as part
 * of the first value: the value stops where a credential header's name begins (the names other than
 * Authorization with a space after their colon, so a Basic `apikey:password` keeps its user name). A header
 * glued to what precedes it, with no word boundary before its name, is taken only with a scheme
 * (`…XAuthorization: Bearer Y`): `requiresAuthorization: someRoleName` is no header.
 */
const AUTH_SCHEMES = 'Bearer|Basic|Token|Api-Token|Bot|Digest|Negotiate|SSWS|GenieKey';
const GLUED_HEADER = String.raw`Proxy-Authorization["' \t:=]|Authorization["' \t:=]|Set-Cookie:[ \t]|Cookie:[ \t]|X-Api-Key:[ \t]|Api-Key:[ \t]|ApiKey:[ \t]|X-Auth-Token:[ \t]|Private-Token:[ \t]`;
const AUTH_HEADER = new RegExp(
  String.raw`(?:\b|(?<=[A-Za-z0-9._~+/=@:-])(?=Authorization["']?[ \t]{0,16}[:=][ \t]{0,16}["']?(?:${AUTH_SCHEMES})[ \t]))Authorization["']?[ \t]{0,16}[:=][ \t]{0,16}["']?(?:(?<scheme>${AUTH_SCHEMES})[ \t])?[ \t]{0,16}(?<secret>(?:(?!${GLUED_HEADER})[A-Za-z0-9._~+/=@:-]){8,4096})`,
  'i',
);

function validAuthHeader(match: string): boolean {
  const m = AUTH_HEADER.exec(match);
  const scheme = m?.groups?.['scheme']?.toLowerCase();
  const value = m?.groups?.['secret'] ?? '';
  if (looksLikePlaceholder(value) || /^\$/.test(value)) return false;
  if (scheme === 'basic') return validBasic(value);
  if (scheme === undefined && /^(?:bearer|basic|token|digest)$/i.test(value)) return false;
  if (isSampleJwtValue(value)) return false;
  return shannonEntropy(value) >= 2.8;
}

const API_KEY_HEADER =
  /(?:^|[^A-Za-z0-9_-])(?<name>[A-Za-z][A-Za-z0-9-]{1,40})["']?[ \t]{0,16}:[ \t]{1,16}["']?(?<secret>[A-Za-z0-9._~+/=-]{8,512})/i;

const API_KEY_HEADER_NAME = /(?:api-?key|api-?token|auth-?token|access-?token|private-token|token)$/i;

function validApiKeyHeader(match: string): boolean {
  const m = API_KEY_HEADER.exec(match);
  const v = m?.groups?.['secret'] ?? '';
  if (!API_KEY_HEADER_NAME.test(m?.groups?.['name'] ?? '')) return false;
  if (isSampleJwtValue(v)) return false;
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
    `(?<secret>[^\\s"'\`,;()<>[\\]{}=:]{1,256}[=:]{0,3}${VALUE_RUN.repeat(4)})(?<call>\\()?`,
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
  // In a query string the next `&name=` starts another parameter.
  const value = (m?.groups?.['secret'] ?? '').replace(/&[A-Za-z_][A-Za-z0-9_.-]*=[\s\S]*$/, '');
  const lname = name.toLowerCase();
  if (!CREDENTIAL_NAME.test(name)) return false;
  // `auth=HTTPDigestAuth(…)`, `pwd = make_password(…)`: the value is a function being called.
  if (m?.groups?.['call']) return false;
  // `key: bucketInfo.getKeys`: a chain of member names is code, not a credential.
  const members = value.split('.');
  if (members.length >= 2 && members.every((p) => /^[A-Za-z_$]+[0-9]{0,2}$/.test(p))) return false;
  // `plain_pwd = 'plaintext_password'`: a value that names what it stands for is a stand-in.
  if (/(?:^|[_-])(?:password|passwd|secret|token)(?:$|[_-])/i.test(value)) return false;
  if (/key$/.test(lname) && !KEY_NAME_ALLOWED.test(name) && !/(?:api|secret|access|private)[_-]?key$/i.test(name))
    return false;
  if (NAME_DENIED.test(name)) return false;
  if (/(?:password|passwd|pwd|secret|credentials?)$/i.test(name)) {
    if (!strongCredential(value, 8)) return false;
  }
  if (looksLikePlaceholder(value) || mixedCaseHex(value) || /^[$%@&]/.test(value)) return false;
  if (isSampleJwtValue(value)) return false;
  if (/^[A-Z][A-Z0-9_]*[A-Z0-9]$/.test(value) && value.includes('_')) return false; // a constant / env-var name
  if (/^[a-z][a-z0-9._/-]*[a-z0-9]$/.test(value) && (value.match(/[._/-]/g)?.length ?? 0) >= 2) return false; // dotted identifier or path
  if (/^https?:\/\//i.test(value) || /^[./~]/.test(value)) return false;
  if (/^(?:true|false|null|none|undefined)$/i.test(value)) return false;
  // `token:tok_…` is how audit lines name a caller: a token's public id, never its secret (which is `bwk_…`).
  if (/^tok_[0-9a-f]{24}$/.test(value)) return false;
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

/**
 * Passwords that server images and quick-start guides ship as the default (RabbitMQ's guest, the sample
 * `requirepass foobared` of redis.conf, the official database images' own names): in a URL they configure a
 * local development service, not a secret anyone issued.
 */
const DEFAULT_PASSWORDS = new Set(['guest', 'foobared', 'postgres', 'root', 'mysql', 'redis', 'rabbitmq', 'default']);

function validUrlCredentials(match: string): boolean {
  const m = URL_CREDENTIALS.exec(match);
  const pass = m?.groups?.['secret'] ?? '';
  const lower = pass.toLowerCase();
  if (looksLikePlaceholder(pass) || /^[$%]/.test(pass) || WEAK_CREDENTIAL_WORDS.has(lower)) return false;
  // `postgres:postgres`, `guest:guest`, `admin:admin`: the user name repeated is a default, not a secret.
  if (DEFAULT_PASSWORDS.has(lower) || lower === (m?.groups?.['user'] ?? '').toLowerCase()) return false;
  return pass.length >= 4 && shannonEntropy(pass) >= 1.9;
}

// --- private keys --------------------------------------------------------------------------

/**
 * The body stops at the first `--` (the END line, or the next BEGIN): a body class that took `-` runs
 * ran on through any following header, so 1 MB of repeated BEGIN lines cost 16 KiB of matching and a
 * failed validation per line. Single hyphens stay (Proc-Type, DEK-Info, AES-128-CBC header lines).
 */
/**
 * A backslash is part of the body: a key whose newlines were escaped twice (JSON inside a JSON string)
 * still reads `\\n` after the view has decoded one level.
 */
/**
 * Quotes are part of the body too: a key written as adjacent string literals, one per line (Python's
 * `("-----BEGIN…\n"` / `"MIIE…\n"` …, or JavaScript's `"…" +`), reads as lines wrapped in quotes.
 */
const PRIVATE_KEY =
  /-----BEGIN[ A-Z0-9]{0,30} PRIVATE KEY(?: BLOCK)?-----(?:[A-Za-z0-9+/=\s:,.\\"']|-(?!-)){20,16384}(?:-----END[ A-Z0-9]{0,30} PRIVATE KEY(?: BLOCK)?-----|)/;

/** PuTTY's own key file: the private half follows `Private-Lines: N` as base64 lines. */
const PUTTY_KEY =
  /PuTTY-User-Key-File-[23]: [\s\S]{0,6000}?Private-Lines: [0-9]{1,3}\r?\n(?<secret>[A-Za-z0-9+/=\r\n]{40,8192})/;

/** An Azure Storage account key (64 bytes, base64) in a connection string or config. */
const AZURE_ACCOUNT_KEY = /\bAccountKey=(?<secret>[A-Za-z0-9+/]{86}==)/i;
/** Service Bus, Event Hubs, IoT Hub: a 256-bit key (base64, 44 characters) after SharedAccessKey=. */
const AZURE_SHARED_ACCESS_KEY = /\bSharedAccessKey=(?<secret>[A-Za-z0-9+/]{42,43}=)/i;
/** An Azure SAS token's signature: an HMAC-SHA256 (32 bytes) in base64, usually percent-encoded. */
const AZURE_SAS_SIGNATURE = /[?&;]sig=(?<secret>(?:[A-Za-z0-9+/]|%2[bBfF]){43,60}(?:=|%3[dD]){0,2})/;

function validSasSignature(match: string): boolean {
  const m = AZURE_SAS_SIGNATURE.exec(match);
  const v = decodeURIComponent(m?.groups?.['secret'] ?? '');
  return Buffer.from(v, 'base64').length === 32 && shannonEntropy(v) >= 4;
}

const TELEGRAM_BOT_TOKEN = /\b(?<secret>[0-9]{8,10}:[A-Za-z0-9_-]{35})(?![A-Za-z0-9_-])/;

function validTelegramToken(match: string): boolean {
  const secret = match.slice(match.indexOf(':') + 1);
  return /[A-Z]/.test(secret) && /[a-z]/.test(secret) && /[0-9]/.test(secret) && shannonEntropy(secret) >= 3.5;
}

const DISCORD_WEBHOOK =
  /\bhttps:\/\/(?:ptb\.|canary\.)?discord(?:app)?\.com\/api\/webhooks\/[0-9]{17,20}\/[A-Za-z0-9_-]{60,80}/;
const TEAMS_WEBHOOK =
  /\bhttps:\/\/[A-Za-z0-9-]{1,64}\.webhook\.office\.com\/webhookb2\/[0-9a-f-]{36}@[0-9a-f-]{36}\/IncomingWebhook\/[0-9a-f]{32}\/[0-9a-f-]{36}/;

function validPrivateKey(match: string): boolean {
  const body = match.replace(/^-----BEGIN[^\n]*?-----/, '').split('-----END')[0] ?? '';
  const payload = body
    .split(/\r?\n/)
    .map((l) => l.replace(/["'+]*\s*$|^\s*["']+/g, ''))
    .filter((l) => !/^[A-Za-z-]+: /.test(l))
    .join('')
    .replace(/[\s"']+/g, '');
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
  slackToken:
    /\bxox[abposr]-(?:[0-9]-|[0-9][0-9]-)?[0-9]{8,14}-(?:(?!xox[abposr]-)[A-Za-z0-9-]){8,120}|xox[abposr]-(?:[0-9]-|[0-9][0-9]-)?[0-9]{8,14}-(?:(?!xox[abposr]-)[A-Za-z0-9-]){8,120}(?![A-Za-z0-9-])/,
  slackWebhook:
    /\bhttps?:\/\/hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9]{8,14}\/[A-Za-z0-9]{8,14}\/[A-Za-z0-9/]{16,64}/,
  openaiKey:
    /\bsk-(?:(?:proj|svcacct|admin)-)?(?:(?!sk-)[A-Za-z0-9_-]){16,180}T3BlbkFJ[A-Za-z0-9_-]{16,180}|sk-(?:(?:proj|svcacct|admin)-)?(?:(?!sk-)[A-Za-z0-9_-]){16,180}T3BlbkFJ[A-Za-z0-9_-]{16,180}(?![A-Za-z0-9_-])/,
  jwt: /(?:^|[^A-Za-z0-9_-])(?<secret>[A-Za-z0-9_-]{8,2048}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{16,1024})/,
  azureClientSecret:
    /(?:^|[^A-Za-z0-9_~.-])(?<secret>[A-Za-z0-9_~.-]{3}[0-9]Q~[A-Za-z0-9_~.-]{31,34})(?![A-Za-z0-9_~.-])/,
  facebookPageToken: /\bEAA[A-Za-z0-9]{90,400}/,
  facebookAppToken: /\b[0-9]{15,16}\|[A-Za-z0-9_-]{27}(?![A-Za-z0-9_-])/,
  hashicorpVaultLegacy: /\bs\.[A-Za-z0-9]{24}\b/,
  intra42Secret: /\bs-s4t2(?:ud|af)-[a-f0-9]{64}\b/,
  gcpServiceAccount: /"type"[ \t]{0,16}:[ \t]{0,16}"service_account"/,
  mailchimpKey: /\b[0-9a-f]{32}-us[0-9]{1,2}\b/,
};

const CONTEXT_FORMATS: readonly PatternDef[] = [
  def({
    id: 'secret.aws_access_key_id',
    vendor: 'Amazon Web Services',
    source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids',
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
    vendor: 'Amazon Web Services',
    source: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_access-keys.html',
    literals: ['secret'],
    literalCase: 'insensitive',
    reachBefore: 5,
    severity: 'critical',
    regex: RE.awsSecret,
    description: 'AWS secret access key (40 characters) assigned to an aws_secret_access_key name',
    validate: randomLooking(RE.awsSecret, 3.5),
  }),
  def({
    id: 'secret.slack_token',
    vendor: 'Slack',
    source: 'https://docs.slack.dev/authentication/tokens',
    literals: ['xox'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.slackToken,
    description: 'Slack bot/user/workspace token (xoxb-, xoxp-, xoxa-, …)',
    validate: validSlackToken,
  }),
  def({
    id: 'secret.slack_webhook_url',
    vendor: 'Slack',
    source: 'https://docs.slack.dev/messaging/sending-messages-using-incoming-webhooks',
    literals: ['hooks.slack.com/'],
    literalCase: 'sensitive',
    reachBefore: 9,
    severity: 'critical',
    regex: RE.slackWebhook,
    description: 'Slack incoming webhook / workflow URL',
  }),
  def({
    id: 'secret.openai_api_key',
    vendor: 'OpenAI',
    source: 'https://platform.openai.com/docs/api-reference/authentication',
    literals: ['T3BlbkFJ'],
    literalCase: 'sensitive',
    severity: 'critical',
    regex: RE.openaiKey,
    description: 'OpenAI API key (sk-…T3BlbkFJ…)',
  }),
  def({
    id: 'secret.jwt',
    vendor: 'IETF',
    source: 'https://www.rfc-editor.org/rfc/rfc7519',
    literals: ['.eyJ'],
    literalCase: 'sensitive',
    severity: 'critical',
    regex: RE.jwt,
    description: 'JSON Web Token whose header decodes to JSON with an alg',
    validate: validJwt,
  }),
  def({
    id: 'secret.http_authorization',
    vendor: 'IETF',
    source: 'https://www.rfc-editor.org/rfc/rfc9110#name-authorization',
    literals: ['authorization'],
    literalCase: 'insensitive',
    reachBefore: 0,
    afterLiteral: /["']?[ \t]{0,16}[:=]/,
    severity: 'critical',
    regex: AUTH_HEADER,
    description: 'Authorization header credential (Bearer, Basic with user:password, Token, bare)',
    validate: validAuthHeader,
  }),
  def({
    id: 'secret.http_api_key_header',
    vendor: '(any API)',
    source: 'https://swagger.io/docs/specification/v3_0/authentication/api-keys/',
    literals: ['key', 'token'],
    literalCase: 'insensitive',
    reachBefore: 42,
    afterLiteral: /["']?[ \t]{0,16}:[ \t]/,
    severity: 'critical',
    regex: API_KEY_HEADER,
    description: 'API key or token header (apikey:, X-…-ApiKey:, Token:, Private-Token:)',
    validate: validApiKeyHeader,
  }),
  def({
    id: 'secret.private_key',
    vendor: 'IETF',
    source: 'https://www.rfc-editor.org/rfc/rfc7468',
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
    vendor: 'IETF',
    source: 'https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1',
    literals: ['://'],
    literalCase: 'sensitive',
    reachBefore: 21,
    afterLiteral: /[^\s:/@"'<>]{0,128}:/,
    severity: 'critical',
    regex: URL_CREDENTIALS,
    description: 'URL with user:password (database connection strings, package registries, webhooks)',
    validate: validUrlCredentials,
  }),
  def({
    id: 'secret.cli_user_password',
    vendor: 'curl',
    source: 'https://curl.se/docs/manpage.html#-u',
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
    id: 'secret.azure_ad_client_secret',
    vendor: 'Microsoft',
    source: 'https://learn.microsoft.com/en-us/entra/identity-platform/how-to-add-credentials',
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
    vendor: 'Meta',
    source: 'https://developers.facebook.com/docs/facebook-login/guides/access-tokens',
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
    vendor: 'Meta',
    source: 'https://developers.facebook.com/docs/facebook-login/guides/access-tokens#apptokens',
    literals: ['|'],
    literalCase: 'sensitive',
    reachBefore: 17,
    severity: 'critical',
    regex: RE.facebookAppToken,
    description: 'Facebook app access token (app id|app secret)',
    validate: randomLooking(RE.facebookAppToken, 3.5),
  }),
  def({
    id: 'secret.hashicorp_vault_legacy_token',
    vendor: 'HashiCorp',
    source: 'https://developer.hashicorp.com/vault/docs/concepts/tokens#token-prefixes',
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
    id: 'secret.intra42_client_secret',
    vendor: '42',
    source: 'https://api.intra.42.fr/apidoc/guides/getting_started',
    literals: ['s-s4t2'],
    literalCase: 'sensitive',
    reachBefore: 0,
    severity: 'critical',
    regex: RE.intra42Secret,
    description: '42 intra OAuth client secret (s-s4t2ud-, s-s4t2af-)',
  }),
  def({
    id: 'secret.mailchimp_api_key',
    vendor: 'Mailchimp',
    source: 'https://mailchimp.com/developer/marketing/guides/quick-start/',
    literals: ['-us'],
    literalCase: 'sensitive',
    reachBefore: 33,
    severity: 'critical',
    regex: RE.mailchimpKey,
    description: 'Mailchimp Marketing API key (32 hex + -us<data centre>)',
    validate: randomLooking(RE.mailchimpKey, 3.0),
  }),
  def({
    id: 'secret.putty_private_key',
    literals: ['PuTTY-User-Key-File-'],
    literalCase: 'sensitive',
    reachBefore: 0,
    vendor: 'PuTTY',
    source: 'https://the.earth.li/~sgtatham/putty/latest/htmldoc/AppendixC.html',
    severity: 'critical',
    regex: PUTTY_KEY,
    description: 'PuTTY private key file (PPK v2/v3): the Private-Lines block',
    validate: randomLooking(PUTTY_KEY, 4.0),
  }),
  def({
    id: 'secret.azure_storage_account_key',
    literals: ['AccountKey='],
    literalCase: 'insensitive',
    reachBefore: 0,
    vendor: 'Microsoft',
    source: 'https://learn.microsoft.com/en-us/azure/storage/common/storage-configure-connection-string',
    severity: 'critical',
    regex: AZURE_ACCOUNT_KEY,
    description: 'Azure Storage account key (88 base64 characters) after AccountKey=',
    validate: randomLooking(AZURE_ACCOUNT_KEY, 4.5),
  }),
  def({
    id: 'secret.azure_shared_access_key',
    literals: ['SharedAccessKey='],
    literalCase: 'insensitive',
    reachBefore: 0,
    vendor: 'Microsoft',
    source: 'https://learn.microsoft.com/en-us/azure/service-bus-messaging/service-bus-sas',
    severity: 'critical',
    regex: AZURE_SHARED_ACCESS_KEY,
    description: 'Azure Service Bus / Event Hubs / IoT Hub shared access key after SharedAccessKey=',
    validate: randomLooking(AZURE_SHARED_ACCESS_KEY, 4.0),
  }),
  def({
    id: 'secret.azure_sas_signature',
    literals: ['sig='],
    literalCase: 'sensitive',
    reachBefore: 1,
    vendor: 'Microsoft',
    source: 'https://learn.microsoft.com/en-us/rest/api/storageservices/create-service-sas',
    severity: 'critical',
    regex: AZURE_SAS_SIGNATURE,
    description: 'Azure shared access signature: the sig= HMAC-SHA256 of a SAS URL (decodes to 32 bytes)',
    validate: validSasSignature,
  }),
  def({
    id: 'secret.telegram_bot_token',
    literals: [':'],
    literalCase: 'sensitive',
    reachBefore: 11,
    afterLiteral: /[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/,
    vendor: 'Telegram',
    source: 'https://core.telegram.org/bots/api#authorizing-your-bot',
    severity: 'critical',
    regex: TELEGRAM_BOT_TOKEN,
    description: 'Telegram bot token (bot id:35 characters)',
    validate: validTelegramToken,
  }),
  def({
    id: 'secret.discord_webhook_url',
    literals: ['/api/webhooks/'],
    literalCase: 'sensitive',
    reachBefore: 40,
    vendor: 'Discord',
    source: 'https://discord.com/developers/docs/resources/webhook#execute-webhook',
    severity: 'critical',
    regex: DISCORD_WEBHOOK,
    description: 'Discord webhook URL (id and token)',
  }),
  def({
    id: 'secret.teams_webhook_url',
    literals: ['.webhook.office.com/webhookb2/'],
    literalCase: 'sensitive',
    reachBefore: 75,
    vendor: 'Microsoft',
    source:
      'https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook',
    severity: 'critical',
    regex: TEAMS_WEBHOOK,
    description: 'Microsoft Teams incoming webhook URL',
  }),
  def({
    id: 'secret.gcp_service_account_marker',
    vendor: 'Google Cloud',
    source: 'https://cloud.google.com/iam/docs/keys-create-delete',
    literals: ['"service_account"'],
    literalCase: 'sensitive',
    reachBefore: 40,
    severity: 'warning',
    regex: RE.gcpServiceAccount,
    description: 'Google service-account JSON marker (a private key is usually nearby)',
  }),
  def({
    id: 'secret.generic_assignment',
    vendor: '(any)',
    literals: ['passw', 'pwd', 'secret', 'token', 'key', 'credential', 'auth'],
    literalCase: 'insensitive',
    reachBefore: 66,
    afterLiteral: /[A-Za-z]{0,3}["']?[ \t]{0,16}[:=]/,
    severity: 'critical',
    regex: ASSIGNMENT,
    description:
      'password/secret/token/api key assignment with a random-looking value (entropy floor, no placeholders)',
    validate: validAssignment,
  }),
];

/** Every secret format: the vendor token families, the signature formats, then the formats read from context and structure. */
export const SECRET_FORMATS: readonly PatternDef[] = [...VENDOR_FORMATS, ...SIGNATURE_FORMATS, ...CONTEXT_FORMATS];

/** The formats whose findings are redacted before delivery. */
export const CRITICAL_SECRET_FORMAT_IDS: ReadonlySet<string> = new Set(
  SECRET_FORMATS.filter((f) => f.severity === 'critical').map((f) => f.id),
);
