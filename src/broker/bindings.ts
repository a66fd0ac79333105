/**
 * L08 bindings: which (host, path prefix, method) may receive which secret, and how it is injected.
 * The path is normalised (dot segments removed) before matching, and the normalised path is what goes
 * upstream, so the upstream never sees a path other than the one that was checked.
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { splitHostPort, type Binding } from '../config/index.js';

export interface RequestTarget {
  /** Normalised pathname + search, as sent upstream. */
  readonly pathAndQuery: string;
  readonly pathname: string;
}

function deny(code: string, message: string): BulwarkError {
  return bulwarkError(code, message, { layer: 'L08', status: 403 });
}

/** Parses an origin-form request target ("/v1/messages?x=1"); refuses anything ambiguous. */
export function parseRequestTarget(raw: string): Result<RequestTarget, BulwarkError> {
  if (!raw.startsWith('/') || raw.startsWith('//'))
    return err(deny('broker.bad_target', 'the request target must be a path ("/...")'));
  if (raw.length > 16_384) return err(deny('broker.bad_target', 'the request target is too long'));
  // Encoded slashes, backslashes and NULs are read differently by different servers.
  if (/%(2f|5c|00)/i.test(raw) || raw.includes('\\'))
    return err(deny('broker.bad_target', 'encoded "/", "\\" or NUL in the path are refused'));
  let u: URL;
  try {
    u = new URL(raw, 'https://broker.invalid');
  } catch {
    return err(deny('broker.bad_target', 'the request target cannot be parsed'));
  }
  if (u.host !== 'broker.invalid') return err(deny('broker.bad_target', 'the request target names another host'));
  return ok({ pathAndQuery: u.pathname + u.search, pathname: u.pathname });
}

export function hostKey(host: string, port: number): string {
  return `${host.toLowerCase().replace(/\.$/, '')}:${port}`;
}

/** `host` or `host:port` (default 443) from config, in the form hostKey() produces. */
export function configHostKey(entry: string): string {
  const parts = splitHostPort(entry);
  if (!parts) return `invalid:${entry}`;
  return hostKey(parts.host, parts.port ?? 443);
}

export function pathMatches(prefix: string, pathname: string): boolean {
  if (prefix === '/' || prefix.endsWith('/')) return pathname.startsWith(prefix);
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

export function bindingRule(b: Binding): string {
  return `${b.host}${b.pathPrefix}${b.methods.length ? ` [${b.methods.join(',')}]` : ''}`;
}

export function hostHasBinding(bindings: readonly Binding[], key: string): boolean {
  return bindings.some((b) => configHostKey(b.host) === key);
}

export function findBinding(
  bindings: readonly Binding[],
  key: string,
  pathname: string,
  method: string,
): Binding | undefined {
  return bindings.find(
    (b) =>
      configHostKey(b.host) === key &&
      pathMatches(b.pathPrefix, pathname) &&
      (b.methods.length === 0 || (b.methods as string[]).includes(method)),
  );
}

export type HeaderMap = Record<string, string | string[]>;

/** The header (lower case) the preset puts the secret into; undefined when it goes into the query. */
export function injectedHeader(binding: Binding): string | undefined {
  switch (binding.preset) {
    case 'anthropic':
    case 'x-api-key':
      return 'x-api-key';
    case 'bearer':
    case 'basic':
      return 'authorization';
    case 'query':
      return undefined;
  }
}

/**
 * Puts the secret where the preset says, REPLACING any placeholder (or other value) in that place:
 * the request never carries both. Returns new headers and path; the inputs are not changed.
 */
export function injectSecret(
  binding: Binding,
  headers: HeaderMap,
  pathAndQuery: string,
  value: string,
): { headers: HeaderMap; pathAndQuery: string } {
  const out: HeaderMap = { ...headers };
  switch (binding.preset) {
    case 'anthropic':
    case 'x-api-key':
      out['x-api-key'] = value;
      return { headers: out, pathAndQuery };
    case 'bearer':
      out['authorization'] = `Bearer ${value}`;
      return { headers: out, pathAndQuery };
    case 'basic':
      out['authorization'] = `Basic ${Buffer.from(`${binding.username ?? ''}:${value}`).toString('base64')}`;
      return { headers: out, pathAndQuery };
    case 'query': {
      const param = binding.queryParam as string;
      const u = new URL(pathAndQuery, 'https://broker.invalid');
      const pairs = [...u.searchParams.entries()];
      let placed = false;
      const next = new URLSearchParams();
      for (const [k, v] of pairs) {
        if (k !== param) next.append(k, v);
        else if (!placed) {
          next.append(k, value);
          placed = true;
        }
      }
      if (!placed) next.append(param, value);
      return { headers: out, pathAndQuery: `${u.pathname}?${next.toString()}` };
    }
  }
}
