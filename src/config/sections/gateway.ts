/**
 * Config of the gateway's HTTP server:
 * `server: { host, port, insecure, tls, allowedHosts, publicOrigin, bodyLimitBytes, authFailures, connections, timeouts, ui }`.
 */
import { z } from 'zod';
import { PublicOriginSchema } from './public-origin.js';
import { TlsConfigSchema } from './tls.js';
import { UiConfigSchema } from './ui.js';

/**
 * L18 throttle on refused unauthenticated requests, per client address (IPv6 per /64): after `maxFailures`
 * in `windowMs`, further requests without a valid token get 429 and are not audited one by one.
 */
export const AuthFailureLimitSchema = z.strictObject({
  maxFailures: z.number().int().min(1).max(10_000).default(20),
  windowMs: z.number().int().min(1000).max(3_600_000).default(60_000),
  /** Loopback clients are throttled too unless this is set: a local process can flood the audit log as well. */
  exemptLoopback: z.boolean().default(false),
  /**
   * Refusals audited one by one per window across ALL addresses: a client with many addresses gets
   * `maxFailures` lines from each; past this total the rest are counted in one summary line per window.
   */
  maxAuditedPerWindow: z.number().int().min(10).max(1_000_000).default(500),
  /** Addresses tracked at once; the oldest is forgotten beyond this. */
  maxTrackedClients: z.number().int().min(100).max(1_000_000).default(10_000),
});
export type AuthFailureLimitConfig = z.infer<typeof AuthFailureLimitSchema>;
export const DEFAULT_AUTH_FAILURE_LIMIT: AuthFailureLimitConfig = AuthFailureLimitSchema.parse({});

/**
 * Connections held at once, in all and per client address (loopback 127.0.0.0/8 and ::1 count as one address,
 * IPv6 per /64). At a cap, the oldest connection that has not yet sent an authenticated request makes room.
 */
export const ConnectionLimitsSchema = z.strictObject({
  max: z.number().int().min(8).max(1_000_000).default(1024),
  perAddress: z.number().int().min(1).max(1_000_000).default(256),
});
export type ConnectionLimits = z.infer<typeof ConnectionLimitsSchema>;

/** How long a client may take: to send a request's headers (and, for the first, from connecting), its body, and between requests. */
export const ServerTimeoutsSchema = z
  .strictObject({
    headersMs: z.number().int().min(500).max(120_000).default(10_000),
    bodyMs: z.number().int().min(1000).max(600_000).default(30_000),
    keepAliveMs: z.number().int().min(500).max(120_000).default(5_000),
  })
  .refine((t) => t.headersMs <= t.bodyMs, { message: 'headersMs must not be longer than bodyMs', path: ['headersMs'] });
export type ServerTimeouts = z.infer<typeof ServerTimeoutsSchema>;

const HOST_NAME = /^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$/;

export const ServerConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  /**
   * Serve plain HTTP on an address that is not loopback: bearer tokens then cross the network in clear, so bulwark
   * refuses such a `host` unless this is set or `tls` is configured.
   */
  insecure: z.boolean().default(false),
  /** HTTPS, and L19 mutual TLS with `clientCa` (see tls.ts). */
  tls: TlsConfigSchema.optional(),
  /** Host names, besides localhost, 127.0.0.1 and ::1, that clients may use in Host/Origin while bound to loopback (a local reverse proxy's name). */
  allowedHosts: z.array(z.string().max(253).regex(HOST_NAME, 'a host name')).max(64).default([]),
  /**
   * The origin browsers use when a TLS-terminating reverse proxy forwards to this gateway
   * (`https://bulwark.example.com`): accepted in Host/Origin, and the UI cookie is Secure under it.
   */
  publicOrigin: PublicOriginSchema.optional(),
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  authFailures: AuthFailureLimitSchema.prefault({}),
  connections: ConnectionLimitsSchema.prefault({}),
  timeouts: ServerTimeoutsSchema.prefault({}),
  /** The web control UI at `/` (src/gateway/ui/). */
  ui: UiConfigSchema.prefault({}),
});
export type ServerConfig = z.infer<typeof ServerConfigSchema>;
