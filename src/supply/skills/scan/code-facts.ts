/**
 * What a Python, JavaScript or PowerShell file does, read from its calls (on the code with literals blanked) and its
 * literals (URLs, paths, command lines). One engine, one profile per language: the calls that send or fetch over the
 * network, open sockets, evaluate code, decode data, read and write files, and hand text to a shell. Command lines
 * given to a shell (`os.system("…")`, `execSync('…')`) and literals that are shell pipelines are read by the shell
 * analyser.
 */
import { codeView, type CodeView, type Literal, type LiteralSyntax } from './code-literals.js';
import { LineIndex } from './excerpt.js';
import { isArming, type CodeLanguage, type FactSet } from './facts.js';
import { credentialKindOf, hostKindOf, persistencePlaceOf, urlsIn } from './locations.js';
import type { Fact, HostKind, TextSite } from './types.js';

export interface LanguageProfile {
  readonly syntax: LiteralSyntax;
  /** Calls that carry data out. */
  readonly send: readonly RegExp[];
  /** Calls that fetch. */
  readonly get: readonly RegExp[];
  /** Raw socket connections. */
  readonly socket: readonly RegExp[];
  /** Calls that evaluate their argument as code; the argument's literalness is checked after the match. */
  readonly evaluate: RegExp;
  /** Calls or idioms that decode, decompress, reverse or assemble text from character codes. */
  readonly decoders: RegExp;
  /** Calls whose literal argument is a shell command line. */
  readonly shellSinks: RegExp;
  /** Places whose literal argument is code of this same language (PowerShell `-Command "…"`). */
  readonly codeSinks?: RegExp;
  /** File reads and writes (any, used with path literals). */
  readonly reads: RegExp;
  readonly writes: RegExp;
  /** The whole environment captured (not one variable): tested on each line of code. */
  readonly wholeEnv: RegExp;
  /** Reverse shell: every group must be present in the file. */
  readonly reverseShell: ReadonlyArray<RegExp>;
  /** Network fetch whose text is run (PowerShell `iex (…DownloadString…)`). */
  readonly remoteExec?: RegExp;
  /** Places written that the host runs (registry Run keys, scheduled tasks) beyond path literals. */
  readonly persistence?: RegExp;
  /** Privilege changes (setuid, sudoers, admin groups) beyond path literals. */
  readonly privilege?: RegExp;
  readonly language: CodeLanguage;
}

const ORDER: readonly HostKind[] = ['collector', 'ip', 'named', 'dynamic'];

