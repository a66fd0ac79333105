/**
 * `server.publicOrigin`: the origin browsers see when bulwark sits behind a TLS-terminating reverse proxy
 * (`https://bulwark.example.com`). Parsed here so a bad value fails at config load, naming the fix.
 */
import { z } from 'zod';
import { err, ok, type Result } from '../../core/index.js';

export interface PublicOrigin {
  /** scheme://host[:port] in lower case, as a browser writes it in `Origin`. */
  readonly origin: string;
  /** host[:port] as a browser writes it in `Host` (the scheme's default port left out). */
  readonly authority: string;
  readonly secure: boolean;
}

/** Reads an origin: http(s), a host, an optional port, nothing else (no user, path, query or fragment). */
export function parsePublicOrigin(value: string): Result<PublicOrigin, string> {
  if (value.length > 300) return err('longer than 300 characters');
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return err(`"${value.slice(0, 100)}" is not a URL; write it like https://bulwark.example.com`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return err(`scheme "${u.protocol}" is not http or https`);
  if (u.username !== '' || u.password !== '') return err('an origin carries no user name or password');
  if ((u.pathname !== '/' && u.pathname !== '') || u.search !== '' || u.hash !== '' || /[?#]/.test(value))
    return err('an origin has no path, query or fragment: write only scheme://host[:port]');
  if (value.replace(/\/$/, '').toLowerCase() !== u.origin.toLowerCase())
    return err(`write the origin exactly as a browser would: ${u.origin}`);
  return ok({ origin: u.origin.toLowerCase(), authority: u.host.toLowerCase(), secure: u.protocol === 'https:' });
}

export const PublicOriginSchema = z.string().transform((value, ctx) => {
  const parsed = parsePublicOrigin(value);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: `server.publicOrigin: ${parsed.error}` });
  return z.NEVER;
});
