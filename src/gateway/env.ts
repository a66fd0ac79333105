/** Hono environment of the gateway: node bindings and what middleware hands to routes. */
import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import type { Caller } from '../core/index.js';

export interface GatewayVariables {
  /** Who is asking, verified by L18 (a token) on every route but /health. */
  identity: Caller;
  /** Per-request trace id, also returned as the x-bulwark-trace header. */
  traceId: string;
  /** Set once a refusal has been audited (or deliberately not, by the L18 throttle): the access log middleware then adds nothing. */
  refusalHandled: boolean;
}

export interface GatewayEnv {
  Bindings: HttpBindings;
  Variables: GatewayVariables;
}

export type GatewayApp = Hono<GatewayEnv>;
