/**
 * L08.1 taint-aware egress. A session that has seen secret material — a vault value (L23 replaced it), a secret
 * format or a canary in a tool result, a secret or canary finding of L02/L17 in the model's output — is tainted
 * for good (the record is kept in the store: neither a restart nor other sessions clear it). From then on, an outbound request of that session to a host outside
 * `net.egress.trusted` that carries a candidate (net/egress-candidates.ts: a value that decodes to long,
 * high-entropy text) waits for the operator, who is shown the decoded candidate. The answer to encodings no list
 * covers: the model may re-encode a secret any way it likes, the request still has to carry it somewhere.
 */
import { createHash } from 'node:crypto';
import { lstatSync, readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import {
  auditContext,
  bulwarkError,
  type BulwarkError,
  type EventBus,
  type SecurityEvent,
  err,
  ok,
  type Result,
  childPath,
  describeCause,
  type LayerReporter,
  staticReporter,
} from '../core/index.js';
import { splitHostPort } from '../config/index.js';
import { egressCandidates, type EgressCandidate, type RequestHeader } from '../net/index.js';
import type { FragmentScan } from '../secrets/index.js';
import type { ToolRunContext } from './tools/tool.js';
import { MAX_TAINT_REASONS, type TaintStore } from './taint-store.js';

declare module '../core/events.js' {
  interface EventMap {
    /** A session saw secret material (what kind, never the value): L08.1 treats it as tainted. */
    'security:session_tainted': SecurityEvent;
    /** An outbound request of a tainted session carried candidates to an untrusted host: held for the operator. */
    'security:egress_held': SecurityEvent;
  }
}

/** Sessions whose taint is also kept in memory (a cache in front of the store: forgetting one loses nothing). */
const CACHED_SESSIONS = 10_000;

/**
 * Tainted sessions and why. With a TaintStore the store is what counts and memory only a bounded cache in front of
 * it, so neither a restart nor a flood of new sessions forgets a taint; without one (tests, tools), memory only.
 * `mark` records in memory at once (a check that follows in the same turn sees it) and in the store before it
 * resolves.
 */
export class SecretTaint {
  private readonly cache = new Map<string, string[]>();
  /** Checks under way that may taint a session (a workspace walk): `reasons` waits for them. */
  private readonly pending = new Map<string, Set<Promise<void>>>();

  constructor(private readonly store?: TaintStore) {}

  /** Resolves true when the session was not tainted before (in the store when there is one). */
  mark(sessionId: string, reason: string): Promise<boolean> {
    const known = this.cache.get(sessionId);
    const fresh = known === undefined;
    if (known) {
      if (!known.includes(reason) && known.length < MAX_TAINT_REASONS) known.push(reason);
    } else {
      if (this.cache.size >= CACHED_SESSIONS) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(sessionId, [reason]);
    }
    return this.store ? this.store.mark(sessionId, reason) : Promise.resolve(fresh);
  }

  /**
   * A check that may taint the session is under way (it must not reject: it marks the session itself on failure).
   * Until it settles, `reasons` waits for it, so a tool's answer need not wait for the check, only the next egress.
   */
  track(sessionId: string, check: Promise<void>): void {
    const set = this.pending.get(sessionId) ?? new Set<Promise<void>>();
    const settled = check.finally(() => {
      set.delete(settled);
      if (set.size === 0 && this.pending.get(sessionId) === set) this.pending.delete(sessionId);
    });
    set.add(settled);
    this.pending.set(sessionId, set);
  }

  /**
   * Resolves once every check under way for any session has settled, checks that begin meanwhile too (a turn still
   * running when the daemon stops, a Telegram one, ends its run and starts its marking), or after `timeoutMs` (a
   * shutdown must not hang on a walk of a huge workspace); true when all settled. A daemon that stops waits here before
   * closing its stores, so the marks of a run that just ended are on record for the next start.
   */
  async settled(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const all = [...this.pending.values()].flatMap((set) => [...set]);
      if (all.length === 0) return true;
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), left);
      });
      try {
        if (!(await Promise.race([Promise.all(all).then(() => true), timeout]))) return false;
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /**
   * Why the session is tainted, or undefined, once every check under way for it has settled. A store that cannot be
   * read gives a reason saying so: the session is treated as tainted rather than let through.
   */
  async reasons(sessionId: string): Promise<readonly string[] | undefined> {
    const waiting = this.pending.get(sessionId);
    if (waiting) await Promise.all([...waiting]);
    return this.reasonsNow(sessionId);
  }

  /** Why the session is tainted as recorded now, without waiting for checks under way (the checks' own read). */
  async reasonsNow(sessionId: string): Promise<readonly string[] | undefined> {
    const cached = this.cache.get(sessionId);
    if (cached || !this.store) return cached;
    try {
      return await this.store.reasons(sessionId);
    } catch (cause) {
      return [`the taint record could not be read (${describeCause(cause)}), so the session counts as tainted`];
    }
  }
}

