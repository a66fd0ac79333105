/**
 * L13 scoped, expiring grants: an approver (never the model: grants are made only through the admin API) lets a
 * scope of effects run without a prompt, for one session or a number of minutes:
 *   - egress: network effects whose every reachable host is one of `hosts` (never the host network mode);
 *   - paths: file-tool writes and deletions whose target, relative to the workspace, matches a glob;
 *   - executable: commands whose every program is this one, run inside the workspace — their pre-run text checks
 *     only: a command whose text reads as destructive (deletions such as `git clean -fdx` or `rm -rf src`, history
 *     rewrites), credential or config is never covered, checked on the command itself whatever classes the gate
 *     gave it (with exec effects on, L11.7 judges workspace deletions after the run and the gate says `write`).
 * An effect runs under grants only when every class that needs approval is covered by one of them. Never covered:
 * credential and config classes (secrets, configuration), anything a tool's own gate asks about (`view.layer`, e.g.
 * L11.7 host-executed files), and paths with a dot segment (.git, .github, .envrc …: files other programs execute).
 */
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  type EventBus,
  type SecurityEvent,
  newId,
  err,
  ok,
  type Result,
} from '../core/index.js';
import type { ActionClass } from '../config/index.js';
import type { EffectView } from './approvals.js';
import type { GrantStore } from './grant-store.js';
import { classifyArgv } from './action-classifier-exec.js';

declare module '../core/events.js' {
  interface EventMap {
    'grant:created': SecurityEvent;
    'grant:revoked': SecurityEvent;
  }
}

export interface GrantScope {
  readonly hosts?: readonly string[];
  /** Globs relative to the agent's workspace: `*` within a name, `**` across directories. */
  readonly paths?: readonly string[];
  /** A program name as the command runs it (its last path segment), e.g. `git`. */
  readonly executable?: string;
}

export interface GrantRequest {
  readonly agentId: string;
  /** Bound to one session; without it, every session of the agent. */
  readonly sessionId?: string;
  readonly scope: GrantScope;
  /** Minutes until it lapses (a session grant lapses too: at most a day). */
  readonly minutes: number;
  readonly reason?: string;
}

export interface Grant extends GrantRequest {
  readonly id: string;
  readonly by: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly uses: number;
}

/**
 * Whose turn asks: only the owner's (`Caller.owner`) turns may run under a grant. Strangers — webhooks, channel users
 * and tokens or certificates not mapped to the owner, internal components — are asked every time.
 */
export interface GrantAsker {
  readonly owner: boolean;
}

/** What the approval queue asks: a live grant (or set of grants) that covers this whole effect for this caller. */
export interface GrantCheck {
  covering(view: EffectView, now: number, asker: GrantAsker): readonly Grant[] | undefined;
  used(grants: readonly Grant[]): void;
}

export const MAX_GRANT_MINUTES = 24 * 60;
const MAX_GRANTS = 200;
const NEVER: readonly ActionClass[] = ['credential', 'config'];
const LABEL = /^[a-z0-9-]{1,63}$/;
const PROGRAM = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,63}$/;
const GLOB = /^[^\0\n]{1,256}$/;

function grantError(code: string, message: string, status = 400): BulwarkError {
  return bulwarkError(code, message, { layer: 'L13', status });
}

/** A workspace-relative glob as a regular expression over `/`-separated relative paths. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i] as string;
    if (ch === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:[^/]+/)*' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** `name` or `name:port` → parts; a port out of range gives undefined. */
function splitPort(h: string): { name: string; port: number } | undefined {
  const colon = h.lastIndexOf(':');
  const digits = colon === -1 ? undefined : h.slice(colon + 1);
  if (digits !== undefined && !/^[0-9]{1,5}$/.test(digits)) return undefined;
  const port = digits === undefined ? 443 : Number(digits);
  if (port < 1 || port > 65535) return undefined;
  return { name: (colon === -1 ? h : h.slice(0, colon)).toLowerCase().replace(/\.$/, ''), port };
}

/**
 * A DNS name or IPv4 address, optionally `*.` for its subdomains, optionally with `:port` (default 443, the port the
 * broker's hosts default to); labels of letters, digits and inner hyphens.
 */
