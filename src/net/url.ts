/**
 * Strict parsing of an outbound URL (L10). Anything a lenient parser could read two ways is refused:
 * other schemes, userinfo, backslashes, whitespace and control characters, overlong input.
 * IPv4 hosts in decimal, octal, hex or short form are normalised to dotted-quad by the WHATWG parser.
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { parseIp, type ParsedIp } from './ip.js';

export const MAX_URL_LENGTH = 8192;

export interface TargetUrl {
  readonly url: URL;
  /** Lowercase host without brackets and without a trailing dot. */
  readonly host: string;
  readonly port: number;
  /** Set when the host is an IP literal. */
  readonly ip?: ParsedIp;
  /** `host:port` as written in `net.allow` (IPv6 in brackets). */
  readonly hostPort: string;
}

function invalid(reason: string, message: string): BulwarkError {
  return bulwarkError('ssrf.invalid_url', message, {
    layer: 'L10',
    status: 400,
    details: { verdict: 'invalid', rule: `url:${reason}` },
  });
}

// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f-\u009f\u2028\u2029]/;

export function parseTargetUrl(raw: unknown): Result<TargetUrl, BulwarkError> {
  if (typeof raw !== 'string' || raw.length === 0) return err(invalid('empty', 'the URL must be a non-empty string'));
  if (raw.length > MAX_URL_LENGTH)
    return err(invalid('too-long', `the URL is longer than ${MAX_URL_LENGTH} characters`));
  if (CONTROL_OR_SPACE.test(raw))
    return err(invalid('control-character', 'the URL contains whitespace or a control character; percent-encode it'));
  if (raw.includes('\\'))
    return err(invalid('backslash', 'the URL contains a backslash, which parsers disagree on; use "/"'));
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw);
  if (!scheme || !['http', 'https'].includes((scheme[1] as string).toLowerCase())) {
    return err(invalid('scheme', 'only http:// and https:// URLs can be fetched'));
  }
  const afterScheme = raw.slice((scheme[0] as string).length);
  const authority = afterScheme.split(/[/?#]/, 1)[0] ?? '';
  if (authority.includes('@'))
    return err(invalid('userinfo', 'URLs with credentials (user@host) are refused; put no "@" before the host'));
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return err(
      invalid('unparseable', 'the URL cannot be parsed (an IPv4 number out of range, a bad port or a bad host)'),
    );
  }
  if (url.username !== '' || url.password !== '') return err(invalid('userinfo', 'URLs with credentials are refused'));
  let host = url.hostname.toLowerCase();
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  if (host.endsWith('.')) host = host.slice(0, -1);
  if (host === '') return err(invalid('empty-host', 'the URL has no host'));
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const ip = parseIp(host);
  if (!ip && (!/^[a-z0-9_.-]+$/.test(host) || host.split('.').some((label) => label === '' || label.length > 63))) {
    return err(invalid('host-characters', 'the host name has characters a DNS name cannot have'));
  }
  const hostPort = `${ip?.family === 6 ? `[${host}]` : host}:${port}`;
  return ok(ip ? { url, host, port, ip, hostPort } : { url, host, port, hostPort });
}
