/**
 * Remote URLs an agent may put in a git config: transports that run no program chosen by the URL. git picks the
 * transport from the URL's text — `<helper>::<address>` and any `<scheme>://` it has no built-in transport for run a
 * program (`ext::` runs a shell command) — and a host or path that starts with `-` has been read as an option by
 * ssh before (`ssh://-oProxyCommand=…`).
 */

/** Schemes git handles itself without running a program the URL picks. `git+ssh` and `ssh+git` are ssh. */
const SCHEMES: ReadonlySet<string> = new Set(['https', 'ssh', 'git', 'file', 'git+ssh', 'ssh+git']);
const SSH_SCHEMES: ReadonlySet<string> = new Set(['ssh', 'git+ssh', 'ssh+git']);

const isAlnum = (ch: string): boolean => /^[A-Za-z0-9]$/.test(ch);

/** Length of a run of URL scheme characters at the start (git's is_urlschemechar). */
function schemeLength(url: string): number {
  let i = 0;
  while (i < url.length) {
    const ch = url[i] as string;
    if (isAlnum(ch) || (i > 0 && (ch === '+' || ch === '-' || ch === '.'))) i++;
    else break;
  }
  return i;
}

function percentDecoded(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    // A broken escape is kept as written; the checks below then see the raw text.
    return s;
  }
}

export function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

function optionLike(s: string): boolean {
  return percentDecoded(s).startsWith('-');
}

/** Why a URL is refused, or undefined when it is allowed. `what` names the key, for the message. */
export function refuseRemoteUrl(url: string | null, what: string): string | undefined {
  if (url === null || url === '') return `${what} has no value`;
  if (hasControl(url)) return `${what} contains a control character`;
  if (url.startsWith('-')) return `${what} starts with "-", which programs read as an option`;
  const n = schemeLength(url);
  if (n > 0 && url.startsWith('::', n))
    return `${what} uses the remote helper "${url.slice(0, n)}::", which runs a program (ext:: runs any command)`;
  if (n > 0 && url.startsWith('://', n) && /^[A-Za-z]/.test(url)) {
    const scheme = url.slice(0, n).toLowerCase();
    if (!SCHEMES.has(scheme))
      return `${what} uses the scheme "${scheme}://": only https, ssh, git and file are allowed (git runs a helper program for others)`;
    if (/\s/.test(url)) return `${what} contains white space`;
    const rest = url.slice(n + 3);
    const slash = rest.indexOf('/');
    const authority = slash === -1 ? rest : rest.slice(0, slash);
    const at = authority.lastIndexOf('@');
    const user = at === -1 ? '' : authority.slice(0, at);
    const host = at === -1 ? authority : authority.slice(at + 1);
    if (optionLike(host) || optionLike(user))
      return `${what} has a host or user that starts with "-", which ssh reads as an option`;
    if (SSH_SCHEMES.has(scheme) && host === '') return `${what} has no host`;
    return undefined;
  }
  // git: a colon before any slash is scp-like ssh ([user@]host:path); otherwise a local path.
  const colon = url.indexOf(':');
  const slash = url.indexOf('/');
  if (colon === -1 || (slash !== -1 && slash < colon)) return undefined;
  const hostPart = url.slice(0, colon);
  const path = url.slice(colon + 1);
  const at = hostPart.lastIndexOf('@');
  const user = at === -1 ? '' : hostPart.slice(0, at);
  const host = (at === -1 ? hostPart : hostPart.slice(at + 1)).replace(/^\[/, '');
  if (/\s/.test(hostPart)) return `${what} has white space in its host`;
  if (optionLike(host) || optionLike(user) || path.startsWith('-'))
    return `${what} has a host, user or path that starts with "-", which ssh reads as an option`;
  return undefined;
}
