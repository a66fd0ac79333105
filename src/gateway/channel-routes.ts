/**
 * POST <path> for a chat channel that takes its updates over HTTP (Telegram's webhook mode). No bearer token: the
 * channel checks its own secret header (constant time) and answers; the body is read with a size cap first. The
 * gateway learns nothing of the platform: it hands over headers, raw body and trace id.
 */
import type { GatewayApp } from './env.js';
import type { SignedRoutes } from './app.js';
import { readBoundedBody } from './body.js';
import { failure, methodNotAllowed, sendFailure } from './errors.js';

export interface ChannelWebhook {
  readonly path: string;
  readonly maxBodyBytes: number;
  handle(request: {
    headers: Record<string, string | undefined>;
    body: Buffer;
    traceId: string;
  }): Promise<{ status: number; body: string }>;
}

export function channelWebhookRouteGroup(hook: ChannelWebhook): SignedRoutes {
  return {
    prefix: hook.path,
    register(app: GatewayApp) {
      app.post(hook.path, async (c) => {
        c.set('refusalHandled', true);
        const body = await readBoundedBody(c.req.raw, hook.maxBodyBytes);
        if (!body.ok)
          return sendFailure(
            c,
            body.error.status === 413 ? failure(413, 'update too large', 'body_too_large') : body.error,
          );
        const headers: Record<string, string> = {};
        c.req.raw.headers.forEach((value, key) => {
          headers[key] = value;
        });
        const answer = await hook.handle({
          headers,
          body: Buffer.from(body.value.buffer, body.value.byteOffset, body.value.byteLength),
          traceId: c.get('traceId'),
        });
        return c.body(answer.body, answer.status as 200, { 'content-type': 'application/json' });
      });
      app.all(hook.path, methodNotAllowed('POST'));
    },
  };
}
