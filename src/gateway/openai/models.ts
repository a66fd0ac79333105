/** GET /v1/models and /v1/models/:id — one model per configured agent, id = agent id. */
import type { Context } from 'hono';
import type { AgentRuntime } from '../../agent/index.js';
import { failure, sendFailure } from '../errors.js';
import type { GatewayEnv } from '../env.js';

const CREATED = Math.floor(Date.now() / 1000);

function modelObject(id: string): Record<string, unknown> {
  return { id, object: 'model', created: CREATED, owned_by: 'bulwark' };
}

export function listModelsHandler(runtime: AgentRuntime) {
  return (c: Context<GatewayEnv>): Response =>
    c.json({ object: 'list', data: runtime.listAgents().map((a) => modelObject(a.id)) });
}

export function getModelHandler(runtime: AgentRuntime) {
  return (c: Context<GatewayEnv>): Response => {
    const id = c.req.param('id') ?? '';
    if (!runtime.hasAgent(id)) {
      return sendFailure(
        c,
        failure(
          404,
          `unknown model "${id.slice(0, 200)}": a model is an agent id; list them with GET /v1/models`,
          'model_not_found',
        ),
      );
    }
    return c.json(modelObject(id));
  };
}
