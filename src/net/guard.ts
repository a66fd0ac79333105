/**
 * L10 SSRF guard: the one policy for every outbound connection an agent can influence.
 *
 * check(url): strict parse → operator exception? → port policy → name rules → resolve ALL addresses →
 * refuse if ANY is not globally routable → return the checked addresses and the one to pin.
 * The caller connects to `pinned` only (see pinned-transport.ts), so a second DNS answer never matters.
 */
import {
  type EventBus,
  type EventContext,
  type SecurityEvent,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
  type GateReport,
  type LayerReporter,
} from '../core/index.js';
import { classifyIp, type AddressVerdict } from './classify.js';
import { formatIp, parseIp } from './ip.js';
import type { ResolvedAddress, Resolver } from './resolver.js';
import { parseTargetUrl, type TargetUrl } from './url.js';
import { DEFAULT_NET_CONFIG, type NetConfig, type NetConsumer } from '../config/index.js';
import { netLayerStatus } from './layer-status.js';

declare module '../core/events.js' {
  interface EventMap {
    /** L10 refused an outbound URL (audited: `security:` prefix). Carries host, port, path and the rule; never the query. */
    'security:ssrf_blocked': SecurityEvent;
  }
}

export type SsrfVerdict = 'allow' | 'block' | 'invalid';

export interface CheckedTarget extends TargetUrl {
  readonly addresses: readonly AddressVerdict[];
  /** The address to connect to: one of the checked ones. */
  readonly pinned: ResolvedAddress;
  /** Set when an operator `net.allow` entry let this through. */
  readonly exception?: string;
}

export interface SsrfGuardDeps {
  readonly resolver: Resolver;
  readonly config?: Pick<NetConfig, 'allow' | 'ports'> & Partial<Pick<NetConfig, 'allowFor'>>;
  /** Whose fetches this guard checks: its `net.allowFor` entries join `net.allow`; without one, `net.allow` only. */
  readonly consumer?: NetConsumer;
  /** Every refusal is audited: a guard that cannot audit does not run. */
  readonly bus: EventBus;
  /** Upper bound for one DNS resolution. */
  readonly resolveTimeoutMs?: number;
}

/** Names that mean "this machine" or a metadata service whatever DNS says (RFC 6761 and cloud conventions). */
const FORBIDDEN_NAMES = [
  /^localhost$/,
  /\.localhost$/,
  /^localhost\.localdomain$/,
  /^metadata$/,
  /^metadata\.google\.internal$/,
];

/** The fix for an operator; never offered for metadata services, which no agent should reach. */
function allowHint(rule: string, hostPort: string): string {
  return rule.startsWith('metadata:')
    ? ''
    : `; if this is a trusted local service, an operator can allow it with net.allow: ["${hostPort}"] (or for one consumer only: net.allowFor)`;
}

export function verdictOf(r: Result<unknown, BulwarkError>): SsrfVerdict {
  if (r.ok) return 'allow';
  return r.error.details?.['verdict'] === 'invalid' ? 'invalid' : 'block';
}

function normaliseHostPort(entry: string): string {
  const m = /^(\[([^\]]+)\]|([^:]+)):([0-9]+)$/.exec(entry.trim());
  if (!m) return entry.toLowerCase();
  const rawHost = (m[2] ?? m[3] ?? '').toLowerCase();
  const ip = parseIp(rawHost);
  const host = ip ? (ip.family === 6 ? `[${formatIp(ip)}]` : formatIp(ip)) : rawHost.replace(/\.$/, '');
  return `${host}:${Number(m[4])}`;
}

export class SsrfGuard implements LayerReporter {
  readonly name = 'net';
  private readonly allow: ReadonlySet<string>;
  private readonly ports: ReadonlySet<number>;
  private readonly config: NonNullable<SsrfGuardDeps['config']>;

  constructor(private readonly deps: SsrfGuardDeps) {
    this.config = deps.config ?? DEFAULT_NET_CONFIG;
    const own = deps.consumer ? (this.config.allowFor?.[deps.consumer] ?? []) : [];
    this.allow = new Set([...this.config.allow, ...own].map(normaliseHostPort));
    this.ports = new Set(this.config.ports);
  }

  /** The same policy for one consumer: its `net.allowFor` exceptions added, nobody else's. */
  for(consumer: NetConsumer): SsrfGuard {
    return new SsrfGuard({ ...this.deps, consumer });
  }

  /** L10, as this guard enforces it. */
  layers(): readonly GateReport[] {
    return [{ id: 'L10', ...netLayerStatus(this.config) }];
  }

