import { bulwarkError, describeCause, type BulwarkError } from '../../core/index.js';

export type ProviderErrorCode =
  'auth' | 'rate_limit' | 'timeout' | 'unavailable' | 'bad_request' | 'cancelled' | 'not_configured' | 'overlong';

const STATUS: Record<ProviderErrorCode, number> = {
  auth: 502,
  rate_limit: 429,
  timeout: 504,
  unavailable: 502,
  bad_request: 502,
  cancelled: 499,
  not_configured: 503,
  overlong: 502,
};

/**
 * A failed model call. The message is built by us and scrubbed of the key, but may quote up to 300
 * characters of the provider's own error text, which the model side controls: the turn loop passes it
 * through the session's output scan (scannedError) before a client or the log sees it.
 */
export class ProviderError extends Error {
  readonly code: ProviderErrorCode;
  readonly providerId: string;
  readonly upstreamStatus: number | undefined;

  constructor(code: ProviderErrorCode, providerId: string, message: string, upstreamStatus?: number) {
    super(message);
    this.name = 'ProviderError';
    this.code = code;
    this.providerId = providerId;
    this.upstreamStatus = upstreamStatus;
  }

  toBulwarkError(): BulwarkError {
    return bulwarkError(`provider.${this.code}`, this.message, {
      status: STATUS[this.code],
      details: {
        provider: this.providerId,
        ...(this.upstreamStatus !== undefined ? { upstreamStatus: this.upstreamStatus } : {}),
      },
    });
  }
}

const KEYLIKE = /\b(?:sk|pk|rk|key|token|api[_-]?key)[-_][A-Za-z0-9*_.-]{4,}/gi;

/** Removes the key value (and anything key-shaped) from upstream text and caps its length. */
export function scrubUpstreamText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[REDACTED]');
  out = out.replace(KEYLIKE, '[REDACTED]');
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}

interface SdkErrorShape {
  status?: unknown;
  name?: unknown;
}

/**
 * Maps an error thrown by either official SDK (or by our own abort) to a ProviderError.
 * Works on the shared shape of both SDKs' error classes (APIError.status, *ConnectionTimeoutError, *UserAbortError).
 */
export function toProviderError(
  cause: unknown,
  providerId: string,
  secrets: readonly string[],
  abort: { timedOut: boolean; cancelled: boolean },
): ProviderError {
  if (cause instanceof ProviderError) return cause;
  if (abort.timedOut)
    return new ProviderError(
      'timeout',
      providerId,
      `provider "${providerId}" did not answer in time (timeoutMs in its config)`,
    );
  if (abort.cancelled)
    return new ProviderError('cancelled', providerId, `the model call to provider "${providerId}" was cancelled`);
  const shape = (typeof cause === 'object' && cause !== null ? cause : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const status = typeof shape.status === 'number' ? shape.status : undefined;
  const detail = scrubUpstreamText(describeCause(cause), secrets);
  if (/Timeout/i.test(name)) {
    return new ProviderError(
      'timeout',
      providerId,
      `provider "${providerId}" did not answer in time (timeoutMs in its config)`,
    );
  }
  if (/UserAbort/i.test(name))
    return new ProviderError('cancelled', providerId, `the model call to provider "${providerId}" was cancelled`);
  if (status === 401 || status === 403) {
    return new ProviderError(
      'auth',
      providerId,
      `provider "${providerId}" refused the credentials (HTTP ${status}); check the secret its apiKey refers to`,
      status,
    );
  }
  if (status === 429)
    return new ProviderError(
      'rate_limit',
      providerId,
      `provider "${providerId}" is rate limiting (HTTP 429): ${detail}`,
      status,
    );
  if (status === 408)
    return new ProviderError('timeout', providerId, `provider "${providerId}" timed out (HTTP 408)`, status);
  if (status !== undefined && status >= 400 && status < 500) {
    return new ProviderError(
      'bad_request',
      providerId,
      `provider "${providerId}" rejected the request (HTTP ${status}): ${detail}`,
      status,
    );
  }
  if (status !== undefined) {
    return new ProviderError(
      'unavailable',
      providerId,
      `provider "${providerId}" failed (HTTP ${status}): ${detail}`,
      status,
    );
  }
  return new ProviderError('unavailable', providerId, `provider "${providerId}" could not be reached: ${detail}`);
}