/** Where the material was seen: a tool result, or text the store read back for a turn (redacting-session-store). */
function sourceOf(p: SecurityEvent, fallback: string): string {
  if (p['where'] !== 'replay') return fallback;
  return p['replayed'] === 'summary' ? 'the compaction summary read back' : 'the replayed session history';
}

function reasonOf(type: string, p: SecurityEvent): string | undefined {
  if (type === 'security:secret_placeholder') return `a vault value in ${sourceOf(p, 'a tool result')}`;
  if (type === 'security:secret_seen') return `${String(p['kind'] ?? 'secret material')} in a tool result`;
  if (type === 'security:canary_leak') return 'the canary in model output';
  if (type === 'security:output_finding') {
    const kind = p['kind'];
    if (kind === 'secret_format' || kind === 'known_secret')
      return `a ${kind.replace('_', ' ')} in ${sourceOf(p, 'model output')}`;
  }
  return undefined;
}

/** Marks sessions from the audit events of L23, L02 and L17; returns the unsubscribe function. */
export function watchSecretTaint(bus: EventBus, taint: SecretTaint): () => void {
  const types = [
    'security:secret_placeholder',
    'security:secret_seen',
    'security:canary_leak',
    'security:output_finding',
  ] as const;
  const offs = types.map((type) =>
    bus.on(type, (e) => {
      const p = e.payload;
      const reason = reasonOf(type, p);
      if (reason === undefined || typeof p.sessionId !== 'string') return;
      void taintSession(bus, taint, { agentId: p.agentId, sessionId: p.sessionId, traceId: p.traceId }, reason);
    }),
  );
  return () => offs.forEach((off) => off());
}

/**
 * Marks the session tainted (in memory at once, so a check that follows sees it) and audits
 * `security:session_tainted` when it was not tainted before; resolves once the store has the record. A store that
 * fails is audited, not thrown: the session stays tainted in memory.
 */
export async function taintSession(
  bus: EventBus,
  taint: SecretTaint,
  who: { readonly agentId?: string | undefined; readonly sessionId: string; readonly traceId?: string | undefined },
  reason: string,
): Promise<void> {
  const tainted = {
    agentId: who.agentId,
    sessionId: who.sessionId,
    traceId: who.traceId,
    layer: 'L08.1' as const,
    outcome: 'tainted',
    reason,
  };
  try {
    if (await taint.mark(who.sessionId, reason)) bus.emit('security:session_tainted', tainted);
  } catch (cause) {
    // Marked in memory already; the store's failure is audited (the record may not survive a restart).
    bus.emit('security:session_tainted', {
      ...tainted,
      outcome: 'tainted-not-stored',
      reason: `${reason}; the taint store failed: ${describeCause(cause)}`,
    });
  }
}

/** `host` or `host:port` entries; a port-less entry trusts every port of the host. */
export function trustedHosts(entries: readonly string[]): (url: URL) => boolean {
  const parsed = entries.flatMap((e) => {
    const p = splitHostPort(e);
    return p ? [{ host: p.host.replace(/\.$/, ''), port: p.port }] : [];
  });
  return (url) => {
    const host = url.hostname
      .toLowerCase()
      .replace(/^\[|\]$/g, '')
      .replace(/\.$/, '');
    const port = Number(url.port || (url.protocol === 'http:' ? 80 : 443));
    return parsed.some((t) => t.host === host && (t.port === undefined || t.port === port));
  };
}

/** Largest loose object read to verify an id (a commit, a tree, a blob a model would cite). */
const MAX_OBJECT_BYTES = 16 * 1024 * 1024;

/**
 * A loose object of the workspace's own repository, verified: the file under `.git/objects` inflates to an object
 * whose hash is the id (the model can write that directory, so a file's name proves nothing). Packed objects are
 * not looked up.
 */