function isHostName(h: string): boolean {
  const parts = splitPort(h);
  if (!parts) return false;
  const name = parts.name.startsWith('*.') ? parts.name.slice(2) : parts.name;
  return (
    name.length > 0 &&
    name.length <= 253 &&
    name
      .toLowerCase()
      .split('.')
      .every((l) => LABEL.test(l))
  );
}

/** The same port, and the same name (or a subdomain of a `*.` grant). */
function hostCovered(host: string, granted: readonly string[]): boolean {
  const h = splitPort(host);
  if (!h) return false;
  return granted.some((entry) => {
    const g = splitPort(entry);
    if (!g || g.port !== h.port) return false;
    return g.name.startsWith('*.')
      ? h.name.endsWith(g.name.slice(1)) && h.name.length > g.name.length - 1
      : h.name === g.name;
  });
}

/** The workspace-relative target of a file-tool write, from the view's diff header; undefined when not inside. */
function relativeTarget(view: EffectView, workspace: string): string | undefined {
  const m = view.diff ? /^\+\+\+ (.+)$/m.exec(view.diff) : null;
  const target = m?.[1];
  if (!target) return undefined;
  const rel = target.startsWith(`${workspace}/`) ? target.slice(workspace.length + 1) : target;
  if (rel.startsWith('/') || rel.split('/').some((s) => s === '..' || s === '' || s.startsWith('.'))) return undefined;
  return rel;
}

/** Classes no grant covers, whichever of them the command's text alone earns. */
const TEXT_NEVER: readonly ActionClass[] = ['destructive', ...NEVER];

/**
 * Each command as the pre-run text check reads it when nothing judges its effects afterwards: `git clean -fdx` and
 * `rm -rf src` are destructive here even when the gate classed them `write` because L11.7 holds their deletions.
 * The reason of the first command no grant may cover, or undefined.
 */
function destructiveByText(argvs: readonly (readonly string[])[], workspace: string): string | undefined {
  for (const argv of argvs) {
    const v = classifyArgv(argv, workspace === '' ? undefined : workspace);
    if (TEXT_NEVER.some((c) => v.classes.has(c))) return v.reasons.join('; ') || argv.join(' ');
  }
  return undefined;
}

function insideWorkspace(cwd: string, workspace: string): boolean {
  return workspace !== '' && (cwd === workspace || cwd.startsWith(`${workspace}/`));
}

export function validateGrant(r: GrantRequest): Result<GrantRequest, BulwarkError> {
  const s = r.scope;
  const kinds = [s.hosts, s.paths, s.executable].filter((k) => k !== undefined).length;
  if (kinds === 0)
    return err(grantError('grant.empty', 'a grant needs a scope: --host, --path or --exec (one or more)'));
  if (!Number.isInteger(r.minutes) || r.minutes < 1 || r.minutes > MAX_GRANT_MINUTES)
    return err(grantError('grant.minutes', `minutes must be a whole number from 1 to ${MAX_GRANT_MINUTES}`));
  for (const h of s.hosts ?? [])
    if (!isHostName(h))
      return err(
        grantError(
          'grant.host',
          `"${h.slice(0, 80)}" is not a host name (e.g. github.com, *.github.com or git.internal:8443)`,
        ),
      );
  for (const p of s.paths ?? [])
    if (!GLOB.test(p) || p.startsWith('/') || p.split('/').some((x) => x === '..' || x.startsWith('.')))
      return err(
        grantError(
          'grant.path',
          `"${p.slice(0, 80)}" is not a workspace-relative glob without .. or dot segments (e.g. src/**)`,
        ),
      );
  if (s.executable !== undefined && !PROGRAM.test(s.executable))
    return err(grantError('grant.exec', `"${s.executable.slice(0, 80)}" is not a program name (e.g. git)`));
  return ok(r);
}

