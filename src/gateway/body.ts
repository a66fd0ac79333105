/**
 * Reads a JSON request body with the size limit enforced while reading: a declared
 * Content-Length over the limit is refused before a byte is read, and a chunked body is
 * counted chunk by chunk and abandoned as soon as it passes the limit, so an oversized
 * body is never buffered whole.
 */
import { err, ok, type Result } from '../core/index.js';
import { failure, type HttpFailure } from './errors.js';

function tooLarge(limit: number): HttpFailure {
  return failure(
    413,
    `request body is larger than the limit of ${limit} bytes (server.bodyLimitBytes in config.yaml)`,
    'body_too_large',
  );
}

export function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const mediaType = value.split(';')[0]?.trim().toLowerCase();
  return mediaType === 'application/json';
}

export async function readBoundedBody(request: Request, limit: number): Promise<Result<Uint8Array, HttpFailure>> {
  const declared = request.headers.get('content-length');
  if (declared !== null) {
    const n = Number(declared);
    if (!Number.isSafeInteger(n) || n < 0) return err(failure(400, 'invalid Content-Length header', 'invalid_request'));
    if (n > limit) return err(tooLarge(limit));
  }
  if (!request.body) return ok(new Uint8Array(0));
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      await reader.cancel('body too large');
      return err(tooLarge(limit));
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return ok(out);
}

/** Content type, size and JSON syntax checks, in that order. */
export async function readJsonBody(request: Request, limit: number): Promise<Result<unknown, HttpFailure>> {
  if (!isJsonContentType(request.headers.get('content-type') ?? undefined)) {
    return err(
      failure(415, 'the request body must be JSON: send "Content-Type: application/json"', 'unsupported_media_type'),
    );
  }
  const body = await readBoundedBody(request, limit);
  if (!body.ok) return body;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body.value);
  } catch {
    return err(failure(400, 'the request body is not valid UTF-8', 'invalid_json'));
  }
  if (text.trim().length === 0)
    return err(failure(400, 'the request body is empty; send a JSON object', 'invalid_json'));
  try {
    return ok(JSON.parse(text) as unknown);
  } catch (cause) {
    const detail = cause instanceof SyntaxError ? `: ${cause.message.slice(0, 200)}` : '';
    return err(failure(400, `the request body is not valid JSON${detail}`, 'invalid_json'));
  }
}
