/**
 * L08 credential broker, as the daemon runs it: one CA (loaded from, or created into, the CA store), one
 * leaf issuer, and one proxy session per sandboxed spawn (its own unix socket and token, revoked on exit).
 */
import { X509Certificate } from 'node:crypto';
import {
  type EventBus,
  type BulwarkError,
  type LeakScanner,
  ok,
  type Result,
  type LayerReporter,
} from '../core/index.js';
import { type SsrfGuard, pooledPinnedTransport, type Transport } from '../net/index.js';
import { createCa, LeafIssuer, validateCa } from './ca.js';
import type { CaKeyStore } from './ca-store.js';
import { bindingRule } from './bindings.js';
import { PLACEHOLDER, type BrokerConfig } from '../config/index.js';
import { ProxySession, type BrokerIdentity, type BrokerSecretResolver, type ProxySessionOptions } from './proxy.js';
import { runningReason } from './layer-status.js';
import type { UpstreamCaPems } from './upstream-ca.js';

export interface BrokerDeps {
  readonly config: BrokerConfig;
  readonly guard: SsrfGuard;
  readonly resolveSecret: BrokerSecretResolver;
  readonly leakScanner: LeakScanner;
  readonly bus: EventBus;
  readonly caStore: CaKeyStore;
  /** Upstream transport; default: the pooled L10 pinned transport with the system trust store. */
  readonly transport?: Transport;
  /**
   * Per-host trust anchors (loadUpstreamCas): a host listed here is reached through its own pooled L10 transport
   * that trusts these CA certificates only; no other host ever trusts them.
   */
  readonly upstreamCas?: UpstreamCaPems;
  /** Names in the leak index that are honeytokens (default: names containing HONEYTOKEN or CANARY). */
  readonly isHoneytoken?: (secretName: string) => boolean;
}

export interface BrokerStatus {
  readonly caFingerprint256: string;
  readonly caNotAfter: string;
  readonly activeSessions: number;
  readonly cachedLeaves: number;
  readonly bindings: readonly string[];
  readonly egressAllow: readonly string[];
  /** Hosts whose upstream certificate is verified against a CA of broker.upstreamCas instead of the system roots. */
  readonly upstreamCaHosts: readonly string[];
  readonly totals: { requests: number; injected: number; passthrough: number; denied: number };
}

export interface Broker extends LayerReporter {
  /** PEM of the CA certificate: the only CA material that leaves the daemon. */
  readonly caCertPem: string;
  /** A proxy endpoint for one spawn, listening on `socketPath` (a path in a directory only the daemon can write). */
  openSession(
    identity: BrokerIdentity,
    socketPath: string,
    opts?: ProxySessionOptions,
  ): Promise<Result<ProxySession, BulwarkError>>;
  /** Variables for the sandboxed child: proxy, CA bundle paths and one placeholder per bound secret. */
  sandboxEnv(opts: { proxyUrl: string; caBundlePath: string }): Record<string, string>;
  status(): BrokerStatus;
  close(): Promise<void>;
}

const defaultHoneytoken = (name: string): boolean => /HONEYTOKEN|CANARY/i.test(name);

export async function startBroker(deps: BrokerDeps): Promise<Result<Broker, BulwarkError>> {
  const stored = deps.caStore.load();
  if (!stored.ok) return stored;
  let ca = stored.value;
  if (ca) {
    const valid = validateCa(ca);
    if (!valid.ok) return valid;
  } else {
    const created = await createCa();
    if (!created.ok) return created;
    const saved = deps.caStore.save(created.value);
    if (!saved.ok) return saved;
    ca = created.value;
  }
  const leaves = new LeafIssuer(ca);
  const caCert = new X509Certificate(ca.certPem);
  const sessions = new Set<ProxySession>();
  const totals = { requests: 0, injected: 0, passthrough: 0, denied: 0 };
  const pool = deps.transport ? undefined : pooledPinnedTransport();
  const caPools = [...(deps.upstreamCas ?? new Map<string, string>())].map(
    ([key, ca]) => [key, pooledPinnedTransport({ ca, maxPools: 4 })] as const,
  );
  const upstreamTransports = new Map(caPools.map(([key, p]) => [key, p.transport]));
  const proxyDeps = {
    config: deps.config,
    guard: deps.guard,
    transport: deps.transport ?? (pool as NonNullable<typeof pool>).transport,
    upstreamTransports,
    leaves,
    resolveSecret: deps.resolveSecret,
    leakScanner: deps.leakScanner,
    bus: deps.bus,
    isHoneytoken: deps.isHoneytoken ?? defaultHoneytoken,
  };

  const broker: Broker = {
    name: 'broker',
    caCertPem: ca.certPem,
    layers() {
      return [
        { id: 'L08', state: 'on', reason: `${runningReason(deps.config)}; ${sessions.size} session(s) open now` },
      ];
    },
    async openSession(identity, socketPath, opts = {}) {
      // Totals survive the session; the token dies with it.
      const s = await ProxySession.open(
        proxyDeps,
        identity,
        socketPath,
        (closed) => {
          if (sessions.delete(closed))
            for (const k of Object.keys(totals) as Array<keyof typeof totals>) totals[k] += closed.stats[k];
        },
        opts,
      );
      if (!s.ok) return s;
      sessions.add(s.value);
      return s;
    },
    sandboxEnv({ proxyUrl, caBundlePath }) {
      const env: Record<string, string> = {
        HTTPS_PROXY: proxyUrl,
        https_proxy: proxyUrl,
        HTTP_PROXY: proxyUrl,
        http_proxy: proxyUrl,
        NODE_EXTRA_CA_CERTS: caBundlePath,
        SSL_CERT_FILE: caBundlePath,
        REQUESTS_CA_BUNDLE: caBundlePath,
        CURL_CA_BUNDLE: caBundlePath,
        // git's libcurl reads its compiled-in bundle and ignores SSL_CERT_FILE; this is git's own setting.
        GIT_SSL_CAINFO: caBundlePath,
      };
      for (const b of deps.config.bindings) env[b.env ?? b.secret] = PLACEHOLDER;
      return env;
    },
    status() {
      const live = { ...totals };
      for (const s of sessions) for (const k of Object.keys(live) as Array<keyof typeof live>) live[k] += s.stats[k];
      return {
        caFingerprint256: caCert.fingerprint256,
        caNotAfter: new Date(caCert.validTo).toISOString(),
        activeSessions: sessions.size,
        cachedLeaves: leaves.cached,
        bindings: deps.config.bindings.map(bindingRule),
        egressAllow: [...deps.config.egressAllow],
        upstreamCaHosts: [...upstreamTransports.keys()],
        totals: live,
      };
    },
    async close() {
      for (const s of [...sessions]) await s.close();
      await pool?.close();
      await Promise.all(caPools.map(([, p]) => p.close()));
    },
  };
  return ok(broker);
}