export class ScopedGrants implements GrantCheck {
  private readonly grants = new Map<string, Grant>();
  /** Store writes in order; a failed one is audited (the grant then lives in memory only, until a restart). */
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly bus: EventBus,
    /** Real path of an agent's workspace ('' when it has none). */
    private readonly workspace: (agentId: string) => string,
    private readonly clock: () => number = Date.now,
    /** Where grants persist across restarts; without one they live in memory only. */
    private readonly store?: GrantStore,
  ) {}

  /** At start: the grants an earlier daemon made that have not lapsed. Returns how many. */
  async restore(): Promise<number> {
    if (!this.store) return 0;
    const now = this.clock();
    await this.store.prune(now);
    const live = await this.store.live(now);
    for (const g of live) if (validateGrant(g).ok) this.grants.set(g.id, g);
    return this.grants.size;
  }

  /** Resolves once every change so far is in the store. */
  flush(): Promise<void> {
    return this.writes;
  }

  private persist(what: string, write: (store: GrantStore) => Promise<unknown>): void {
    const store = this.store;
    if (!store) return;
    this.writes = this.writes
      .then(() => write(store))
      .then(
        () => undefined,
        (cause: unknown) =>
          this.bus.emit('security:warning', {
            layer: 'L13',
            outcome: 'unrecorded',
            reason: `${what} could not be stored: ${describeCause(cause)}`,
          }),
      );
  }

  create(request: GrantRequest, by: string): Result<Grant, BulwarkError> {
    const v = validateGrant(request);
    if (!v.ok) return v;
    if (this.workspace(request.agentId) === '')
      return err(
        grantError(
          'grant.agent',
          `no agent "${request.agentId.slice(0, 64)}" with a workspace (see bulwark status)`,
          404,
        ),
      );
    this.prune();
    if (this.grants.size >= MAX_GRANTS)
      return err(grantError('grant.too_many', `more than ${MAX_GRANTS} grants are live; revoke some first`, 409));
    const now = this.clock();
    const g: Grant = {
      ...request,
      scope: {
        ...(request.scope.hosts ? { hosts: request.scope.hosts.map((h) => h.toLowerCase()) } : {}),
        ...(request.scope.paths ? { paths: [...request.scope.paths] } : {}),
        ...(request.scope.executable ? { executable: request.scope.executable } : {}),
      },
      id: newId('grt'),
      by,
      createdAt: now,
      expiresAt: now + request.minutes * 60_000,
      uses: 0,
    };
    this.grants.set(g.id, g);
    this.persist(`grant ${g.id}`, (store) => store.save(g));
    this.bus.emit('grant:created', {
      layer: 'L13',
      outcome: 'created',
      grantId: g.id,
      agentId: g.agentId,
      ...(g.sessionId ? { sessionId: g.sessionId } : {}),
      by,
      scope: JSON.stringify(g.scope),
      expiresAt: new Date(g.expiresAt).toISOString(),
      ...(g.reason ? { reason: g.reason } : {}),
    });
    return ok(g);
  }

  revoke(id: string, by: string): Result<Grant, BulwarkError> {
    const g = this.grants.get(id);
    if (!g)
      return err(grantError('grant.unknown', `no live grant ${id.slice(0, 40)} (see bulwark approvals grants)`, 404));
    this.grants.delete(id);
    this.persist(`the revocation of grant ${id}`, (store) => store.remove(id));
    this.bus.emit('grant:revoked', { layer: 'L13', outcome: 'revoked', grantId: id, agentId: g.agentId, by });
    return ok(g);
  }

  list(): Grant[] {
    this.prune();
    return [...this.grants.values()];
  }

  covering(view: EffectView, now: number, asker: GrantAsker): readonly Grant[] | undefined {
    // A grant is the operator's trust in their own agent's work, never in content a stranger sent (issue 17: nothing
    // a webhook starts is auto-approved). Strictly `true`: a caller that cannot say it is the owner is not.
    if (asker.owner !== true) return undefined;
    const live = [...this.grants.values()].filter(
      (g) =>
        g.expiresAt > now &&
        g.agentId === view.agentId &&
        (g.sessionId === undefined || g.sessionId === view.sessionId),
    );
    return this.cover(view, live);
  }

  /**
   * The narrowest scope a grant made from this pending request would have ("approve for N minutes"): the one program
   * its commands run, the hosts it reaches, the exact workspace file it writes. An error when no grant could cover it
   * (destructive commands, credentials, host-executed files, dot paths …): those are asked every time.
   */
  scopeFor(view: EffectView): Result<GrantScope, BulwarkError> {
    const notGrantable = (why: string) =>
      err(grantError('grant.not_grantable', `a grant cannot cover this effect: ${why}; it is asked every time`, 409));
    if (view.layer !== undefined) return notGrantable(`${view.layer} asks about it itself`);
    // Grants answer the owner's turns only, so one made on a stranger's request would let a stranger choose what
    // the owner's turns then run unasked.
    if (view.caller?.owner !== true)
      return notGrantable('a caller who is not the owner asked for it (only the owner’s requests can become grants)');
    const workspace = this.workspace(view.agentId);
    const argvs = view.argv ?? [];
    const destructive = destructiveByText(argvs, workspace);
    if (destructive !== undefined) return notGrantable(`its text is destructive (${destructive})`);
    const programs = [...new Set(argvs.map((a) => (a[0] ?? '').split('/').pop() ?? ''))];
    const needs = (c: ActionClass) => view.classes.includes(c);
    const rel = argvs.length === 0 ? relativeTarget(view, workspace) : undefined;
    const scope: GrantScope = {
      ...(programs.length === 1 && PROGRAM.test(programs[0] as string) ? { executable: programs[0] as string } : {}),
      ...(needs('network') && view.network.mode !== 'host' && view.network.grants.length > 0
        ? { hosts: view.network.grants.map((h) => h.toLowerCase()) }
        : {}),
      ...(rel !== undefined && !/[*?]/.test(rel) ? { paths: [rel] } : {}),
    };
    if (scope.executable === undefined && scope.hosts === undefined && scope.paths === undefined)
      return notGrantable('it names no single program, host list or workspace file');
    const now = this.clock();
    const candidate: Grant = {
      agentId: view.agentId,
      scope,
      minutes: 1,
      id: 'grt_candidate',
      by: '',
      createdAt: now,
      expiresAt: now + 60_000,
      uses: 0,
    };
    return this.cover(view, [candidate])
      ? ok(scope)
      : notGrantable(`its classes (${view.classes.join(', ')}) are not all coverable`);
  }

  private cover(view: EffectView, live: readonly Grant[]): readonly Grant[] | undefined {
    if (view.layer !== undefined || view.classes.some((c) => NEVER.includes(c))) return undefined;
    if (live.length === 0) return undefined;
    const workspace = this.workspace(view.agentId);
    const used = new Set<Grant>();
    const argvs = view.argv ?? [];
    // By construction, whatever classes the gate gave (with L11.7 on, deletions in the workspace are `write`).
    if (destructiveByText(argvs, workspace) !== undefined) return undefined;
    const programs = argvs.map((a) => (a[0] ?? '').split('/').pop() ?? '');
    for (const cls of view.classes) {
      let by: Grant | undefined;
      if (cls === 'read') continue;
      if (cls === 'network') {
        const hosts = view.network.grants;
        if (view.network.mode === 'host' || hosts.length === 0) return undefined;
        by = live.find((g) => g.scope.hosts && hosts.every((h) => hostCovered(h, g.scope.hosts as string[])));
      } else if (cls === 'exec' || (cls === 'write' && argvs.length > 0)) {
        by = live.find(
          (g) =>
            g.scope.executable !== undefined &&
            programs.length > 0 &&
            programs.every((p) => p === g.scope.executable) &&
            insideWorkspace(view.cwd, workspace),
        );
      } else if ((cls === 'write' || cls === 'destructive') && argvs.length === 0) {
        const rel = relativeTarget(view, workspace);
        by =
          rel === undefined
            ? undefined
            : live.find((g) => g.scope.paths?.some((p) => globRegExp(p).test(rel)) === true);
      }
      // Anything else (a destructive command, messaging, memory …) is never covered by a grant.
      if (!by) return undefined;
      used.add(by);
    }
    return used.size > 0 ? [...used] : undefined;
  }

  used(grants: readonly Grant[]): void {
    for (const g of grants) {
      const cur = this.grants.get(g.id);
      if (!cur) continue;
      this.grants.set(g.id, { ...cur, uses: cur.uses + 1 });
      this.persist(`the use count of grant ${g.id}`, (store) => store.setUses(g.id, cur.uses + 1));
    }
  }

  private prune(): void {
    const now = this.clock();
    let lapsed = 0;
    for (const [id, g] of this.grants)
      if (g.expiresAt <= now) {
        this.grants.delete(id);
        lapsed++;
      }
    if (lapsed > 0) this.persist('pruning lapsed grants', (store) => store.prune(now));
  }
}
