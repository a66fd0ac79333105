/**
 * What a shell script does, read through the shell model (src/text/shell-model.ts): the commands it runs after
 * wrappers, their redirects, pipelines, substitutions and nested scripts. Facts: fetches and uploads (curl, wget,
 * nc, scp, cloud copies), remote content run as code (`curl | sh`, `bash <(curl …)`, download → chmod → run),
 * decoded or built-at-run-time scripts (`base64 -d | sh`, `eval "$(… | rev)"`), credential reads, whole-environment
 * dumps, DNS queries with built names, reverse shells, writes to places the host runs later, privilege changes.
 */
import { parseShell, type ResolvedCommand, type ShellModel, isDecoder, type Word } from '../../../text/index.js';
import { LineIndex } from './excerpt.js';
import { isArming, type FactSet, type CodeLanguage } from './facts.js';
import { credentialCommandOf, credentialKindOf, hostKindOf, hostOfWord, persistencePlaceOf } from './locations.js';
import type { Fact, TextSite } from './types.js';

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'fish', 'mksh', 'busybox']);
const INTERPRETERS: ReadonlyMap<string, CodeLanguage> = new Map([
  ['python', 'python'],
  ['python2', 'python'],
  ['python3', 'python'],
  ['node', 'javascript'],
  ['nodejs', 'javascript'],
  ['deno', 'javascript'],
  ['bun', 'javascript'],
  ['perl', 'generic'],
  ['ruby', 'generic'],
  ['php', 'generic'],
  ['lua', 'generic'],
  ['osascript', 'generic'],
  ['pwsh', 'powershell'],
  ['powershell', 'powershell'],
  ['powershell.exe', 'powershell'],
]);
const FETCHERS = new Set(['curl', 'wget', 'fetch', 'aria2c', 'http', 'https', 'xh', 'lwp-request', 'lwp-download']);
const SOCKET_CLIENTS = new Set(['nc', 'ncat', 'netcat', 'socat', 'telnet', 'openssl']);
const DNS_TOOLS = new Set(['nslookup', 'dig', 'host', 'drill', 'resolvectl', 'ping', 'ping6']);
const COPIERS = new Set(['scp', 'rsync', 'sftp']);
/** Commands whose file operands are read (a credential file given to one of them is read). */
const READERS = new Set([
  'cat',
  'tac',
  'less',
  'more',
  'head',
  'tail',
  'cp',
  'mv',
  'scp',
  'rsync',
  'tar',
  'zip',
  '7z',
  'gzip',
  'base64',
  'base32',
  'xxd',
  'od',
  'hexdump',
  'strings',
  'gpg',
  'openssl',
  'grep',
  'sqlite3',
  'sed',
  'awk',
  'dd',
  'find',
  'ls',
  'nc',
  'curl',
]);
const ENV_DUMPERS = new Set(['env', 'printenv']);
const PRIVILEGED_GROUPS = /^(?:sudo|wheel|admin|root|docker|lxd|disk|shadow)$/;

interface Download {
  readonly host: string;
  readonly insecure: boolean;
  readonly hostKind: Fact['hostKind'];
}

/** One script's reading state: its variables (simple assignments), the files it downloaded, its line index. */
class ScriptState {
  readonly vars = new Map<string, string>();
  readonly downloads = new Map<string, Download>();
  readonly executable = new Set<string>();
  readonly lines: LineIndex;
  private searchFrom = 0;

  constructor(
    readonly text: string,
    readonly site: TextSite,
    readonly into: FactSet,
  ) {
    this.lines = new LineIndex(text);
  }

  /** Absolute line of a command, found by its source text (commands come in order). */
  lineOf(source: string): number {
    const probe = source.slice(0, 60);
    let at = probe ? this.text.indexOf(probe, this.searchFrom) : -1;
    if (at < 0 && probe) at = this.text.indexOf(probe);
    if (at >= 0) this.searchFrom = at;
    return this.site.line + this.lines.lineOf(Math.max(0, at));
  }

  /** `$NAME`, `${NAME}` of simple assignments seen so far replaced by their values. */
  expand(text: string): string {
    if (!text.includes('$')) return text;
    return text.replace(
      /\$\{?([A-Za-z_][A-Za-z0-9_]{0,63})\}?/g,
      (whole, name: string) => this.vars.get(name) ?? whole,
    );
  }
}

