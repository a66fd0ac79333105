/**
 * Vendor credentials without a leading prefix: a signature inside the token (Microsoft's 84-character keys),
 * a structure (Discord's bot token, the FCM server key), or a name that says what the value is (session
 * cookies, a token given as a URL's user). Each is found around a literal the scanner looks for in one
 * pass, and validated on what the vendor defines (fixed length and position, a decoded id, entropy).
 */
import { looksLikePlaceholder, mixedCaseHex, shannonEntropy } from './secret-checks.js';
import type { PatternDef } from './types.js';

interface SignatureSpec {
  readonly id: string;
  readonly vendor: string;
  readonly source: string;
  readonly description: string;
  readonly literals: readonly string[];
  readonly literalCase: 'sensitive' | 'insensitive';
  readonly reachBefore: number;
  readonly afterLiteral?: RegExp;
  readonly regex: RegExp;
  readonly validate: (match: string) => boolean;
}

function signature(s: SignatureSpec): PatternDef {
  return {
    id: `secret.${s.id}`,
    family: 'secret_format',
    description: s.description,
    regex: s.regex,
    weight: 1,
    severity: 'critical',
    literals: s.literals,
    literalCase: s.literalCase,
    reachBefore: s.reachBefore,
    ...(s.afterLiteral ? { afterLiteral: s.afterLiteral } : {}),
    vendor: s.vendor,
    source: s.source,
    validate: s.validate,
  };
}

const randomPart = (v: string, floor: number) =>
  !looksLikePlaceholder(v) && /[a-z]/.test(v) && /[A-Z]/.test(v) && /[0-9]/.test(v) && shannonEntropy(v) >= floor;

// --- Microsoft: 84-character keys with a fixed signature ----------------------------------------

/** Azure DevOps PATs since 2024: 84 letters and digits, the signature `AZDO` at positions 76–79. */
const AZURE_DEVOPS_PAT = /(?<![A-Za-z0-9])[A-Za-z0-9]{76}AZDO[A-Za-z0-9]{4}(?![A-Za-z0-9])/;
/** Azure AI services (Cognitive Services) keys of the same 84-character layout: `JQQJ99` follows 52 random characters. */
const AZURE_AI_KEY = /(?<![A-Za-z0-9])[A-Za-z0-9]{52}JQQJ99[A-Za-z0-9]{26}(?![A-Za-z0-9])/;

// --- Discord ------------------------------------------------------------------------------------

/**
 * A bot token is three base64url segments: the bot's user id (a snowflake, 17–20 decimal digits, so the
 * segment starts with the base64 of a digit: M, N or O and one of the letters below), a timestamp, an HMAC.
 */
const DISCORD_BOT_TOKEN =
  /(?<![A-Za-z0-9_-])(?:M[Tjz]|N[DTjz]|O[DT])[A-Za-z0-9_-]{21,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}(?![A-Za-z0-9_-])/;

function validDiscordToken(match: string): boolean {
  const [id, , hmac] = match.split('.');
  const decoded = Buffer.from(id ?? '', 'base64url').toString('latin1');
  return /^[1-9][0-9]{16,19}$/.test(decoded) && randomPart(hmac ?? '', 3.5);
}

// --- Firebase Cloud Messaging ----------------------------------------------------------------------

/** The legacy server key: `AAAA` + 7 characters, `:APA91b`, then the key proper (about 134 characters). */
const FCM_SERVER_KEY = /(?<![A-Za-z0-9_-])AAAA[A-Za-z0-9_-]{7}:APA91b[A-Za-z0-9_-]{120,200}(?![A-Za-z0-9_-])/;

// --- session cookies -----------------------------------------------------------------------------

/**
 * A cookie (or query parameter) whose name says it is a session: `session=`, `_gitlab_session=`,
 * `JSESSIONID=`, `PHPSESSID=`, `connect.sid=`. Its value is a bearer credential: whoever has it is logged in.
 */
