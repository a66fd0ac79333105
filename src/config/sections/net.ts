/** Config fragment for L10, merged into the root schema by the integrator under the key `net`. */
import { z } from 'zod';
import { splitHostPort } from './broker.js';

const hostPort = z
  .string()
  .max(300)
  .regex(
    /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):[0-9]{1,5}$/,
    'host:port, e.g. 127.0.0.1:11434 or [::1]:8080 or ollama.lan:11434',
  );

export const DEFAULT_NET_PORTS = [80, 443, 8000, 8080, 8443] as const;

/** Who fetches through L10: each gets its own guard, and `net.allowFor.<consumer>` opens a host for it alone. */
export const NET_CONSUMERS = ['web_fetch', 'broker', 'channels', 'mcp'] as const;
export type NetConsumer = (typeof NET_CONSUMERS)[number];

export const NetConfigSchema = z.strictObject({
  /** The only way past L10: exact host:port pairs an operator trusts (e.g. a local Ollama), for every consumer. */
  allow: z.array(hostPort).max(200).default([]),
  /**
   * Exceptions for one consumer only, e.g. `{ channels: ["127.0.0.1:8081"] }`: a loopback Bot API reachable by the
   * Telegram channel and by nothing else (not web_fetch, not the broker). Added to `allow` for that consumer.
   */
  allowFor: z.partialRecord(z.enum(NET_CONSUMERS), z.array(hostPort).max(200)).default({}),
  /** Destination ports allowed for everything not in `allow`. */
  ports: z
    .array(z.number().int().min(1).max(65535))
    .min(1)
    .max(100)
    .default([...DEFAULT_NET_PORTS]),
  /** Hard limits for every guarded fetch. */
  maxBodyBytes: z
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  timeoutMs: z.number().int().min(100).max(300_000).default(30_000),
  maxRedirects: z.number().int().min(0).max(20).default(5),
  /** L08.1: hosts a tainted session may send secret-like values to without the operator. */
  egress: z
    .strictObject({
      /** `host` or `host:port`; absent: the hosts of the broker's bindings. */
      trusted: z
        .array(
          z
            .string()
            .max(300)
            .refine((v) => splitHostPort(v) !== undefined, 'a host or host:port, e.g. api.github.com'),
        )
        .max(200)
        .optional(),
      /**
       * Files one walk of a workspace reads to find a vault value an exec run could read (taint by provenance);
       * a workspace with more counts as holding one.
       */
      workspaceScanMaxFiles: z.number().int().min(1).max(1_000_000).default(20_000),
    })
    .default({ workspaceScanMaxFiles: 20_000 }),
});
export type NetConfig = z.infer<typeof NetConfigSchema>;

export const DEFAULT_NET_CONFIG: NetConfig = NetConfigSchema.parse({});