/** A literal that reads as a shell pipeline or download command (`curl … | sh`, `wget -O- …`). */
const SHELLISH =
  /(?:^|[\s;&|(])(?:curl|wget|nc|ncat|bash|sh|python3?|powershell|iex)\b[^\n]{0,400}(?:\||>|https?:\/\/|\/dev\/tcp)/;

interface FileState {
  readonly src: string;
  readonly view: CodeView;
  readonly lines: LineIndex;
  readonly site: TextSite;
  readonly into: FactSet;
  readonly p: LanguageProfile;
}

function lineNo(s: FileState, offset: number): number {
  return s.site.line + s.lines.lineOf(offset);
}

/** The host a network call at `offset` talks to: a URL on its line, else the most telling URL or IP literal of the file. */
function hostFor(s: FileState, offset: number): Pick<Fact, 'host' | 'hostKind' | 'insecure'> {
  const line = s.lines.lineText(offset);
  const onLine = urlsIn(line)[0];
  if (onLine) return { host: onLine.host, hostKind: hostKindOf(onLine.host, onLine.url), insecure: onLine.insecure };
  const candidates: Array<Pick<Fact, 'host' | 'hostKind' | 'insecure'>> = [];
  for (const l of s.view.literals) {
    for (const u of urlsIn(l.text))
      candidates.push({ host: u.host, hostKind: hostKindOf(u.host, u.url), insecure: u.insecure });
    if (/^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(l.text))
      candidates.push({ host: l.text, hostKind: 'ip', insecure: true });
  }
  candidates.sort((a, b) => ORDER.indexOf(a.hostKind ?? 'dynamic') - ORDER.indexOf(b.hostKind ?? 'dynamic'));
  return candidates[0] ?? { hostKind: 'dynamic' };
}

function each(re: RegExp, text: string, fn: (m: RegExpExecArray) => void): void {
  const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`);
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = g.exec(text)) !== null && guard++ < 10_000) {
    fn(m);
    if (m[0] === '') g.lastIndex++;
  }
}

/** The literal that starts right after `offset` (skipping spaces), when the call's whole argument is that literal. */
function literalArgument(s: FileState, offset: number): Literal | undefined {
  let i = offset;
  while (i < s.src.length && /\s/.test(s.src[i] ?? '')) i++;
  const lit = s.view.literals.find((l) => l.offset === i || l.offset === i + 1);
  if (!lit) return undefined;
  return lit;
}

export function codeFacts(src: string, site: TextSite, into: FactSet, p: LanguageProfile): void {
  const view = codeView(src, p.syntax);
  const s: FileState = { src, view, lines: new LineIndex(src), site, into, p };
  const code = view.code;
  const add = (kind: Fact['kind'], offset: number, extra: Partial<Fact> = {}) =>
    into.add({ kind, line: lineNo(s, offset), excerpt: s.lines.lineText(offset), ...extra }, site);

  const hasDecoder = p.decoders.test(code);
  for (const re of p.send) each(re, code, (m) => add('net.send', m.index, hostFor(s, m.index)));
  for (const re of p.get) each(re, code, (m) => add('net.get', m.index, hostFor(s, m.index)));
  for (const re of p.socket) each(re, code, (m) => add('net.socket', m.index, hostFor(s, m.index)));
  if (p.remoteExec)
    each(p.remoteExec, code, (m) =>
      add('exec.remote', m.index, { ...hostFor(s, m.index), detail: 'downloaded text evaluated' }),
    );

  each(p.evaluate, code, (m) => {
    const after = m.index + m[0].length;
    const lit = literalArgument(s, after);
    const line = s.lines.lineText(m.index);
    if (lit && !p.decoders.test(line)) {
      // A literal evaluated: read it as code of the same language.
      into.nested(p.language, lit.text, { ...site, line: lineNo(s, m.index) });
      return;
    }
    if (p.decoders.test(line) || hasDecoder)
      add('exec.decoded', m.index, { detail: 'code evaluated from decoded or assembled data' });
    else add('exec.dynamic', m.index, { detail: 'code evaluated from a value built at run time' });
  });

  // Command lines handed to a shell, and literals that are shell pipelines anywhere in the file.
  const seen = new Set<number>();
  each(p.shellSinks, code, (m) => {
    const lit = literalArgument(s, m.index + m[0].length);
    if (!lit) return;
    seen.add(lit.offset);
    into.nested('shell', lit.text, { ...site, line: lineNo(s, lit.offset) });
  });
  if (p.codeSinks)
    each(p.codeSinks, code, (m) => {
      const lit = literalArgument(s, m.index + m[0].length);
      if (!lit) return;
      seen.add(lit.offset);
      into.nested(p.language, lit.text, { ...site, line: lineNo(s, lit.offset) });
    });
  for (const l of view.literals)
    if (!seen.has(l.offset) && SHELLISH.test(l.text))
      into.nested('shell', l.text, { ...site, line: lineNo(s, l.offset) });

  // Paths: credential stores read, places the host runs written.
  const reads = p.reads.test(code);
  if (reads) {
    const at = code.search(p.reads);
    add('files.read', Math.max(0, at), { detail: 'local files' });
  }
  const writes = p.writes.test(code);
  const armed =
    writes && view.literals.some((l) => SHELLISH.test(l.text) && into.probe('shell', l.text, site).some(isArming));
  for (const l of view.literals) {
    if (l.text.length > 400) continue;
    const cred = credentialKindOf(l.text);
    if (cred && reads) add('cred.read', l.offset, { detail: cred });
    const place = writes ? persistencePlaceOf(l.text) : undefined;
    if (place)
      add(place.privilege ? 'priv.escalate' : 'persist.write', l.offset, {
        detail: `${place.id}: ${l.text}`,
        ...(armed ? { armed } : {}),
      });
  }
  if (p.persistence) each(p.persistence, code, (m) => add('persist.write', m.index, { detail: m[0] }));
  if (p.privilege) each(p.privilege, src, (m) => add('priv.escalate', m.index, { detail: m[0] }));

  each(p.wholeEnv, code, (m) => add('env.dump', m.index, { detail: 'the whole environment' }));
  if (p.reverseShell.length > 0 && p.reverseShell.every((re) => re.test(code))) {
    const at = code.search(p.reverseShell[0] as RegExp);
    add('reverse-shell', Math.max(0, at), { ...hostFor(s, Math.max(0, at)), detail: 'a shell bound to a socket' });
  }
}

/** Python: requests/httpx/urllib/socket/smtplib, exec/eval/compile, base64/zlib/codecs/bytes.fromhex. */
export const PYTHON_PROFILE: LanguageProfile = {
  language: 'python',
  syntax: { quotes: `'"`, triple: true, lineComments: ['#'], blockComments: [], escape: '\\' },
  send: [
    /\b(?:requests|httpx|session|sess|client|http|s)\.(?:post|put|patch)\s*\(/,
    /\burlopen\s*\([^\n]{0,200}\bdata\s*=/,
    /\bRequest\s*\([^\n]{0,300}\bdata\s*=/,
    /\.(?:sendall|sendto|sendfile)\s*\(/,
    /\bsmtplib\.SMTP/,
    /\.storbinary\s*\(/,
    /\.request\s*\(\s*["']\s*(?:POST|PUT|PATCH)/,
  ],
  get: [/\b(?:requests|httpx)\.get\s*\(/, /\burlopen\s*\(\s*(?![^\n]{0,200}\bdata\s*=)/, /\burlretrieve\s*\(/],
  socket: [/\bsocket\.(?:socket|create_connection)\s*\(/],
  evaluate: /\b(?:exec|eval)\s*\(|(?<![.\w])compile\s*\(|\b__import__\s*\(|\bmarshal\.loads\s*\(/,
  decoders:
    /\bb(?:64|32|16|85)decode\b|\ba85decode\b|\bfromhex\b|\bunhexlify\b|\b(?:zlib|gzip|lzma|bz2)\.decompress\b|\bcodecs\.decode\b|rot.?13|\[\s*::\s*-1\s*\]|\bchr\s*\([^)]{0,40}\)\s*for\b/,
  shellSinks:
    /\b(?:os\.system|os\.popen|subprocess\.(?:run|call|check_call|check_output|Popen|getoutput|getstatusoutput)|pty\.spawn)\s*\(/,
  reads:
    /\bopen\s*\(|\.read_(?:text|bytes)\s*\(|\bglob\b|\bshutil\.copy|\bcopyfile\b|\bzipfile\b|\btarfile\b|\bsqlite3\.connect\b|\bos\.walk\b|\blistdir\b|\bscandir\b/,
  writes:
    /\bopen\s*\([^\n]{0,300}["'][wax]b?\+?["']|\.write_(?:text|bytes)\s*\(|\bjson\.dump\s*\(|\bshutil\.copy|\bos\.symlink\b|\.writelines\s*\(/,
  wholeEnv:
    /\b(?:dict|str|repr|list|json\.dumps|print)\s*\(\s*os\.environ\s*\)|\bos\.environ\.(?:items|copy|keys|values)\s*\(\s*\)[^\n]{0,80}(?:post|send|dumps|write|encode|data)|\bfor\b[^\n]{1,40}\bin\s+os\.environ\b/,
  reverseShell: [/\bsocket\b/, /\bos\.dup2\s*\(/, /\bpty\.spawn\b|\bsubprocess\.|\bos\.exec|\/bin\/(?:ba)?sh/],
  privilege: /\bos\.set(?:e)?uid\s*\(\s*0\s*\)|\bS_ISUID\b|\bchmod\s*\([^\n]{0,120}0o?[2467][0-7]{3}|NOPASSWD/,
};

/** JavaScript/TypeScript: fetch/http(s)/axios/net/dgram, eval/Function/vm, Buffer/atob/fromCharCode. */
export const JAVASCRIPT_PROFILE: LanguageProfile = {
  language: 'javascript',
  syntax: { quotes: `'"\``, triple: false, lineComments: ['//'], blockComments: [['/*', '*/']], escape: '\\' },
  send: [
    /\bfetch\s*\([^;]{0,400}\bmethod\s*:\s*['"`](?:POST|PUT|PATCH)/,
    /\b(?:https?|request)\.request\s*\(/,
    /\baxios\.(?:post|put|patch)\s*\(/,
    /\bgot\.(?:post|put|patch)\s*\(/,
    /\bnavigator\.sendBeacon\s*\(/,
    /\.send\s*\(\s*(?:JSON\.stringify|data|body|payload)/,
  ],
  get: [/\bfetch\s*\(/, /\bhttps?\.get\s*\(/, /\baxios\.get\s*\(/, /\bgot\s*\(/],
  socket: [
    /\bnet\.(?:connect|createConnection)\s*\(/,
    /\bnew\s+net\.Socket\s*\(/,
    /\bdgram\.createSocket\s*\(/,
    /\bnew\s+WebSocket\s*\(/,
  ],
  evaluate:
    /\beval\s*\(|\bnew\s+Function\s*\(|(?<![.\w])Function\s*\(|\bvm\.(?:runIn\w*Context|runInThisContext|Script|compileFunction)\s*\(|\bset(?:Timeout|Interval)\s*\(\s*(?=['"`])/,
  decoders:
    /\bString\.fromCharCode\b|\bBuffer\.from\s*\([^)]{0,4000}['"`](?:base64|hex|base64url)['"`]|\batob\s*\(|\.reverse\s*\(\s*\)\s*\.join\b|\bdecodeURIComponent\s*\(\s*escape\b|\bzlib\.(?:inflate|gunzip|unzip)/,
  shellSinks: /\b(?:exec|execSync|spawnSync|spawn|execFile|execFileSync)\s*\(/,
  reads: /\b(?:readFileSync|readFile|createReadStream|readdirSync|readdir|copyFileSync|copyFile|glob)\s*\(/,
  writes:
    /\b(?:writeFileSync|writeFile|appendFileSync|appendFile|copyFileSync|copyFile|symlinkSync|symlink|createWriteStream)\s*\(/,
  wholeEnv:
    /\b(?:JSON\.stringify|Object\.(?:entries|keys|values))\s*\(\s*process\.env\s*\)|\b(?!env\b)[a-zA-Z_$][\w$]{0,40}\s*:\s*process\.env\b(?!\s*[.[?])|\bfor\s*\([^)]{0,40}\bin\s+process\.env\b/,
  reverseShell: [
    /\bnet\.(?:connect|createConnection|Socket)\b|\bnew\s+net\.Socket\b/,
    /\bspawn\s*\(\s*['"`](?:\/bin\/)?(?:ba)?sh|cmd\.exe|powershell/,
    /\.pipe\s*\(/,
  ],
};

/** PowerShell: iex of downloads, Invoke-WebRequest/RestMethod, WebClient, FromBase64String, registry Run keys. */
export const POWERSHELL_PROFILE: LanguageProfile = {
  language: 'powershell',
  syntax: { quotes: `'"`, triple: false, lineComments: ['#'], blockComments: [['<#', '#>']], escape: '`' },
  send: [
    /\b(?:Invoke-RestMethod|Invoke-WebRequest|irm|iwr)\b[^\n]{0,300}-(?:Method\s+['"]?(?:Post|Put|Patch)|Body\b|InFile\b)/i,
    /\.Upload(?:String|File|Data)\s*\(/i,
  ],
  get: [/\b(?:Invoke-RestMethod|Invoke-WebRequest|irm|iwr|curl|wget)\b/i, /\.Download(?:String|File|Data)\s*\(/i],
  socket: [/\bNet\.Sockets\.TCPClient\b/i],
  evaluate: /\b(?:iex|Invoke-Expression)\b\s*\(?|\[ScriptBlock\]::Create\s*\(/i,
  decoders: /FromBase64String|\[char\[\]\]|-join\b[^\n]{0,80}\[char\]|\[char\]\s*0x|-bxor\b|\.Reverse\b/i,
  shellSinks: /\b(?:Start-Process|cmd(?:\.exe)?\s+\/c)\s*/i,
  codeSinks: /(?:^|\s)-(?:Command|c)\s+|\b(?:iex|Invoke-Expression)\s*\(?\s*(?=['"])/i,
  reads: /\b(?:Get-Content|gc|cat|Copy-Item|Compress-Archive)\b/i,
  writes: /\b(?:Set-Content|Add-Content|Out-File|New-Item|Copy-Item)\b/i,
  wholeEnv: /\b(?:Get-ChildItem|gci|dir|ls)\s+env:(?!\w)|\[Environment\]::GetEnvironmentVariables\s*\(\s*\)/i,
  reverseShell: [/Net\.Sockets\.TCPClient/i, /GetStream\s*\(/i, /\biex\b|Invoke-Expression|Out-String/i],
  remoteExec:
    /\b(?:iex|Invoke-Expression)\b[^\n]{0,40}(?:\(|\|)?[^\n]{0,200}(?:DownloadString|DownloadData|Invoke-WebRequest|Invoke-RestMethod|\biwr\b|\birm\b)|(?:DownloadString|Invoke-WebRequest|Invoke-RestMethod|\biwr\b|\birm\b)[^\n]{0,200}\|\s*(?:iex|Invoke-Expression)\b/i,
  persistence: /CurrentVersion\\Run\b|\bschtasks(?:\.exe)?\s+\/create\b|\bRegister-ScheduledTask\b|\bNew-Service\b/i,
  privilege: /\bAdd-LocalGroupMember\b[^\n]{0,80}Administrators|\bnet\s+localgroup\s+administrators\b[^\n]{0,80}\/add/i,
};

/** Other scripting languages (Ruby, Perl, PHP, Lua): literals only (URLs, paths and command lines). */
export const GENERIC_PROFILE: LanguageProfile = {
  language: 'generic',
  syntax: { quotes: `'"`, triple: false, lineComments: ['#'], blockComments: [], escape: '\\' },
  send: [/\bNet::HTTP\.post\b|\bHTTP::Request->new\(\s*POST\b|\bsyswrite\s*\(\s*\$sock/i],
  get: [/\b(?:open-uri|LWP::Simple|Net::HTTP|file_get_contents\s*\(\s*['"]https?:)/i],
  socket: [/\b(?:IO::Socket|TCPSocket|fsockopen|socket\.connect)\b/i],
  evaluate: /\beval\s*[({"'`]|\binstance_eval\b|\bcreate_function\b/,
  decoders: /\b(?:base64_decode|decode_base64|unpack\s*\(\s*["']m|Base64\.decode64|pack\s*\(\s*["']H)\b/i,
  shellSinks: /\b(?:system|exec|popen|shell_exec|passthru|`)\s*\(?/,
  reads: /\b(?:open|File\.read|file_get_contents|slurp|read)\b/i,
  writes: /\b(?:open\s*\([^)]{0,80}[>w]|File\.write|file_put_contents|print\s+\$fh)\b/i,
  wholeEnv: /\bENV\.(?:to_h|each|inspect)\b|%ENV\b|\$_ENV\b|getenv\s*\(\s*\)/,
  reverseShell: [
    /\b(?:IO::Socket|TCPSocket|fsockopen|socket)\b/i,
    /\/bin\/(?:ba)?sh|\bexec\b/i,
    /\bdup2|\bSTDIN|\bSTDOUT|reopen\b/i,
  ],
};

const NEVER = /(?!)/;

/** Data files (JSON, YAML, HTML …) and unlabelled code: only what their literals say (URLs, paths, command lines). */
export const DATA_PROFILE: LanguageProfile = {
  language: 'generic',
  syntax: { quotes: `'"`, triple: false, lineComments: [], blockComments: [], escape: '\\' },
  send: [],
  get: [],
  socket: [],
  evaluate: NEVER,
  decoders: NEVER,
  shellSinks: NEVER,
  reads: NEVER,
  writes: NEVER,
  wholeEnv: NEVER,
  reverseShell: [],
};

export function profileFor(lang: CodeLanguage): LanguageProfile {
  if (lang === 'python') return PYTHON_PROFILE;
  if (lang === 'javascript') return JAVASCRIPT_PROFILE;
  if (lang === 'powershell') return POWERSHELL_PROFILE;
  return GENERIC_PROFILE;
}