function workspaceGitObject(workspace: string): (id: string) => boolean {
  return (id) => {
    const full = id.toLowerCase();
    const p = childPath(workspace, '.git', 'objects', full.slice(0, 2), full.slice(2));
    try {
      const st = lstatSync(p);
      if (!st.isFile() || st.size > MAX_OBJECT_BYTES) return false;
      const object = inflateSync(readFileSync(p), { maxOutputLength: MAX_OBJECT_BYTES * 4 });
      const header = object.indexOf(0);
      if (header < 0 || !/^(blob|tree|commit|tag) \d+$/.test(object.toString('latin1', 0, header))) return false;
      return (
        createHash(full.length === 64 ? 'sha256' : 'sha1')
          .update(object)
          .digest('hex') === full
      );
    } catch {
      // Absent, unreadable or not zlib: not an object of this repository, so the id is judged as any value.
      return false;
    }
  };
}

export interface EgressCheckDeps {
  readonly taint: SecretTaint;
  /** A window of a request's letters and digits that holds a known value's characters in order (the leak index). */
  readonly fragmentsIn?: (symbols: Uint8Array) => FragmentScan;
  readonly trusted: (url: URL) => boolean;
  readonly bus: EventBus;
}

/** What an outbound request of a tool asks L08.1 (ok: it may go); `headers` are the values the sender chose. */
export type EgressCheck = (
  url: URL,
  body: string | undefined,
  ctx: ToolRunContext,
  headers?: readonly RequestHeader[],
) => Promise<Result<void, BulwarkError>>;

const SHOWN_CANDIDATES = 5;
const SHOWN_CHARS = 200;

function shown(c: EgressCandidate): string {
  const text = c.decoded.length > SHOWN_CHARS ? `${c.decoded.slice(0, SHOWN_CHARS)}…` : c.decoded;
  return `${c.where} value, decoded as ${c.encoding}: ${JSON.stringify(text)} (${c.bitsPerChar} bits per character)`;
}

export function taintEgressCheck(deps: EgressCheckDeps): EgressCheck {
  return async (url, body, ctx, headers = []) => {
    const reasons = await deps.taint.reasons(ctx.sessionId);
    if (!reasons || deps.trusted(url)) return ok(undefined);
    const candidates = egressCandidates(
      url,
      body,
      {
        isGitObject: workspaceGitObject(ctx.workspace),
        ...(deps.fragmentsIn ? { fragmentsIn: deps.fragmentsIn } : {}),
      },
      headers,
    );
    if (candidates.length === 0) return ok(undefined);
    const audit = {
      ...auditContext(ctx),
      layer: 'L08.1' as const,
      host: url.hostname,
      candidates: candidates.length,
      encodings: [...new Set(candidates.map((c) => c.encoding))],
    };
    deps.bus.emit('security:egress_held', { ...audit, outcome: 'held', reason: reasons.join('; ') });
    const refusal = (why: string) =>
      bulwarkError(
        'egress.tainted',
        `L08.1: this session has seen secret material (${reasons.join('; ')}) and the request to ${url.hostname} carries ${candidates.length} value(s) that decode to secret-like text; ${why}. Add the host to net.egress.trusted if it may receive such values.`,
        { layer: 'L08.1', status: 403 },
      );
    if (!ctx.operator) return err(refusal('no operator channel can approve it'));
    const asked = await ctx.operator.ask({
      layer: 'L08.1',
      subject: {
        url: url.href,
        ...(headers.length > 0 ? { headers: headers.map(([k, v]) => `${k}: ${v}`) } : {}),
        ...(body !== undefined ? { body } : {}),
      },
      classes: ['network'],
      reasons: [
        `this session has seen secret material: ${reasons.join('; ')}`,
        `${url.hostname} is not in net.egress.trusted`,
        ...candidates.slice(0, SHOWN_CANDIDATES).map(shown),
      ],
    });
    deps.bus.emit('security:egress_held', { ...audit, outcome: asked.ok ? 'approved' : 'denied' });
    return asked.ok ? ok(undefined) : err(refusal('the operator did not approve it'));
  };
}

/** L08.1 as `bulwark layers` reports it, live and offline alike. */
export function egressTaintLayers(trustedCount: number): LayerReporter {
  return staticReporter('egress-taint', [
    {
      id: 'L08.1',
      state: 'on',
      reason: `web_fetch (every redirect hop) and broker requests of exec runs of a session that saw secret material (or could read it: a workspace file exec or edit read) wait for the operator when they carry a decodable high-entropy value to a host outside net.egress.trusted (${trustedCount} trusted)`,
    },
  ]);
}
