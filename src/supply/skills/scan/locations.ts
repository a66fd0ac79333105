/**
 * Facts about places (not about wording): where credentials live on Linux, macOS and Windows, which services
 * collect requests or host pastes (the usual exfiltration sinks), and which paths the host runs on its own
 * (shell rc files, cron, systemd, launchd, git hooks, agent settings — the host-executed table of L11.7 plus the
 * system-wide places a skill could reach outside a workspace).
 */
import { HOST_EXECUTED, compilePattern, matchesAt, type PathPattern } from '../../../exec/index.js';
import type { HostKind } from './types.js';

interface CredentialPlace {
  readonly kind: string;
  readonly test: RegExp;
}

/** Matched on a lower-cased path with `\` turned into `/`. Each entry names a store of secrets, not a config file. */
const CREDENTIAL_PLACES: readonly CredentialPlace[] = [
  { kind: 'SSH private keys', test: /\.ssh\/(?:id_[a-z0-9_]{0,16}|[a-z0-9_-]{1,40}\.pem|\*)(?![a-z0-9_.])/ },
  { kind: 'SSH private keys', test: /\.ssh\/?$/ },
  {
    kind: 'cloud credentials',
    test: /\.aws\/(?:credentials|config)|\.azure\/|gcloud\/(?:credentials|legacy_credentials|application_default)/,
  },
  { kind: 'cluster credentials', test: /\.kube\/config/ },
  {
    kind: 'registry tokens',
    test: /(?:^|\/)\.(?:npmrc|pypirc|netrc|git-credentials)\b|\.docker\/config\.json|\.config\/gh\/hosts\.yml/,
  },
  { kind: 'GPG keys', test: /\.gnupg(?:\/|$)/ },
  {
    kind: 'browser logins and cookies',
    test: /(?:chrome|chromium|brave|edge|opera|vivaldi|firefox|mozilla)[^'"\n]{0,120}(?:cookies|login data|web data|local state|logins\.json|key[34]\.db|cookies\.sqlite)/,
  },
  {
    kind: 'crypto wallets',
    test: /exodus|electrum|atomic\/local storage|\.bitcoin\/wallet|wallet\.dat|\.ethereum\/keystore|solana\/id\.json|local extension settings\/[a-p]{32}|metamask|phantom/,
  },
  { kind: 'keychains', test: /(?:^|\/)keychains?\/|login\.keychain|\.local\/share\/keyrings/ },
  { kind: 'password hashes', test: /\/etc\/(?:shadow|gshadow|master\.passwd)\b/ },
  { kind: 'shell history', test: /\.(?:bash|zsh|sh|fish)_history\b|\.local\/share\/fish\/fish_history/ },
  { kind: 'messenger sessions', test: /telegram desktop\/tdata|discord\/local storage|\.config\/discord/ },
];

/** The credential store a path names, if it names one. */
export function credentialKindOf(path: string): string | undefined {
  const p = path.toLowerCase().replace(/\\/g, '/');
  for (const c of CREDENTIAL_PLACES) if (c.test.test(p)) return c.kind;
  return undefined;
}

/** Commands (macOS `security`, Linux secret tools, cloud CLIs) that print stored secrets. */
export function credentialCommandOf(argv: readonly string[]): string | undefined {
  const [a0, a1] = argv;
  if (a0 === 'security' && /^(?:dump-keychain|find-generic-password|find-internet-password|export)$/.test(a1 ?? ''))
    return 'keychains';
  if (a0 === 'secret-tool' && a1 === 'lookup') return 'keychains';
  if (a0 === 'gh' && a1 === 'auth' && argv[2] === 'token') return 'registry tokens';
  if (a0 === 'aws' && a1 === 'configure' && /^(?:export-credentials|get)$/.test(argv[2] ?? ''))
    return 'cloud credentials';
  if (a0 === 'gcloud' && argv.includes('print-access-token')) return 'cloud credentials';
  return undefined;
}

/**
 * Services that collect arbitrary requests, host pastes or files, or relay to chat: where stolen data is sent.
 * Host suffixes (a host matches when it is the suffix or ends with `.` + it), plus path prefixes for the big chat
 * platforms whose webhooks sit under a general host.
 */
const COLLECTOR_SUFFIXES = [
  'webhook.site',
  'requestbin.com',
  'requestbin.net',
  'pipedream.net',
  'ngrok.io',
  'ngrok-free.app',
  'ngrok.app',
  'burpcollaborator.net',
  'oastify.com',
  'interact.sh',
  'oast.fun',
  'oast.pro',
  'oast.live',
  'oast.site',
  'oast.online',
  'oast.me',
  'dnslog.cn',
  'ceye.io',
  'canarytokens.com',
  'pastebin.com',
  'paste.ee',
  'hastebin.com',
  'ghostbin.co',
  'rentry.co',
  'transfer.sh',
  'file.io',
  '0x0.st',
  'temp.sh',
  'anonfiles.com',
  'gofile.io',
  'catbox.moe',
  'trycloudflare.com',
  'serveo.net',
  'localtunnel.me',
  'loca.lt',
];
const COLLECTOR_URLS = [
  /discord(?:app)?\.com\/api\/webhooks\//,
  /api\.telegram\.org\/bot/,
  /hooks\.slack\.com\/services\/t[0-9a-z]{6,}/,
];

const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;

/** Loopback, private, link-local and unspecified addresses: a local service, not somewhere on the internet. */
function isLocalIpv4(h: string): boolean {
  const [a = 0, b = 0] = h.split('.').map(Number);
  return (
    a === 127 ||
    a === 10 ||
    a === 0 ||
    (a === 192 && b === 168) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 169 && b === 254)
  );
}