const SESSION_COOKIE =
  /(?<![A-Za-z0-9_.-])(?<name>[A-Za-z0-9_.-]{3,52})[ \t]{0,4}=[ \t]{0,4}["']?(?<secret>[A-Za-z0-9%._~+/-]{16,1024}={0,2})/i;
const SESSION_NAME = /(?:session|sessid)(?:id|_id)?$|(?:^|[_.])sid$/i;

function validSessionCookie(match: string): boolean {
  const m = SESSION_COOKIE.exec(match);
  const name = m?.groups?.['name'] ?? '';
  const value = m?.groups?.['secret'] ?? '';
  if (!SESSION_NAME.test(name) || looksLikePlaceholder(value) || mixedCaseHex(value)) return false;
  // `session=request.session.id`: a dotted chain of names is code.
  const members = value.split('.');
  if (members.length >= 2 && members.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) return false;
  return /[0-9]/.test(value) && /[A-Za-z]/.test(value) && shannonEntropy(value) >= 3.3;
}

// --- a token given as a URL's user ----------------------------------------------------------------

/** `https://TOKEN@host`: git and many APIs take a bare token as the user name, without a password. */
const URL_TOKEN_USER =
  /\b[a-z][a-z0-9+.-]{1,20}:\/\/(?<secret>[A-Za-z0-9._~%+=-]{20,256})@[A-Za-z0-9][A-Za-z0-9.-]{0,253}/i;

function validUrlTokenUser(match: string): boolean {
  const v = URL_TOKEN_USER.exec(match)?.groups?.['secret'] ?? '';
  return /[0-9]/.test(v) && /[A-Za-z]/.test(v) && !looksLikePlaceholder(v) && shannonEntropy(v) >= 3.5;
}

export const SIGNATURE_FORMATS: readonly PatternDef[] = [
  signature({
    id: 'azure_devops_pat',
    vendor: 'Microsoft',
    source: 'https://learn.microsoft.com/en-us/purview/sit-defn-azure-devops-personal-access-token',
    description: 'Azure DevOps personal access token (84 characters, AZDO at positions 76–79)',
    literals: ['AZDO'],
    literalCase: 'sensitive',
    reachBefore: 76,
    regex: AZURE_DEVOPS_PAT,
    validate: (m) => randomPart(m.slice(0, 52), 4.0),
  }),
  signature({
    id: 'azure_ai_services_key',
    vendor: 'Microsoft',
    source: 'https://learn.microsoft.com/en-us/azure/ai-services/authentication',
    description: 'Azure AI services key in the 84-character format (JQQJ99 after 52 random characters)',
    literals: ['JQQJ99'],
    literalCase: 'sensitive',
    reachBefore: 52,
    regex: AZURE_AI_KEY,
    validate: (m) => randomPart(m.slice(0, 52), 4.0),
  }),
  signature({
    id: 'discord_bot_token',
    vendor: 'Discord',
    source: 'https://discord.com/developers/docs/reference#authentication',
    description: 'Discord bot token (base64 bot id . timestamp . HMAC); the id must decode to a snowflake',
    literals: ['MT', 'Mj', 'Mz', 'ND', 'NT', 'Nj', 'Nz', 'OD', 'OT'],
    literalCase: 'sensitive',
    reachBefore: 0,
    regex: DISCORD_BOT_TOKEN,
    validate: validDiscordToken,
  }),
  signature({
    id: 'fcm_server_key',
    vendor: 'Google Firebase',
    source: 'https://firebase.google.com/docs/cloud-messaging/auth-server',
    description: 'Firebase Cloud Messaging legacy server key (AAAA…:APA91b…)',
    literals: [':APA91b'],
    literalCase: 'sensitive',
    reachBefore: 11,
    regex: FCM_SERVER_KEY,
    validate: (m) => randomPart(m.slice(m.indexOf(':APA91b') + 7), 4.0),
  }),
  signature({
    id: 'session_cookie',
    vendor: 'IETF',
    source: 'https://www.rfc-editor.org/rfc/rfc6265#section-4.2',
    description: 'session cookie value (session=, _gitlab_session=, JSESSIONID=, PHPSESSID=, connect.sid=)',
    literals: ['sess', 'sid'],
    literalCase: 'insensitive',
    reachBefore: 50,
    afterLiteral: /[A-Za-z0-9_.-]{0,12}[ \t]{0,4}=/,
    regex: SESSION_COOKIE,
    validate: validSessionCookie,
  }),
  signature({
    id: 'url_token_user',
    vendor: 'IETF',
    source: 'https://www.rfc-editor.org/rfc/rfc3986#section-3.2.1',
    description: 'token given as the user of a URL (https://TOKEN@host)',
    literals: ['://'],
    literalCase: 'sensitive',
    reachBefore: 21,
    afterLiteral: /[A-Za-z0-9._~%+=-]{20,256}@/,
    regex: URL_TOKEN_USER,
    validate: validUrlTokenUser,
  }),
];