/** Removes prompts (`$ `) and joins the lines of a documentation block so the shell reads commands, not a session. */
function asScript(text: string): string {
  return text
    .split('\n')
    .map((l) =>
      l.replace(/^\s*(?:\$|>|PS [^>]{0,80}>|[a-z0-9_-]{1,32}@[a-z0-9_.-]{1,64}:[^$#]{0,120}[$#])\s(?=\S)/i, ''),
    )
    .join('\n');
}

/** Parses the whole text, else each line (a documentation block may mix commands, output and prose). */
function models(text: string): ShellModel[] {
  const whole = parseShell(text);
  if (whole.ok) return [whole.value];
  const out: ShellModel[] = [];
  let pending = '';
  for (const line of text.split('\n')) {
    pending = pending ? `${pending}\n${line}` : line;
    if (/\\\s*$/.test(line)) continue;
    const m = parseShell(pending);
    if (m.ok) out.push(m.value);
    pending = '';
  }
  return out;
}

export function shellFacts(raw: string, site: TextSite, into: FactSet): void {
  const text = asScript(raw);
  const state = new ScriptState(text, site, into);
  for (const model of models(text)) readModel(model, state);
}

function readModel(model: ShellModel, s: ScriptState): void {
  const pipelines = new Map<number, ResolvedCommand[]>();
  for (const c of model.commands) {
    const list = pipelines.get(c.pipeline) ?? [];
    list.push(c);
    pipelines.set(c.pipeline, list);
  }
  // Commands in substitutions feed the command that holds them: fetches and decoders there decide what an
  // opaque `eval "$(…)"` or `bash <(…)` runs.
  const substituted = model.commands.filter((c) => c.inSubstitution);
  for (const c of model.commands) {
    if (c.inSubstitution && c.argv.length === 0) continue;
    readCommand(c, s, pipelines.get(c.pipeline) ?? [c], substituted);
  }
}

function words(ws: readonly Word[], s: ScriptState): string[] {
  return ws.map((w) => s.expand(w.text));
}

function readCommand(
  c: ResolvedCommand,
  s: ScriptState,
  pipeline: readonly ResolvedCommand[],
  substituted: readonly ResolvedCommand[],
): void {
  const line = s.lineOf(c.source);
  const at = (kind: Fact['kind'], extra: Partial<Fact> = {}) =>
    s.into.add({ kind, line, excerpt: c.source, ...extra }, s.site);
  const argv = words(c.argv, s);
  const name = argv[0] ?? '';

  // Variables: NAME=value alone on a line is remembered for later words.
  if (argv.length === 0)
    for (const a of c.assignments) {
      const eq = a.indexOf('=');
      if (eq > 0) s.vars.set(a.slice(0, eq), s.expand(a.slice(eq + 1).replace(/^["']|["']$/g, '')));
    }

  readNetwork(c, argv, s, at, pipeline);
  readExecution(c, argv, s, at, pipeline, substituted);
  readCredentials(c, argv, s, at);
  readWrites(c, argv, s, at, pipeline);
  readPrivilege(argv, at);

  // Reverse shells: a shell's streams tied to a TCP peer.
  for (const r of c.redirects) {
    const target = s.expand(r.target.text);
    if (/^\/dev\/(?:tcp|udp)\//.test(target)) at('reverse-shell', { host: target.split('/')[3] ?? '', hostKind: 'ip' });
  }
  if (/^(?:nc|ncat|netcat)$/.test(name) && argv.some((a) => /^-(?:[a-z]*[ec]|-exec|-sh-exec|-lua-exec)$/.test(a)))
    at('reverse-shell', { detail: `${name} runs a program for its peer` });
  if (
    name === 'socat' &&
    argv.some((a) => /^(?:exec|system):/i.test(a)) &&
    argv.some((a) => /^(?:tcp|ssl|openssl)/i.test(a))
  )
    at('reverse-shell', { detail: 'socat ties a program to a network peer' });

  // Nested code: scripts given to shells, inline interpreter code, PowerShell commands.
  for (const n of [...c.scripts, ...c.variableScripts, ...(c.stdinFeed?.scripts ?? [])])
    if (n.model.ok) readModel(n.model.value, s);
  for (const e of c.extraCommands) readCommand(e, s, [e], substituted);
  if (c.inlineCode) {
    const lang =
      INTERPRETERS.get(c.inlineCode.interpreter.replace(/\d[\d.]*$/, '')) ?? INTERPRETERS.get(c.inlineCode.interpreter);
    s.into.nested(lang ?? 'generic', c.inlineCode.code, { ...s.site, line });
  }
  if (INTERPRETERS.get(name) === 'powershell') readPowerShellArgs(argv, s, line, at);
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

type At = (kind: Fact['kind'], extra?: Partial<Fact>) => void;

interface FetchShape {
  readonly urls: Array<{ host: string; insecure: boolean }>;
  readonly sends: boolean;
  /** Where the body goes: '-' for stdout, else a file path. */
  readonly output: string;
  /** Local files sent (`-d @f`, `-F x=@f`, `-T f`, `--post-file f`). */
  readonly uploads: string[];
}

function fetchShape(name: string, argv: readonly string[]): FetchShape {
  const urls: FetchShape['urls'] = [];
  const uploads: string[] = [];
  let sends = false;
  let output = name === 'wget' || name === 'aria2c' || name === 'lwp-download' ? '' : '-';
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i] ?? '';
    const next = argv[i + 1] ?? '';
    if (name === 'curl') {
      if (/^(?:-d|--data(?:-raw|-binary|-urlencode|-ascii)?|--json)$/.test(a)) {
        sends = true;
        if (next.startsWith('@')) uploads.push(next.slice(1));
        i++;
        continue;
      }
      if (/^(?:-F|--form)$/.test(a)) {
        sends = true;
        const file = /=[@<]([^;]+)/.exec(next)?.[1];
        if (file) uploads.push(file);
        i++;
        continue;
      }
      if (/^(?:-T|--upload-file)$/.test(a)) {
        sends = true;
        uploads.push(next);
        i++;
        continue;
      }
      if (/^(?:-X|--request)$/.test(a)) {
        if (/^(?:POST|PUT|PATCH)$/i.test(next)) sends = true;
        i++;
        continue;
      }
      if (/^-d./.test(a)) sends = true;
      if (/^(?:-o|--output)$/.test(a)) {
        output = next;
        i++;
        continue;
      }
      if (/^-[a-zA-Z]*O$/.test(a) || a === '--remote-name') output = 'remote-name';
      if (/^-[a-zA-Z]*o$/.test(a) && a.length > 2) {
        output = next;
        i++;
        continue;
      }
    } else if (name === 'wget') {
      if (/^--(?:post|body)-(?:data|file)/.test(a) || /^--method=(?:POST|PUT|PATCH)$/i.test(a)) {
        sends = true;
        if (/^--(?:post|body)-file=/.test(a)) uploads.push(a.slice(a.indexOf('=') + 1));
        if (/^--(?:post|body)-file$/.test(a)) uploads.push(next);
      }
      const o = /^-[a-zA-Z]*O(.*)$/.exec(a) ?? /^--output-document=(.*)$/.exec(a);
      if (o) {
        output = o[1] || next;
        if (!o[1]) i++;
        continue;
      }
    }
    if (!a.startsWith('-')) {
      const h = hostOfWord(a);
      if (h) urls.push(h);
    }
  }
  if (output === '' || output === 'remote-name') output = '';
  return { urls, sends, output, uploads };
}

function hostFacts(urls: FetchShape['urls']): Array<Pick<Fact, 'host' | 'hostKind' | 'insecure'>> {
  if (urls.length === 0) return [{ hostKind: 'dynamic' }];
  return urls.map((u) => ({ host: u.host, hostKind: hostKindOf(u.host), insecure: u.insecure }));
}

function isShellReadingStdin(c: ResolvedCommand): boolean {
  const name = c.argv[0]?.text ?? '';
  if (c.readsStdinScript) return true;
  if (!SHELLS.has(name) && !INTERPRETERS.has(name)) return false;
  // `sh -s …`, `python3 -`, `bash` alone: the program comes from stdin.
  const operands = c.argv.slice(1).filter((w) => !w.text.startsWith('-') || w.text === '-');
  return operands.length === 0 || operands[0]?.text === '-' || c.argv.some((w) => w.text === '-s');
}

function readNetwork(
  c: ResolvedCommand,
  argv: readonly string[],
  s: ScriptState,
  at: At,
  pipeline: readonly ResolvedCommand[],
): void {
  const name = argv[0] ?? '';
  if (FETCHERS.has(name)) {
    const shape = fetchShape(name, argv);
    const sinkIsShell =
      shape.output === '-' && pipeline.some((p) => p.pipePosition > c.pipePosition && isShellReadingStdin(p));
    for (const h of hostFacts(shape.urls)) {
      at(shape.sends || shape.uploads.length > 0 ? 'net.send' : 'net.get', h);
      if (sinkIsShell)
        at('exec.remote', {
          ...h,
          ...(c.background || pipeline.some((p) => p.background) ? { hidden: true } : {}),
          detail: 'downloaded text piped into a shell',
        });
      if (shape.output && shape.output !== '-') {
        const d = { host: h.host ?? '', insecure: h.insecure === true, hostKind: h.hostKind };
        s.downloads.set(s.expand(shape.output), d);
        s.downloads.set(baseName(s.expand(shape.output)), d);
      }
      if (name === 'wget' && shape.output === '' && shape.urls[0]) {
        const base = /\/([^/?#]+)$/.exec((argv.find((a) => a.includes('://')) ?? '').split(/[?#]/)[0] ?? '')?.[1];
        if (base) s.downloads.set(base, { host: h.host ?? '', insecure: h.insecure === true, hostKind: h.hostKind });
      }
    }
    for (const f of shape.uploads) {
      const kind = credentialKindOf(f);
      if (kind) at('cred.read', { detail: kind });
      else if (f === '-' || f === '') at('files.read', { detail: 'standard input' });
      else at('files.read', { detail: f });
    }
    return;
  }
  if (SOCKET_CLIENTS.has(name) && name !== 'openssl') {
    const listens = argv.some((a) => /^-[a-z]*l[a-z]*$/.test(a) || /^(?:tcp-)?listen:/i.test(a));
    const host = argv
      .slice(1)
      .find((a) => !a.startsWith('-') && (hostOfWord(a) || /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(a)));
    if (!listens && host) {
      const h = hostOfWord(host)?.host ?? host.toLowerCase();
      at('net.socket', { host: h, hostKind: hostKindOf(h) });
      if (c.pipePosition > 0 || c.redirects.some((r) => r.kind === 'read'))
        at('net.send', { host: h, hostKind: hostKindOf(h) });
    }
    return;
  }
  if (DNS_TOOLS.has(name)) {
    const target = c.argv
      .slice(1)
      .find((w) => !w.text.startsWith('-') && !w.text.startsWith('@') && !w.text.startsWith('+'));
    if (target?.dynamic) at('net.dns-exfil', { detail: 'a DNS name built at run time' });
    return;
  }
  if (COPIERS.has(name)) {
    const dest = argv[argv.length - 1] ?? '';
    const remote = /^([a-z0-9.-]{1,253}):/i.exec(dest.replace(/^[a-z0-9._-]{1,64}@/i, ''));
    if (remote?.[1]) at('net.send', { host: remote[1].toLowerCase(), hostKind: hostKindOf(remote[1]) });
    return;
  }
  if (
    (name === 'aws' && argv[1] === 's3' && /^(?:cp|sync|mv)$/.test(argv[2] ?? '')) ||
    (name === 'gsutil' && /^(?:cp|rsync)$/.test(argv[1] ?? ''))
  ) {
    const dest = argv[argv.length - 1] ?? '';
    if (/^(?:s3|gs):\/\//.test(dest))
      at('net.send', { host: dest.split('/')[2] ?? '', hostKind: 'named', detail: 'cloud storage upload' });
  }
}

function readExecution(
  c: ResolvedCommand,
  argv: readonly string[],
  s: ScriptState,
  at: At,
  pipeline: readonly ResolvedCommand[],
  substituted: readonly ResolvedCommand[],
): void {
  const name = argv[0] ?? '';
  // What an opaque script is built from decides how bad it is.
  if (c.opaque?.kind === 'script') {
    const fetch = substituted.find((x) => FETCHERS.has(x.argv[0]?.text ?? ''));
    const decoder = substituted.map((x) => isDecoder(x.argv)).find((d) => d !== undefined);
    if (fetch) {
      const shape = fetchShape(fetch.argv[0]?.text ?? '', words(fetch.argv, s));
      for (const h of hostFacts(shape.urls)) at('exec.remote', { ...h, detail: 'downloaded text run as a script' });
    } else if (decoder) at('exec.decoded', { detail: `a script decoded at run time (${decoder})` });
    else at('exec.dynamic', { detail: c.opaque.reason });
  }
  const feed = c.stdinFeed?.opaque;
  if (feed) {
    const fromFetch = pipeline.some((p) => p.pipePosition < c.pipePosition && FETCHERS.has(p.argv[0]?.text ?? ''));
    if (/decoder/.test(feed.reason)) at('exec.decoded', { detail: feed.reason });
    else if (!fromFetch) at('exec.dynamic', { detail: feed.reason });
  }
  // A downloaded file made executable and run (or handed to an interpreter).
  if (
    name === 'chmod' &&
    argv.slice(1).some((a) => /^(?:[ugoa]*\+[rwx]*x|[0-7]?[0-7][0-7]5|[0-7]?[0-7]?[1357][0-7]{2}|7[0-7]{2})$/.test(a))
  )
    for (const f of argv.slice(2)) s.executable.add(f);
  // argv[0] is a base name after unwrapping: the word as written says which file runs.
  const written = s.expand(c.words.find((w) => !/^[A-Za-z_][A-Za-z0-9_]*=/.test(w.text))?.text ?? name);
  const runs = SHELLS.has(name) || INTERPRETERS.has(name) || name === 'source' || name === '.' ? argv[1] : written;
  if (runs) {
    const d = s.downloads.get(runs) ?? s.downloads.get(runs.replace(/^\.\//, '')) ?? s.downloads.get(baseName(runs));
    if (d)
      at('exec.remote', {
        host: d.host,
        hostKind: d.hostKind,
        insecure: d.insecure,
        detail: 'a downloaded file is run',
        ...(c.background || /(?:^|\/)\.[^/]+$/.test(runs) || runs.startsWith('/tmp/') ? { hidden: true } : {}),
      });
  }
}

function readCredentials(c: ResolvedCommand, argv: readonly string[], s: ScriptState, at: At): void {
  const name = argv[0] ?? '';
  const cmd = credentialCommandOf(argv);
  if (cmd) at('cred.read', { detail: cmd });
  if (READERS.has(name) || name === 'security')
    for (const a of argv.slice(1)) {
      const kind = credentialKindOf(a.replace(/^[a-z]+=/, ''));
      if (kind) {
        at('cred.read', { detail: kind });
        break;
      }
    }
  for (const r of c.redirects) {
    if (r.kind !== 'read') continue;
    const kind = credentialKindOf(s.expand(r.target.text));
    if (kind) at('cred.read', { detail: kind });
  }
  const proc = argv.slice(1).some((a) => /^\/proc\/[^/]+\/environ$/.test(a));
  const dumps =
    (ENV_DUMPERS.has(name) && argv.slice(1).every((a) => a.startsWith('-'))) ||
    (name === 'set' && argv.length === 1) ||
    (/^(?:export|declare|typeset)$/.test(name) &&
      argv.slice(1).every((a) => /^-[a-z]*[px][a-z]*$/.test(a)) &&
      argv.length > 1);
  if (proc || (dumps && (c.piped || c.inSubstitution || c.redirects.some((r) => r.kind === 'write'))))
    at('env.dump', { detail: proc ? 'another process environment' : 'the whole environment' });
}

/** Text a command writes: its heredocs and the words of echo/printf. */
function writtenText(c: ResolvedCommand, argv: readonly string[]): string {
  const parts = [...c.heredocs];
  if (/^(?:echo|printf)$/.test(argv[0] ?? ''))
    parts.push(
      argv
        .slice(1)
        .filter((a) => !/^-[neE]+$/.test(a))
        .join(' ')
        .replace(/\\n/g, '\n'),
    );
  return parts.join('\n');
}

function readWrites(
  c: ResolvedCommand,
  argv: readonly string[],
  s: ScriptState,
  at: At,
  pipeline: readonly ResolvedCommand[],
): void {
  const name = argv[0] ?? '';
  const targets: string[] = [];
  for (const r of c.redirects) if (r.kind === 'write') targets.push(s.expand(r.target.text));
  if (name === 'tee') targets.push(...argv.slice(1).filter((a) => !a.startsWith('-')));
  if (/^(?:cp|mv|install|ln)$/.test(name)) {
    const ops = argv.slice(1).filter((a) => !a.startsWith('-'));
    if (ops.length >= 2) targets.push(ops[ops.length - 1] ?? '');
  }
  if (name === 'dd') for (const a of argv) if (a.startsWith('of=')) targets.push(a.slice(3));
  if (name === 'sed' && argv.some((a) => /^-[a-z]*i/.test(a))) targets.push(argv[argv.length - 1] ?? '');
  if (name === 'chmod')
    for (const f of argv.slice(2)) if (/\.git\/hooks\//.test(f) || /hooks\/[a-z-]+$/.test(f)) targets.push(f);

  // What lands in the file: this command's heredocs/echo, or what its pipeline feeds it (`… | tee ~/.bashrc`).
  const content = [
    writtenText(c, argv),
    ...pipeline.filter((p) => p !== c && p.pipePosition < c.pipePosition).map((p) => writtenText(p, words(p.argv, s))),
  ].join('\n');
  for (const t of targets) {
    const place = persistencePlaceOf(t);
    if (!place) continue;
    const armed = armedContent(content, s, t);
    at(place.privilege ? 'priv.escalate' : 'persist.write', {
      detail: `${place.id}: ${t}`,
      ...(armed ? { armed } : {}),
    });
  }
  if (name === 'crontab') {
    const op = argv[1] ?? '-';
    if (op !== '-l' && op !== '-r') {
      const fed = pipeline
        .filter((p) => p.pipePosition < c.pipePosition)
        .map((p) => [writtenText(p, words(p.argv, s)), p.source].join('\n'))
        .join('\n');
      at('persist.write', { detail: 'crontab', ...(armedContent(fed, s, 'crontab') ? { armed: true } : {}) });
    }
  }
  if (name === 'systemctl' && argv.includes('enable')) at('persist.write', { detail: 'systemd service enabled' });
  if (name === 'launchctl' && /^(?:load|bootstrap|submit|enable)$/.test(argv[1] ?? ''))
    at('persist.write', { detail: 'launchd job loaded' });
  if (name === 'git' && argv.includes('config') && argv.some((a) => /^core\.hookspath$/i.test(a)))
    at('persist.write', { detail: 'git core.hooksPath' });
}

/** The five schedule fields of a cron line (or an @reboot-style shorthand). */
const CRON_SCHEDULE =
  /^\s*(?:@[a-z]{3,10}\s|[-*/0-9,a-z]{1,40}\s[-*/0-9,a-z]{1,40}\s[-*/0-9,a-z]{1,40}\s[-*/0-9,a-z]{1,40}\s[-*/0-9,a-z]{1,40}\s)/;

/** Whether content written to a place the host runs would fetch, decode, send or run something. */
function armedContent(content: string, s: ScriptState, target: string): boolean {
  if (content.trim() === '') return false;
  const site = { ...s.site, file: s.site.file };
  const lang = /\.(?:py)$/.test(target) ? 'python' : /\.(?:js|mjs|cjs|json)$/.test(target) ? 'javascript' : 'shell';
  const inner = s.into.probe(lang, content, site);
  // Unit files and cron lines carry commands after a key or a schedule: read them as commands too.
  const commands = content
    .split('\n')
    .map((l) => l.replace(/^\s*Exec[A-Za-z]*=/, '').replace(CRON_SCHEDULE, ''))
    .join('\n');
  const more = commands !== content ? s.into.probe('shell', commands, site) : [];
  return [...inner, ...more].some(isArming);
}

function readPrivilege(argv: readonly string[], at: At): void {
  const name = argv[0] ?? '';
  if (name === 'chmod' && argv.slice(1).some((a) => /^(?:[ugoa]*\+[rwx]*s|[2467][0-7]{3})$/.test(a)))
    at('priv.escalate', { detail: 'setuid/setgid bit' });
  if (name === 'setcap') at('priv.escalate', { detail: 'file capabilities' });
  if (name === 'visudo') at('priv.escalate', { detail: 'sudoers edited' });
  if ((name === 'usermod' && argv.some((a) => /^-[a-z]*G/.test(a))) || name === 'gpasswd' || name === 'adduser') {
    if (argv.slice(1).some((a) => a.split(',').some((g) => PRIVILEGED_GROUPS.test(g))))
      at('priv.escalate', { detail: 'user added to a privileged group' });
  }
}

function readPowerShellArgs(argv: readonly string[], s: ScriptState, line: number, at: At): void {
  for (let i = 1; i < argv.length; i++) {
    const a = (argv[i] ?? '').toLowerCase();
    if (/^-(?:e|ec|enc|encodedcommand|encodedcommand)$/.test(a) || /^-enc/.test(a)) {
      const blob = argv[i + 1] ?? '';
      const decoded = Buffer.from(blob, 'base64').toString('utf16le');
      at('exec.decoded', { detail: 'PowerShell -EncodedCommand' });
      s.into.nested('powershell', decoded, { ...s.site, line }, true);
      return;
    }
    if (/^-(?:c|command)$/.test(a)) {
      s.into.nested('powershell', argv.slice(i + 1).join(' '), { ...s.site, line });
      return;
    }
  }
}
