import { envVar, loadConfig } from '../config/index.js';
import type { CliContext } from './context.js';

/**
 * URL of the running daemon for the CLI's client commands: --url, else server.host/server.port of
 * config.yaml (a wildcard bind address is reached on loopback).
 */
export function daemonUrl(ctx: CliContext, explicit: string | undefined): string | { error: string } {
  if (explicit) return explicit.replace(/\/+$/, '');
  const config = loadConfig(ctx.dataDir);
  if (!config.ok) return { error: `${config.error.message}\n(or pass the daemon URL with --url)` };
  const { host, port } = config.value.server;
  const h = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** API token for the CLI's client commands: --token, else BULWARK_TOKEN. */
export function daemonToken(explicit: string | undefined): string | undefined {
  return explicit ?? envVar('BULWARK_TOKEN');
}
