/**
 * Guarded fetch: every hop (the first URL and each redirect) passes the L10 check, the connection goes to
 * the checked address only, and the body and the total time are capped.
 */
import {
  type EventContext,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
} from '../core/index.js';
import type { SsrfGuard } from './guard.js';
import { DEFAULT_NET_CONFIG } from '../config/index.js';
import { pinnedTransport, type Transport } from './pinned-transport.js';

export interface FetchLimits {
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
}

export interface GuardedFetchDeps {
  readonly guard: SsrfGuard;
  readonly transport?: Transport;
  readonly limits?: Partial<FetchLimits>;
}

export interface FetchInit {
  readonly method?: 'GET' | 'HEAD' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly ctx?: EventContext;
  readonly signal?: AbortSignal;
  /**
   * Asked before each hop (the first URL and every redirect target) is checked by L10 and sent: a refusal ends
   * the fetch with its error. L08.1 uses it, as a redirect can carry what the first URL did not.
   */
  readonly beforeHop?: (url: URL, body: string | undefined) => Promise<Result<void, BulwarkError>>;
}

export interface FetchedResponse {
  /** URL of the last hop. */
  readonly url: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Buffer;
  /** True when the body was cut at maxBodyBytes. */
  readonly truncated: boolean;
  /** Every hop's URL, first to last. */
  readonly hops: readonly string[];
  /** The address the last hop connected to. */
  readonly address: string;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];

function header(h: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function fetchError(code: string, message: string, status = 502): BulwarkError {
  return bulwarkError(code, message, { layer: 'L10', status });
}

export async function guardedFetch(
  deps: GuardedFetchDeps,
  rawUrl: string,
  init: FetchInit = {},
): Promise<Result<FetchedResponse, BulwarkError>> {
  const limits: FetchLimits = { ...DEFAULT_NET_CONFIG, ...deps.limits };
  const transport = deps.transport ?? pinnedTransport();
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const signal = init.signal ? AbortSignal.any([timeout, init.signal]) : timeout;
  let method = init.method ?? 'GET';
  let body = init.body;
  let headers: Record<string, string> = { ...init.headers };
  let url = rawUrl;
  const hops: string[] = [];

  for (let hop = 0; ; hop++) {
    // A URL that does not parse is refused by L10 below; only one that could be sent is judged by the hook.
    if (init.beforeHop && URL.canParse(url)) {
      const judged = await init.beforeHop(new URL(url), body);
      if (!judged.ok) return judged;
    }
    const checked = await deps.guard.check(url, init.ctx);
    if (!checked.ok) return checked;
    const target = checked.value;
    hops.push(target.url.href);
    let res;
    try {
      res = await transport(target, { method, headers, ...(body !== undefined ? { body } : {}), signal });
    } catch (cause) {
      if (timeout.aborted)
        return err(
          fetchError('net.timeout', `fetching ${target.url.origin} took longer than ${limits.timeoutMs} ms`, 504),
        );
      return err(fetchError('net.fetch_failed', `fetching ${target.url.origin} failed: ${describeCause(cause)}`));
    }
    try {
      const location = header(res.headers, 'location');
      if (REDIRECTS.has(res.status) && location !== undefined) {
        if (hop >= limits.maxRedirects)
          return err(fetchError('net.too_many_redirects', `more than ${limits.maxRedirects} redirects from ${rawUrl}`));
        let next: URL;
        try {
          next = new URL(location, target.url);
        } catch {
          return err(fetchError('net.bad_redirect', `${target.url.origin} sent a redirect to an unparseable location`));
        }
        if (next.origin !== target.url.origin) {
          headers = Object.fromEntries(
            Object.entries(headers).filter(([k]) => !CREDENTIAL_HEADERS.includes(k.toLowerCase())),
          );
        }
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next.href;
        continue;
      }
      const declared = Number(header(res.headers, 'content-length') ?? NaN);
      const chunks: Buffer[] = [];
      let size = 0;
      let truncated = false;
      if (method !== 'HEAD') {
        for await (const chunk of res.body) {
          const b = Buffer.from(chunk);
          if (size + b.length > limits.maxBodyBytes) {
            chunks.push(b.subarray(0, limits.maxBodyBytes - size));
            size = limits.maxBodyBytes;
            truncated = true;
            break;
          }
          chunks.push(b);
          size += b.length;
        }
      }
      if (Number.isFinite(declared) && declared > limits.maxBodyBytes) truncated = true;
      return ok({
        url: target.url.href,
        status: res.status,
        headers: res.headers,
        body: Buffer.concat(chunks),
        truncated,
        hops,
        address: target.pinned.address,
      });
    } catch (cause) {
      if (timeout.aborted)
        return err(
          fetchError('net.timeout', `fetching ${target.url.origin} took longer than ${limits.timeoutMs} ms`, 504),
        );
      return err(
        fetchError('net.fetch_failed', `reading the response of ${target.url.origin} failed: ${describeCause(cause)}`),
      );
    } finally {
      await res.close();
    }
  }
}
