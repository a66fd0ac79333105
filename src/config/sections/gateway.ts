/** Config of the gateway's HTTP server: `server: { host, port, bodyLimitBytes, authFailures }`. */
import { z } from 'zod';

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

export const ServerConfigSchema = z.strictObject({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.number().int().min(0).max(65535).default(8787),
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .max(64 * 1024 * 1024)
    .default(1024 * 1024),
  authFailures: AuthFailureLimitSchema.prefault({}),
});
export type ServerConfig = z.infer<typeof ServerConfigSchema>;
