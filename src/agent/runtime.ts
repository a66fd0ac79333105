/**
 * The agent runtime the gateway and CLI talk to: resolves the agent, its provider, workspace and session, then
 * runs the turn loop with the pipelines it was built with (it is not built without them). `runTurn` never
 * throws; failures are `error` events.
 */
import { chownSync, existsSync, mkdirSync, statSync } from 'node:fs';
import type { Config, AgentConfig } from '../config/index.js';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  type EventBus,
  err,
  ok,
  type Result,
  absoluteFrom,
  childPath,
  callerKey,
  auditContext,
  createTurnTaint,
} from '../core/index.js';
import { checkPipelines, type TurnPipelines } from './boundaries.js';
import { createProvider, type SecretResolver } from './providers/factory.js';
import { SessionLocks, type ReleaseSession } from './session-lock.js';
import { repairHistory, type SessionStore } from './session-store.js';
import { fsTools } from './tools/fs/index.js';
import { ToolRegistry } from './tools/registry.js';
import type { OperatorApprovals, Tool } from './tools/tool.js';
import { planSampling } from './sampling.js';
import { samplingRulesFor } from './provider-sampling.js';
import { runTurnLoop, ToolCallIds } from './turn-loop.js';
import { OwnAnswers } from './own-answers.js';
import type { MemoryService, MemoryWriteItem } from '../memory/index.js';
import type { CompactionStore } from './compaction-store.js';
import { compactionSettings, prepareHistory } from './compaction.js';
import { captureTurn, memoryAccess, sessionKindOf } from './memory-turn.js';
import type { AgentRuntime, ChatMessage, Provider, TurnContext, TurnEvent, TurnRequest } from './types.js';

export interface AgentRuntimeOptions {
  readonly config: Config;
  /** Where sessions and their messages are kept (the composition root opens it: src/stores.ts). */
  readonly sessions: SessionStore;
  /** Where session compactions (summaries of early messages) are kept (src/stores.ts). */
  readonly compactions: CompactionStore;
  readonly bus: EventBus;
  readonly dataDir: string;
  readonly resolveSecret: SecretResolver;
  /** The ordered gates of every boundary (src/pipelines.ts). Required: a turn never runs without its defences. */
  readonly pipelines: TurnPipelines;
  /** Tools of other rooms (exec, web fetch, …) next to the built-in fs tools. */
  readonly extraTools?: readonly Tool[];
  /** Owner of the workspaces this runtime creates (the sandbox user, under a root daemon). */
  readonly workspaceOwner?: { readonly uid: number; readonly gid: number };
  /** The file tools (default: `fsTools`, without an undo journal). */
  readonly fileTools?: readonly Tool[];
  /** Working directory that relative `workspace` paths in config are taken from (default: process.cwd()). */
  readonly cwd?: string;
  /** Lets tools ask the operator about one change their own gate refused (e.g. L11.7 host-executed files). */
  readonly operator?: OperatorApprovals;
  /** The memory service (L14–L16) when memory is on and its store opened. */
  readonly memory?: MemoryService;
}

interface PreparedAgent {
  readonly config: AgentConfig;
  readonly workspace: string;
  readonly provider: Provider | undefined;
}

export function providerNotConfigured(agentId: string): BulwarkError {
  return bulwarkError(
    'provider.not_configured',
    [
      `agent "${agentId}" has no model provider. Add one to config.yaml and point the agent at it, for example:`,
      '',
      'providers:',
      '  anthropic: { type: anthropic, apiKey: { secret: ANTHROPIC_API_KEY } }',
      '  openai:    { type: openai, apiKey: { secret: OPENAI_API_KEY } }',
      '  ollama:    { type: openai, baseUrl: "http://127.0.0.1:11434/v1" }',
      'agents:',
      `  - id: ${agentId}`,
      '    provider: anthropic        # or openai / ollama',
      '    model: claude-sonnet-4-5   # e.g. gpt-4.1 for openai, llama3.1 for ollama',
      '',
      'and make the secret available (environment variable of the same name, e.g. ANTHROPIC_API_KEY).',
    ].join('\n'),
    { status: 503 },
  );
}

/** Where an agent's workspace is: agents[].workspace (relative to cwd), else <data dir>/workspaces/<id>. */
export function workspacePath(agent: Pick<AgentConfig, 'id' | 'workspace'>, dataDir: string, cwd: string): string {
  return agent.workspace !== undefined
    ? absoluteFrom(cwd, agent.workspace)
    : childPath(dataDir, 'workspaces', agent.id);
}

function prepareWorkspace(
  agent: AgentConfig,
  dataDir: string,
  cwd: string,
  owner?: { uid: number; gid: number },
): Result<string, BulwarkError> {
  const dir = workspacePath(agent, dataDir, cwd);
  try {
    const existed = existsSync(dir);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A workspace bulwark creates belongs to the sandbox user, so commands in it never need host root.
    if (!existed && owner) chownSync(dir, owner.uid, owner.gid);
    if (!statSync(dir).isDirectory())
      return err(bulwarkError('agent.workspace', `workspace of agent "${agent.id}" (${dir}) is not a directory`));
    return ok(dir);
  } catch (cause) {
    return err(
      bulwarkError(
        'agent.workspace',
        `cannot create the workspace of agent "${agent.id}" at ${dir}: ${describeCause(cause)}`,
      ),
    );
  }
}

