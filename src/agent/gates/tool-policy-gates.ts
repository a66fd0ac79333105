/**
 * L12 at two boundaries: the prompt offers the model only the tools its agent's policy allows, and a call to
 * any other tool — or with arguments that are not a JSON object — is refused before any other layer looks at it.
 */
import { auditContext, bulwarkError, type EventBus, type LayerReporter, type Gate, err, ok } from '../../core/index.js';
import type { ToolPolicy } from '../../policy/index.js';
import type { PromptItem, ToolCallItem } from '../boundaries.js';

export interface ToolPolicyGates extends LayerReporter {
  readonly offer: Gate<PromptItem>;
  readonly admit: Gate<ToolCallItem>;
}

function refused(code: string, message: string) {
  return err(bulwarkError(code, message, { layer: 'L12', status: 403 }));
}

/** `policies`: each agent's compiled policy; an agent without one is offered nothing (fail closed). */
export function createToolPolicyGates(policies: ReadonlyMap<string, ToolPolicy>, bus: EventBus): ToolPolicyGates {
  const offer: Gate<PromptItem> = {
    layer: 'L12',
    name: "offer only the tools the agent's profile and allow/deny lists permit",
    run(item, ctx) {
      const policy = policies.get(ctx.agentId);
      const tools = policy ? item.tools.filter((t) => policy.decide(t.spec.name, t.group).allowed) : [];
      return ok({ ...item, tools });
    },
  };

  const admit: Gate<ToolCallItem> = {
    layer: 'L12',
    name: 'refuse calls to tools outside the policy and arguments that are not a JSON object',
    run(item, ctx) {
      const { tool, ref } = item;
      const policy = policies.get(ctx.agentId);
      const decision = tool && policy ? policy.decide(tool.spec.name, tool.group) : undefined;
      if (!tool || !decision?.allowed) {
        const reason = !tool
          ? 'no tool of that name exists'
          : decision && !decision.allowed
            ? decision.reason
            : `agent "${ctx.agentId}" has no tool policy`;
        bus.emit('tool:denied', { ...auditContext(ctx), tool: ref.name, layer: 'L12', outcome: 'denied', reason });
        // The name of a tool that does not exist is unscanned model output: the result does not repeat it.
        return refused(
          'tool.unavailable',
          tool
            ? `tool "${ref.name}" is not available to this agent`
            : 'no tool of that name is available to this agent',
        );
      }
      let args: unknown;
      try {
        args = JSON.parse(item.call.arguments);
      } catch {
        // The parser's message quotes the input, which no layer has scanned: the result names the problem only.
        return refused('tool.invalid_arguments', `the arguments of ${ref.name} are not valid JSON; send a JSON object`);
      }
      return ok({ ...item, args });
    },
  };

  return {
    name: 'tool-policy',
    offer,
    admit,
    layers: () => [
      {
        id: 'L12',
        state: 'on',
        reason: `tool profiles and per-agent allow/deny decide which tools each agent sees and may call (${[...policies.entries()].map(([id, p]) => `${id}: ${p.profile}`).join(', ')})`,
      },
    ],
  };
}