  async check(rawUrl: unknown, ctx: EventContext = {}): Promise<Result<CheckedTarget, BulwarkError>> {
    const parsed = parseTargetUrl(rawUrl);
    if (!parsed.ok) return this.refuse(parsed.error, ctx, undefined, []);
    const target = parsed.value;
    const exceptionKey = normaliseHostPort(target.hostPort);
    const exception = this.allow.has(exceptionKey) ? exceptionKey : undefined;

    // An IP literal is judged on its address first (the more telling reason); a name on its port before any DNS query.
    const literalVerdict = target.ip ? classifyIp(target.ip) : undefined;
    if (!exception) {
      if (literalVerdict && !literalVerdict.global) {
        return this.block(
          ctx,
          target,
          literalVerdict.rule,
          `${literalVerdict.address} is not a public internet address (${literalVerdict.rule})${allowHint(literalVerdict.rule, target.hostPort)}`,
          [literalVerdict],
        );
      }
      if (!this.ports.has(target.port)) {
        return this.block(
          ctx,
          target,
          'port',
          `port ${target.port} is not in net.ports (${[...this.ports].join(', ')}); add host:port to net.allow to permit it`,
          [],
        );
      }
      if (!target.ip && FORBIDDEN_NAMES.some((re) => re.test(target.host))) {
        return this.block(ctx, target, 'name:local', `"${target.host}" names this machine or a metadata service`, []);
      }
    }

    let answers: readonly ResolvedAddress[];
    if (target.ip) {
      answers = [{ address: formatIp(target.ip), family: target.ip.family }];
    } else {
      const resolved = await this.resolve(target.host);
      if (!resolved.ok) return this.block(ctx, target, 'dns:unresolved', resolved.error, []);
      answers = resolved.value;
    }
    if (answers.length === 0) return this.block(ctx, target, 'dns:unresolved', `"${target.host}" has no address`, []);

    const verdicts: AddressVerdict[] = [];
    for (const a of answers) {
      const ip = parseIp(a.address);
      if (!ip)
        return this.block(
          ctx,
          target,
          'dns:bad-answer',
          `the resolver returned a malformed address for "${target.host}"`,
          verdicts,
        );
      verdicts.push(classifyIp(ip));
    }
    const bad = verdicts.find((v) => !v.global);
    if (bad && !exception) {
      return this.block(
        ctx,
        target,
        bad.rule,
        `${target.host} resolves to ${bad.address} (${bad.rule}), which is not a public internet address${allowHint(bad.rule, target.hostPort)}`,
        verdicts,
      );
    }
    const first = verdicts[0] as AddressVerdict;
    const pinned: ResolvedAddress = { address: first.address, family: first.address.includes(':') ? 6 : 4 };
    return ok({ ...target, addresses: verdicts, pinned, ...(exception ? { exception } : {}) });
  }

  private async resolve(host: string): Promise<Result<readonly ResolvedAddress[], string>> {
    const timeoutMs = this.deps.resolveTimeoutMs ?? 5000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`DNS lookup timed out after ${timeoutMs} ms`)), timeoutMs);
      });
      return ok(await Promise.race([this.deps.resolver.resolve(host), timeout]));
    } catch (cause) {
      return err(`cannot resolve "${host}": ${describeCause(cause)}`);
    } finally {
      if (timer) clearTimeout(timer);
    }
  }

  private block(
    ctx: EventContext,
    target: TargetUrl,
    rule: string,
    message: string,
    addresses: readonly AddressVerdict[],
  ): Result<never, BulwarkError> {
    const error = bulwarkError('ssrf.blocked', `L10 refused ${target.url.protocol}//${target.hostPort}: ${message}`, {
      layer: 'L10',
      status: 403,
      details: {
        verdict: 'block',
        rule,
        host: target.host,
        port: target.port,
        addresses: addresses.map((a) => `${a.address} ${a.rule}`),
      },
    });
    return this.refuse(error, ctx, target, addresses);
  }

  private refuse(
    error: BulwarkError,
    ctx: EventContext,
    target: TargetUrl | undefined,
    addresses: readonly AddressVerdict[],
  ): Result<never, BulwarkError> {
    this.deps.bus.emit('security:ssrf_blocked', {
      ...ctx,
      layer: 'L10',
      outcome: error.details?.['verdict'] === 'invalid' ? 'invalid' : 'blocked',
      reason: String(error.details?.['rule'] ?? error.code),
      ...(target ? { host: target.host, port: target.port, path: target.url.pathname.slice(0, 200) } : {}),
      addresses: addresses.map((a) => a.address),
    });
    return err(error);
  }
}