/** The kind of a host (lower case, no port) or of a whole URL. */
export function hostKindOf(host: string, url = ''): HostKind {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === '' || h.includes('$') || h.includes('{')) return 'dynamic';
  if (IPV4.test(h)) return isLocalIpv4(h) ? 'named' : 'ip';
  if (h.includes(':') && /^[0-9a-f:]+$/.test(h)) return h === '::1' || /^f[cde]/.test(h) ? 'named' : 'ip';
  if (COLLECTOR_SUFFIXES.some((s) => h === s || h.endsWith(`.${s}`))) return 'collector';
  const u = url.toLowerCase();
  if (COLLECTOR_URLS.some((r) => r.test(u))) return 'collector';
  return 'named';
}

export interface UrlLiteral {
  readonly url: string;
  readonly host: string;
  readonly insecure: boolean;
  readonly offset: number;
}

const URL_RE = /\b(https?|wss?|ftp):\/\/([a-z0-9._~%-]{1,253}|\[[0-9a-f:]{2,45}\])[^\s'"`)<>\]]{0,2000}/gi;

/** URLs written out in `text` (scheme, host, offset). */
export function urlsIn(text: string): UrlLiteral[] {
  const out: UrlLiteral[] = [];
  for (const m of text.matchAll(URL_RE)) {
    const scheme = (m[1] ?? '').toLowerCase();
    out.push({
      url: m[0],
      host: (m[2] ?? '').toLowerCase(),
      insecure: scheme === 'http' || scheme === 'ws' || scheme === 'ftp',
      offset: m.index,
    });
  }
  return out;
}

/** `host` of a URL-ish word: a full URL, or `host/path`, `host:port`, `user@host:path` (scp). */
export function hostOfWord(word: string): { host: string; insecure: boolean } | undefined {
  const u = urlsIn(word)[0];
  if (u) return { host: u.host, insecure: u.insecure };
  const scp = /^[a-z0-9._-]{1,64}@([a-z0-9.-]{1,253}):/i.exec(word);
  if (scp?.[1]) return { host: scp[1].toLowerCase(), insecure: false };
  const bare = /^(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[a-z0-9-]{1,63}\.[a-z0-9.-]{0,200}[a-z]{2,24})(?:\/|:\d|$)/i.exec(
    word,
  );
  if (bare?.[1]) return { host: bare[1].toLowerCase(), insecure: true };
  return undefined;
}

/** Paths outside any workspace that the system runs on its own (cron, services, login, privilege configuration). */
const SYSTEM_PLACES: ReadonlyArray<{ readonly id: string; readonly test: RegExp; readonly privilege?: boolean }> = [
  { id: 'system.cron', test: /^\/(?:etc\/cron|var\/spool\/cron|etc\/anacrontab)/ },
  { id: 'system.services', test: /^\/(?:etc|usr\/lib|lib|run)\/systemd\/|^\/etc\/init\.d\/|^\/etc\/rc\.local/ },
  { id: 'system.profile', test: /^\/etc\/(?:profile|bash\.bashrc|zsh\/|environment)/ },
  { id: 'macos.launchd', test: /(?:^|\/)library\/(?:launchagents|launchdaemons)\// },
  { id: 'macos.login-items', test: /(?:^|\/)library\/application support\/com\.apple\.backgroundtaskmanagement/ },
  { id: 'windows.startup', test: /start menu\/programs\/startup|currentversion\/run\b/ },
  { id: 'system.sudoers', test: /^\/etc\/sudoers/, privilege: true },
  { id: 'system.preload', test: /^\/etc\/ld\.so\.preload/, privilege: true },
  { id: 'system.accounts', test: /^\/etc\/(?:passwd|shadow|group)\b/, privilege: true },
  { id: 'system.pam', test: /^\/etc\/pam\.d\//, privilege: true },
  { id: 'agent.desktop-config', test: /claude_desktop_config\.json|\.codeium\/|\.continue\/config|\.windsurf\// },
  { id: 'ssh.authorized-keys', test: /\.ssh\/authorized_keys/ },
];

const HOME_RULES = HOST_EXECUTED.filter((r) => r.scope !== 'git-dir').map((r) => ({
  id: r.id,
  scope: r.scope,
  patterns: r.paths.map(compilePattern),
}));
const GIT_DIR_RULES = HOST_EXECUTED.filter((r) => r.scope === 'git-dir').map((r) => ({
  id: r.id,
  patterns: r.paths.map(compilePattern),
}));

function anyMatch(patterns: readonly PathPattern[], names: readonly string[], from: number): boolean {
  return patterns.some((p) => matchesAt(p, names, from));
}

export interface PersistencePlace {
  readonly id: string;
  /** Raises privileges rather than (only) running code later. */
  readonly privilege: boolean;
}

/**
 * What a written path is, when the host or a tool runs it later. `~`, `$HOME`, `${HOME}` and `%USERPROFILE%` count
 * as a home directory; relative paths are judged as inside a project (any-depth entries and git directories).
 */
export function persistencePlaceOf(rawPath: string): PersistencePlace | undefined {
  const lower = rawPath.toLowerCase().replace(/\\/g, '/').trim();
  for (const s of SYSTEM_PLACES) if (s.test.test(lower)) return { id: s.id, privilege: s.privilege === true };
  const home = /^(?:~|\$home|\$\{home\}|%userprofile%|\/root|\/home\/[^/]{1,64}|\/users\/[^/]{1,64})\//.exec(lower);
  const rel = home ? lower.slice(home[0].length) : lower.replace(/^\.\//, '');
  const names = rel.split('/').filter((n) => n !== '' && n !== '.');
  if (names.length === 0) return undefined;
  const gitAt = names.indexOf('.git');
  if (gitAt >= 0 && gitAt < names.length - 1) {
    for (const r of GIT_DIR_RULES) if (anyMatch(r.patterns, names, gitAt + 1)) return { id: r.id, privilege: false };
  }
  for (const r of HOME_RULES) {
    // Root entries (shell rc, ~/.ssh, autostart) only where the path is a home directory's own.
    if (r.scope === 'root') {
      if (home && anyMatch(r.patterns, names, 0)) return { id: r.id, privilege: false };
      continue;
    }
    for (let from = 0; from < names.length; from++)
      if (anyMatch(r.patterns, names, from)) return { id: r.id, privilege: false };
  }
  return undefined;
}
