/**
 * Errors as the OpenAI API shapes them: `{ error: { message, type, code, param } }`, so
 * OpenAI-compatible clients surface our message. Never a stack trace, never internals.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { BulwarkError } from '../core/index.js';
import type { GatewayEnv } from './env.js';
import { truncatePath } from './access-log.js';

export interface OpenAIErrorBody {
  readonly error: {
    readonly message: string;
    readonly type: string;
    readonly code: string | null;
    readonly param: string | null;
  };
}

/** The error `type` OpenAI uses for each status. */
export function errorTypeFor(status: number): string {
  switch (status) {
    case 400:
    case 404:
    case 405:
    case 413:
    case 415:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'service_unavailable';
    default:
      return status >= 500 ? 'server_error' : 'invalid_request_error';
  }
}

export function openAIError(
  status: number,
  message: string,
  code: string | null = null,
  param: string | null = null,
): OpenAIErrorBody {
  return { error: { message, type: errorTypeFor(status), code, param } };
}

/** An error to answer with: status plus body. */
export interface HttpFailure {
  readonly status: number;
  readonly body: OpenAIErrorBody;
  /** Extra response headers, e.g. Retry-After on a 429. */
  readonly headers?: Readonly<Record<string, string>>;
}

export function failure(
  status: number,
  message: string,
  code: string | null = null,
  param: string | null = null,
): HttpFailure {
  return { status, body: openAIError(status, message, code, param) };
}

/** Answers with a failure: its extra headers, its status and its OpenAI-shaped body. */
export function sendFailure(c: Context<GatewayEnv>, f: HttpFailure): Response {
  for (const [k, v] of Object.entries(f.headers ?? {})) c.header(k, v);
  return c.json(f.body, f.status as ContentfulStatusCode);
}

/** Answers 405 with an Allow header for a known path hit with the wrong method. */
export function methodNotAllowed(allow: string): MiddlewareHandler<GatewayEnv> {
  return async (c) => {
    c.header('Allow', allow);
    return sendFailure(
      c,
      failure(
        405,
        `method ${c.req.method} is not allowed on ${truncatePath(c.req.path)}; use ${allow}`,
        'method_not_allowed',
      ),
    );
  };
}

/**
 * Maps an agent/runtime error to what the client sees. An error with a deliberate client status
 * (4xx, 502, 503, 504) carries a message written for the operator; anything else becomes a generic
 * 500 naming only the trace id, and the real message goes to the log.
 */
export function failureFromBulwarkError(error: BulwarkError, traceId: string): HttpFailure {
  const status = error.status ?? 500;
  const valid = Number.isInteger(status) && status >= 400 && status <= 599;
  if (valid && status !== 500) {
    const f = failure(status, error.message, error.code);
    const retryAfterMs = error.details?.retryAfterMs;
    if (status === 429 && typeof retryAfterMs === 'number' && Number.isFinite(retryAfterMs) && retryAfterMs >= 0) {
      return { ...f, headers: { 'Retry-After': String(Math.ceil(retryAfterMs / 1000)) } };
    }
    return f;
  }
  return failure(500, `internal error (trace ${traceId}); the daemon log has the details`, 'internal_error');
}
