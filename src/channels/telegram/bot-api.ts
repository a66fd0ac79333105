/**
 * The Telegram Bot API over HTTPS through L10: `POST <apiBase>/bot<token>/<method>` with a JSON body, answered with
 * `{ok, result}` or `{ok: false, error_code, description}`. Every request is checked by the SSRF guard and goes to
 * the checked address only (a Bot API on loopback needs an operator `net.allow` entry). The token is part of the URL
 * path, so no error built here contains the URL: they name the method and the origin, and the platform's
 * description is cut and has the token removed.
 */
import { bulwarkError, type BulwarkError, type EventContext, err, ok, type Result } from '../../core/index.js';
import { guardedFetch, type SsrfGuard, type Transport } from '../../net/index.js';

export interface BotApiOptions {
  /** e.g. https://api.telegram.org (no trailing slash needed). */
  readonly apiBase: string;
  readonly token: string;
  readonly guard: SsrfGuard;
  readonly transport: Transport;
  /** Upper bound of one call without a long poll (the long poll adds its own wait). */
  readonly timeoutMs?: number;
  readonly maxBodyBytes?: number;
}

export interface BotApi {
  call<T>(
    method: string,
    params: Readonly<Record<string, unknown>>,
    options?: { signal?: AbortSignal; waitSec?: number; ctx?: EventContext },
  ): Promise<Result<T, BulwarkError>>;
}

export interface BotApiFailure {
  readonly errorCode?: number;
  readonly retryAfterSec?: number;
}

const METHOD = /^[A-Za-z]{1,64}$/;

export function botApiError(code: string, message: string, extra: BotApiFailure = {}): BulwarkError {
  return bulwarkError(code, message, {
    status: extra.errorCode ?? 502,
    ...(extra.retryAfterSec ? { details: { retryAfterSec: extra.retryAfterSec } } : {}),
  });
}

export function createBotApi(options: BotApiOptions): BotApi {
  const base = options.apiBase.replace(/\/+$/, '');
  const origin = new URL(base).origin;
  const scrub = (text: string): string => text.split(options.token).join('[REDACTED]');
  return {
    async call<T>(
      method: string,
      params: Readonly<Record<string, unknown>>,
      opts: { signal?: AbortSignal; waitSec?: number; ctx?: EventContext } = {},
    ): Promise<Result<T, BulwarkError>> {
      if (!METHOD.test(method))
        return err(botApiError('telegram.method', `not a Bot API method name: ${method.slice(0, 40)}`));
      const fetched = await guardedFetch(
        {
          guard: options.guard,
          transport: options.transport,
          limits: {
            timeoutMs: (options.timeoutMs ?? 15_000) + (opts.waitSec ?? 0) * 1000,
            maxBodyBytes: options.maxBodyBytes ?? 8 * 1024 * 1024,
            maxRedirects: 0,
          },
        },
        `${base}/bot${options.token}/${method}`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(params),
          ...(opts.signal ? { signal: opts.signal } : {}),
          ...(opts.ctx ? { ctx: opts.ctx } : {}),
        },
      );
      if (!fetched.ok)
        return err(
          botApiError(fetched.error.code, `Telegram ${method} at ${origin}: ${scrub(fetched.error.message)}`, {
            errorCode: fetched.error.status ?? 502,
          }),
        );
      const res = fetched.value;
      if (res.truncated)
        return err(
          botApiError('telegram.too_large', `Telegram ${method} at ${origin}: the answer is larger than allowed`),
        );
      let body: unknown;
      try {
        body = JSON.parse(res.body.toString('utf8'));
      } catch {
        return err(
          botApiError('telegram.bad_answer', `Telegram ${method} at ${origin} answered ${res.status} with no JSON`),
        );
      }
      const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
      if (o['ok'] === true && 'result' in o) return ok(o['result'] as T);
      const description =
        typeof o['description'] === 'string' ? scrub(o['description']).slice(0, 200) : 'no description';
      const code = typeof o['error_code'] === 'number' ? o['error_code'] : res.status;
      const p = o['parameters'] as Record<string, unknown> | undefined;
      const retry = typeof p?.['retry_after'] === 'number' ? p['retry_after'] : undefined;
      return err(
        botApiError('telegram.refused', `Telegram ${method} at ${origin} refused (${code}): ${description}`, {
          errorCode: code,
          ...(retry !== undefined ? { retryAfterSec: retry } : {}),
        }),
      );
    },
  };
}
