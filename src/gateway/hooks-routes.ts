/**
 * POST /v1/hooks/:name (L20): a signed webhook delivery triggers its hook's agent. No bearer token: the signature over
 * the raw body authenticates it (src/transport/webhooks/receiver.ts). A verified delivery is answered 202 at once and
 * runs as one turn of a caller `hook:<name>` (never the owner: L01 refuses high risk, nothing is approved for it),
 * with the payload as external content (L01 scores it as sent, L03 frames it). A refusal says nothing of its reason.
 */
import type { Logger } from 'pino';
import type { AgentRuntime } from '../agent/index.js';
import { type Caller, describeCause } from '../core/index.js';
import type { HookConfig } from '../config/index.js';
import type { HookReceiver } from '../transport/index.js';
import type { ActiveTurns } from './active-turns.js';
import { readBoundedBody } from './body.js';
import type { GatewayApp } from './env.js';
import type { SignedRoutes } from './app.js';
import { failure, methodNotAllowed, sendFailure } from './errors.js';

export interface HooksRoutesDeps {
  readonly receiver: HookReceiver;
  readonly runtime: AgentRuntime;
  readonly logger: Logger;
  /** Told when a delivery's turn is over (tests, status). */
  readonly onTurnDone?: (hook: string, traceId: string, outcome: string) => void;
}

export const HOOKS_PREFIX = '/v1/hooks/';

function defaultPreamble(name: string, hook: HookConfig): string {
  return `A ${hook.provider} webhook delivery arrived on hook "${name}". Its payload follows as external data.`;
}

export function hookCaller(name: string, hook: HookConfig): Caller {
  return { kind: 'hook', id: name, scopes: [], owner: false, label: hook.provider };
}

/** The headers as the verifiers read them: lower-case names, repeated headers as lists. */
function headersOf(request: Request): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  request.headers.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}

async function runDelivery(
  deps: HooksRoutesDeps,
  turns: ActiveTurns,
  name: string,
  hook: HookConfig,
  payload: string,
  traceId: string,
): Promise<void> {
  const turn = turns.start(new AbortController().signal);
  let outcome = 'done';
  try {
    const events = deps.runtime.runTurn({
      agentId: hook.agent,
      messages: [{ role: 'user', content: payload }],
      caller: hookCaller(name, hook),
      traceId,
      signal: turn.signal,
      external: { source: `webhook:${name}`, preamble: hook.prompt ?? defaultPreamble(name, hook) },
    });
    for await (const e of events) {
      if (e.type === 'error') {
        outcome = `error ${e.error.code}`;
        deps.logger.warn({ traceId, hook: name, code: e.error.code }, `webhook turn refused: ${e.error.message}`);
      } else if (e.type === 'done') outcome = e.finishReason;
    }
  } catch (cause) {
    outcome = 'failed';
    deps.logger.error({ traceId, hook: name, err: describeCause(cause) }, 'webhook turn failed');
  } finally {
    turn.end();
    deps.onTurnDone?.(name, traceId, outcome);
  }
}

export function hooksRouteGroup(deps: HooksRoutesDeps): SignedRoutes {
  return {
    prefix: HOOKS_PREFIX,
    register(app: GatewayApp, turns: ActiveTurns) {
      app.post('/v1/hooks/:name', async (c) => {
        const name = c.req.param('name');
        const traceId = c.get('traceId');
        const hook = deps.receiver.hook(name);
        // Unknown names take the gateway's usual path for refused requests (throttled audit lines per address).
        if (!hook) return sendFailure(c, failure(404, 'no such hook', 'not_found'));
        c.set('refusalHandled', true);
        const admitted = deps.receiver.admit(name, traceId);
        if (admitted && !admitted.ok)
          return sendFailure(c, failure(admitted.status, admitted.message, admitted.reason));
        const body = await readBoundedBody(c.req.raw, hook.maxBodyBytes);
        if (!body.ok) {
          const r = body.error.status === 413 ? deps.receiver.tooLarge(name, traceId) : undefined;
          return sendFailure(c, r && !r.ok ? failure(413, r.message, 'body_too_large') : body.error);
        }
        const raw = Buffer.from(body.value.buffer, body.value.byteOffset, body.value.byteLength);
        const r = await deps.receiver.receive(name, { headers: headersOf(c.req.raw), body: raw }, traceId);
        if (!r.ok)
          return sendFailure(c, failure(r.status, r.message, r.status === 401 ? 'delivery_refused' : r.reason));
        void runDelivery(deps, turns, name, hook, new TextDecoder('utf-8', { fatal: false }).decode(raw), traceId);
        return c.json({ accepted: true, delivery: r.deliveryId, trace: traceId }, 202);
      });
      app.all('/v1/hooks/:name', methodNotAllowed('POST'));
    },
  };
}
