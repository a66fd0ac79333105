/** Config fragment for L08, merged into the root schema by the integrator under the key `broker`. */
import { z } from 'zod';
import { isReservedSecretName, RESERVED_SECRET_MESSAGE } from './secrets.js';

/** `host`, `host:port`, `[v6]` or `[v6]:port` → parts; undefined when malformed. */
export function splitHostPort(entry: string): { host: string; port?: number } | undefined {
  const t = entry.trim();
  let host: string;
  let rest: string;
  if (t.startsWith('[')) {
    const close = t.indexOf(']');
    if (close === -1) return undefined;
    host = t.slice(1, close);
    if (!/^[0-9a-fA-F:.]+$/.test(host)) return undefined;
    rest = t.slice(close + 1);
  } else {
    const colon = t.indexOf(':');
    host = colon === -1 ? t : t.slice(0, colon);
    rest = colon === -1 ? '' : t.slice(colon);
    if (!/^[A-Za-z0-9_.-]{1,253}$/.test(host)) return undefined;
  }
  if (rest === '') return { host: host.toLowerCase() };
  if (!/^:[0-9]{1,5}$/.test(rest)) return undefined;
  const port = Number(rest.slice(1));
  return port >= 1 && port <= 65535 ? { host: host.toLowerCase(), port } : undefined;
}

const hostEntry = z
  .string()
  .max(300)
  .refine((v) => splitHostPort(v) !== undefined, 'a host name or host:port, e.g. api.anthropic.com');
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const INJECTION_PRESETS = ['anthropic', 'bearer', 'x-api-key', 'query', 'basic'] as const;
export type InjectionPreset = (typeof INJECTION_PRESETS)[number];

export const BindingSchema = z
  .strictObject({
    /** Upstream host, optionally with :port (default 443). */
    host: hostEntry,
    /** Path prefix the binding covers, matched on whole segments after dot-segment removal. */
    pathPrefix: z.string().max(500).regex(/^\//, 'a path starting with "/"').default('/'),
    /** Allowed methods; empty = any. */
    methods: z
      .array(z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']))
      .max(7)
      .default([]),
    /** Name of the secret to inject (resolved through the agent's L07 scope). */
    secret: z
      .string()
      .regex(SECRET_NAME, 'a secret name: letters, digits and _')
      .refine((n) => !isReservedSecretName(n), RESERVED_SECRET_MESSAGE),
    /**
     * anthropic / x-api-key: `x-api-key: KEY`; bearer: `Authorization: Bearer KEY`; query: `?<queryParam>=KEY`;
     * basic: `Authorization: Basic base64(<username>:KEY)` (git hosts: x-access-token, oauth2, …).
     */
    preset: z.enum(INJECTION_PRESETS).default('bearer'),
    /** The user name of preset basic (the secret is the password). */
    username: z
      .string()
      .regex(/^[A-Za-z0-9_.@+-]{1,128}$/, 'a user name of letters, digits and _ . @ + - (no colon)')
      .optional(),
    queryParam: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/)
      .optional(),
    /** Environment variable that holds the placeholder inside the sandbox; default: the secret name. */
    env: z.string().regex(ENV_NAME).optional(),
  })
  .refine((b) => b.preset !== 'query' || b.queryParam !== undefined, {
    message: 'preset "query" needs queryParam (e.g. "key")',
  })
  .refine((b) => (b.preset === 'basic') === (b.username !== undefined), {
    message: 'preset "basic" needs username (e.g. "x-access-token"), and username is only for preset "basic"',
  });
export type Binding = z.infer<typeof BindingSchema>;

/** Default port of a host entry without one: the broker only speaks HTTPS upstream. */
function hostKeyOf(entry: string): string {
  const p = splitHostPort(entry);
  return p ? `${p.host.replace(/\.$/, '')}:${p.port ?? 443}` : `invalid:${entry}`;
}

/**
 * An extra trust anchor for ONE upstream host (an internal git server, a registry behind a private CA): the broker
 * verifies that host's certificate against these CA certificates only; every other host keeps the system roots.
 */
export const UpstreamCaSchema = z.strictObject({
  /** A host (or host:port, default 443) that a binding or egressAllow names. */
  host: hostEntry,
  /** PEM file with the CA certificate(s); relative paths are read from the data dir. Checked when the daemon starts. */
  caFile: z.string().min(1).max(4096),
});
export type UpstreamCa = z.infer<typeof UpstreamCaSchema>;

export const BrokerConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    bindings: z.array(BindingSchema).max(200).default([]),
    /** Hosts (host or host:port) reachable without a binding: passed through without injection, still via L10 and the leak check. */
    egressAllow: z.array(hostEntry).max(200).default([]),
    /** Per-host upstream trust anchors (see UpstreamCaSchema); never added to the trust of any other host. */
    upstreamCas: z.array(UpstreamCaSchema).max(50).default([]),
    maxBodyBytes: z
      .number()
      .int()
      .min(1024)
      .max(100 * 1024 * 1024)
      .default(10 * 1024 * 1024),
    upstreamTimeoutMs: z.number().int().min(1000).max(600_000).default(120_000),
  })
  .superRefine((b, ctx) => {
    const reachable = new Set([...b.bindings.map((x) => hostKeyOf(x.host)), ...b.egressAllow.map(hostKeyOf)]);
    const seen = new Set<string>();
    b.upstreamCas.forEach((u, i) => {
      const key = hostKeyOf(u.host);
      if (!reachable.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['upstreamCas', i, 'host'],
          message: `"${u.host}" is not the host of a binding or an egressAllow entry (same host and port); a CA for a host the broker never reaches would do nothing`,
        });
      if (seen.has(key))
        ctx.addIssue({
          code: 'custom',
          path: ['upstreamCas', i, 'host'],
          message: `"${u.host}" has more than one upstreamCas entry; put all its CA certificates into one PEM file`,
        });
      seen.add(key);
    });
  });
export type BrokerConfig = z.infer<typeof BrokerConfigSchema>;

export const PLACEHOLDER = 'bulwark-placeholder';