/** Client-sent history may hold only user and plain assistant text; tool traffic comes from the runtime alone. */
function clientMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  const out: ChatMessage[] = [];
  for (const m of messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'assistant') out.push({ role: 'assistant', content: m.content });
  }
  return out;
}

/**
 * Builds the runtime. Fails (at start-up, not at the first turn) without its pipelines or with one that lacks a
 * required gate, on an agent naming an unknown provider, or a workspace that cannot be created.
 */
export function createAgentRuntime(options: AgentRuntimeOptions): Result<AgentRuntime, BulwarkError> {
  const { config, bus } = options;
  const checked = checkPipelines(options.pipelines);
  if (!checked.ok) return checked;
  const pipelines = checked.value;
  const cwd = options.cwd ?? process.cwd();
  const registry = new ToolRegistry([...(options.fileTools ?? fsTools), ...(options.extraTools ?? [])]);
  const sessions = options.sessions;
  const compactions = options.compactions;
  const memory = config.memory.enabled ? options.memory : undefined;
  const locks = new SessionLocks();
  const providers = new Map<string, Provider>();
  for (const [id, p] of Object.entries(config.providers))
    providers.set(id, createProvider(id, p, options.resolveSecret));

  const agents = new Map<string, PreparedAgent>();
  for (const agent of config.agents) {
    if (agents.has(agent.id))
      return err(bulwarkError('config.duplicate_agent', `agent id "${agent.id}" appears twice in config.yaml`));
    if (agent.provider !== undefined && !providers.has(agent.provider)) {
      const known = [...providers.keys()];
      return err(
        bulwarkError(
          'config.unknown_provider',
          `agent "${agent.id}" uses provider "${agent.provider}", which is not defined under providers in config.yaml (defined: ${known.length ? known.join(', ') : 'none'})`,
        ),
      );
    }
    const workspace = prepareWorkspace(agent, options.dataDir, cwd, options.workspaceOwner);
    if (!workspace.ok) return workspace;
    agents.set(agent.id, {
      config: agent,
      workspace: workspace.value,
      provider: agent.provider === undefined ? undefined : providers.get(agent.provider),
    });
  }

  // One map for the runtime: bulwark's tool call ids are unique, so sessions never collide in it.
  const callIds = new ToolCallIds();
  const ownAnswers = new OwnAnswers();

  async function* runTurn(request: TurnRequest): AsyncGenerator<TurnEvent> {
    let release: ReleaseSession | undefined;
    try {
      const agent = agents.get(request.agentId);
      if (!agent) {
        yield {
          type: 'error',
          error: bulwarkError(
            'agent.unknown',
            `no agent "${request.agentId}"; configured agents: ${[...agents.keys()].join(', ')}`,
            { status: 404 },
          ),
        };
        return;
      }
      if (!agent.provider) {
        yield { type: 'error', error: providerNotConfigured(agent.config.id) };
        return;
      }
      const incoming = clientMessages(request.messages);
      if (!incoming.some((m) => m.role === 'user')) {
        yield {
          type: 'error',
          error: bulwarkError('turn.no_input', 'a turn needs at least one user message', { status: 400 }),
        };
        return;
      }
      let sessionId: string;
      if (request.sessionId !== undefined) {
        const auth = await sessions.authorize(request.sessionId, agent.config.id, callerKey(request.caller));
        if (!auth.ok) {
          if (auth.error.code === 'session.forbidden') {
            bus.emit('security:blocked', {
              ...auditContext({
                agentId: agent.config.id,
                sessionId: request.sessionId,
                traceId: request.traceId,
                caller: request.caller,
              }),
              // The session is bound to the caller the bearer token (L18) identified.
              layer: 'L18',
              outcome: 'denied',
              reason: 'session belongs to another sender or agent',
            });
          }
          yield {
            type: 'error',
            error: {
              ...auth.error,
              code: auth.error.code === 'session.forbidden' ? 'session.not_found' : auth.error.code,
            },
          };
          return;
        }
        sessionId = auth.value;
      } else {
        sessionId = await sessions.create(agent.config.id, callerKey(request.caller));
      }
      // One turn at a time per session: the history is read, and the turn's messages appended, under the lock.
      // A waiting turn queues for at most turnTimeoutMs (the longest the running turn may take).
      const lock = await locks.acquire(sessionId, {
        waitMs: agent.config.turnTimeoutMs,
        ...(request.signal ? { signal: request.signal } : {}),
      });
      if (!lock.ok) {
        yield lock.error.code === 'session.wait_cancelled'
          ? { type: 'done', finishReason: 'cancelled', text: '' }
          : { type: 'error', error: lock.error };
        return;
      }
      release = lock.value;
      const stored = request.sessionId !== undefined ? repairHistory(await sessions.history(sessionId)) : [];
      const planned = planSampling(
        agent.config.limits,
        agent.config.maxTokens,
        request.sampling,
        request.maxTokens,
        samplingRulesFor(agent.provider.kind, agent.config.model),
      );
      yield {
        type: 'session',
        sessionId,
        ...(planned.clamped.length > 0 ? { clamped: planned.clamped } : {}),
        ...(planned.ignored.length > 0 ? { ignored: planned.ignored } : {}),
      };

      // The turn's taint starts with what its history carries; the loop adds every outside tool that runs.
      const taint = createTurnTaint();
      // Outside content in the user message itself (a webhook payload) taints the turn before anything runs.
      if (request.external) taint.mark(`external:${request.external.source}`);
      const ctx: TurnContext = {
        agentId: agent.config.id,
        sessionId,
        traceId: request.traceId,
        caller: request.caller,
        taint,
      };
      const sessionKind = sessionKindOf(request.caller);
      const writeMemory = memory
        ? (item: MemoryWriteItem) =>
            memory.write(pipelines.memoryWrite, item, ctx, request.signal ?? new AbortController().signal)
        : undefined;
      const prepared = await prepareHistory(
        {
          provider: agent.provider,
          pipelines,
          registry,
          store: compactions,
          bus,
          settings: compactionSettings(config, agent.config),
          ...(writeMemory
            ? {
                remember: (item: Omit<MemoryWriteItem, 'agentId'>) =>
                  writeMemory({ ...item, agentId: agent.config.id }),
              }
            : {}),
          sessionKind,
        },
        stored,
        ctx,
        request.signal ?? new AbortController().signal,
      );
      const history = prepared.history;
      for (const t of prepared.taint) taint.mark(t);
      const pending: ChatMessage[] = [];
      /** This turn's new messages, for capture once it is over. */
      const turnMessages: ChatMessage[] = [];
      // The loop records messages as it goes; they are stored between events, in order, under the session lock.
      const flush = async (): Promise<void> => {
        if (pending.length) await sessions.append(sessionId, pending.splice(0));
      };
      const loop = runTurnLoop(
        {
          provider: agent.provider,
          registry,
          pipelines,
          bus,
          workspace: agent.workspace,
          callIds,
          ...(options.operator ? { operator: options.operator } : {}),
          ...(memory && writeMemory
            ? {
                memory: memoryAccess({
                  memory,
                  write: writeMemory,
                  agentId: agent.config.id,
                  searchOrigins: agent.config.memory.searchOrigins,
                  sessionKind,
                  ctx,
                }),
              }
            : {}),
          settings: {
            model: agent.config.model,
            systemPrompt: agent.config.systemPrompt,
            maxSteps: agent.config.maxSteps,
            maxTokens: planned.maxTokens,
            sampling: planned.sampling,
            turnTimeoutMs: agent.config.turnTimeoutMs,
            maxResponseChars: config.output.maxResponseChars,
          },
        },
        {
          ctx,
          history,
          incoming,
          ...(request.clientInstructions ? { clientInstructions: request.clientInstructions } : {}),
          ownAnswer: (text) => ownAnswers.delivered(request.caller, text),
          ...(request.external ? { external: request.external } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
          record: (m) => {
            pending.push(m);
            turnMessages.push(m);
          },
        },
      );
      // A consumer may stop reading at the terminal event (an HTTP handler answering an error) and never
      // resume this generator: the turn is wound up (its loop closed, messages stored, the session released)
      // before that event goes out, not in a `finally` that would only run on a resume.
      let terminal: TurnEvent | undefined;
      try {
        for await (const ev of loop) {
          await flush();
          if (ev.type === 'done' || ev.type === 'error') {
            terminal = ev;
            break; // closes the loop: its own clean-up (deadline timer, abort listener) runs now
          }
          yield ev;
        }
      } finally {
        await flush();
      }
      if (
        writeMemory &&
        memory &&
        config.memory.capture.enabled &&
        agent.config.memory.capture &&
        terminal?.type === 'done'
      )
        await captureTurn({
          memory,
          write: writeMemory,
          agentId: agent.config.id,
          messages: turnMessages,
          capture: config.memory.capture,
          sessionKind,
          ctx,
        });
      if (terminal?.type === 'done') ownAnswers.remember(request.caller, terminal.text);
      release();
      release = undefined;
      if (terminal) yield terminal;
    } catch (cause) {
      release?.();
      release = undefined;
      yield {
        type: 'error',
        error: bulwarkError('agent.internal', `the agent runtime failed: ${describeCause(cause)}`, { status: 500 }),
      };
    } finally {
      release?.();
    }
  }

  return ok({
    listAgents() {
      return [...agents.values()].map((a) => ({
        id: a.config.id,
        model: a.config.model,
        ...(a.config.provider !== undefined ? { provider: a.config.provider } : {}),
      }));
    },
    hasAgent(agentId: string) {
      return agents.has(agentId);
    },
    runTurn,
  });
}
