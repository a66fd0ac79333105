/**
 * Composition root: the only place that wires concrete parts together.
 * startDaemon: data dir → config → logger → database → event bus + audit sink → layer
 * catalogue → agent runtime → gateway. Anything that fails before the gateway listens is undone.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import { createControlsFromConfig } from './agent/controls.js';
import { createAgentRuntime, workspacePath } from './agent/runtime.js';
import { createExecTool } from './agent/tools/exec.js';
import { createFsTools, fsTools } from './agent/tools/fs/index.js';
import { fileJournal } from './exec/effects/file-journal.js';
import { lookupUser } from './exec/sandbox-identity.js';
import type { Tool } from './agent/tools/tool.js';
import { createWebFetchTool } from './agent/tools/web-fetch.js';
import {
  brokerLayerStatus,
  checkBrokerRunDir,
  execBrokerSpawner,
  startBroker,
  vaultCaStore,
  type Broker,
} from './broker/index.js';
import type { AgentRuntime } from './agent/types.js';
import { describePipelines, type PipelineRow, type TurnPipelines } from './agent/boundaries.js';
import type { Controls } from './agent/controls.js';
import { createToolPolicyGates, type ToolPolicyGates } from './agent/gates/tool-policy-gates.js';
import { effectApprover } from './agent/gates/effect-approval.js';
import type { ApproveEffects } from './exec/effects-gate.js';
import type { ToolRunContext } from './agent/tools/tool.js';
import type { CallContext } from './core/context.js';
import { scrubProcessEnv } from './config/env.js';
import type { Config } from './config/schema.js';
import { ensureDataDir } from './config/data-dir.js';
import { loadConfig } from './config/load.js';
import { AuditSink } from './core/audit.js';
import { bulwarkError, describeCause, type BulwarkError } from './core/errors.js';
import { EventBus } from './core/events.js';
import { BUILD_LAYERS, LayerCatalogue, type LayerReporter, type LayerStatus } from './core/layers.js';
import { BulwarkFailure, err, ok, unwrap, type Result } from './core/result.js';
import { childPath } from './core/safe-path.js';
import { openDatabase, type Db } from './core/sqlite.js';
import { createGateway, gatewayLayers } from './gateway/app.js';
import { createOutputGuard, type OutputGuard } from './guards/output-guard.js';
import { createPerimeter, type Perimeter } from './guards/perimeter.js';
import { compileToolPolicies } from './policy/tool-policy.js';
import { turnPipelines } from './pipelines.js';
import { networkGrantFor } from './policy/network-grant.js';
import { approvalsRouteGroup } from './gateway/approvals-routes.js';
import { statusRouteGroup } from './gateway/status-routes.js';
import { workspaceRouteGroup } from './gateway/workspace-routes.js';
import { SCOPE_HELP } from './gateway/auth/scopes.js';
import { TokenStore } from './gateway/auth/token-store.js';
import { listen } from './gateway/server.js';
import { createLogger, createSanitizer, logLayers, type Logger } from './logging/logger.js';
import { startExec, type ExecService } from './exec/service.js';
import { createNetGuard } from './net/index.js';
import {
  LeakIndex,
  captureEnvSecrets,
  createSecretResolver,
  masterKeyOptionsFromConfig,
  openSecretStore,
  secretRefNames,
  secretLayers,
  secretScopesFromConfig,
  type SecretResolver,
  type SecretStore,
} from './secrets/index.js';

export interface DaemonOptions {
  readonly dataDir: string;
  /** Overrides server.host / server.port of config.yaml; port 0 picks a free port. */
  readonly host?: string;
  readonly port?: number;
  /** Pretty logs on stderr as well as JSON in bulwark.log. */
  readonly pretty?: boolean;
}

export interface RunningDaemon {
  readonly url: string;
  readonly dataDir: string;
  readonly config: Config;
  readonly logFile: string;
  readonly auditFile: string;
  readonly layers: LayerStatus[];
  /** Live: each service reports its own layers. */
  readonly catalogue: LayerCatalogue;
  /** What runs at every boundary, in order (src/pipelines.ts). */
  readonly pipelines: TurnPipelines;
  readonly agents: ReturnType<AgentRuntime['listAgents']>;
  readonly bus: EventBus;
  /** Stops accepting, cancels turns in flight, audits daemon:stopped, closes the database. Idempotent. */
  close(): Promise<void>;
}

export const DB_FILE = 'bulwark.db';
export const AUDIT_FILE = 'audit.jsonl';
export const LOG_FILE = 'bulwark.log';

/** The services of a turn and the pipelines they form (the daemon's, and the offline `bulwark layers` view's). */
export interface TurnParts {
  readonly perimeter: Perimeter;
  readonly output: OutputGuard;
  readonly toolPolicy: ToolPolicyGates;
  readonly controls: Controls;
  readonly pipelines: TurnPipelines;
}

export interface TurnPartsDeps {
  readonly bus: EventBus;
  readonly db: Db;
  readonly leaks: LeakIndex;
  readonly canarySecret: Buffer;
  readonly tools: readonly Tool[];
  readonly workspace: (agentId: string) => string | undefined;
}

export function turnParts(config: Config, deps: TurnPartsDeps): Result<TurnParts, BulwarkError> {
  const policies = compileToolPolicies(config.agents);
  if (!policies.ok) return policies;
  // Every effect hash binds the exec network mode the daemon really runs (and the broker's hosts in broker mode).
  const networkGrant = networkGrantFor(config.exec.network, config.broker);
  const controls = createControlsFromConfig({
    config,
    bus: deps.bus,
    db: deps.db,
    tools: deps.tools,
    workspace: deps.workspace,
    network: () => networkGrant,
  });
  const toolPolicy = createToolPolicyGates(policies.value, deps.bus);
  const perimeter = createPerimeter(config.guards, deps.bus, (id) => config.agents.find((a) => a.id === id)?.input);
  const output = createOutputGuard({
    leakScanner: deps.leaks,
    canarySecret: deps.canarySecret,
    systemPromptFor: (id) => config.agents.find((a) => a.id === id)?.systemPrompt,
    bus: deps.bus,
    allowedSecretTools: config.output.allowedSecretTools,
    maxResponseChars: config.output.maxResponseChars,
  });
  const pipelines = turnPipelines({ perimeter, output, toolPolicy, controls });
  return ok({ perimeter, output, toolPolicy, controls, pipelines });
}

/** Every service that reports layers, in catalogue order of wiring. */
function reporters(parts: TurnParts, others: readonly LayerReporter[]): LayerReporter[] {
  return [
    parts.perimeter,
    parts.output,
    parts.toolPolicy,
    parts.controls.actions,
    parts.controls.modelCallLayers,
    ...others,
    BUILD_LAYERS,
  ];
}

/** The L07 scope the daemon itself uses to read provider keys on the agents' behalf. */
const PROVIDER_SCOPE = 'daemon:providers';

/**
 * Environment variables the official SDKs read on their own when a client is built (headers, logging,
 * base URLs, keys): removed from process.env so no variable can change where or how the daemon calls a provider.
 */
const SDK_ENV_VARIABLES = [
  'OPENAI_API_KEY',
  'OPENAI_BASE_URL',
  'OPENAI_CUSTOM_HEADERS',
  'OPENAI_LOG',
  'OPENAI_ORG_ID',
  'OPENAI_PROJECT_ID',
  'OPENAI_WEBHOOK_SECRET',
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_CUSTOM_HEADERS',
  'ANTHROPIC_LOG',
  'ANTHROPIC_WEBHOOK_SIGNING_KEY',
];

/** Every provider's key, readable in the providers' scope only. */
function secretScopes(config: Config): Map<string, string[]> {
  const scopes = secretScopesFromConfig(config);
  const providerKeys = Object.values(config.providers).flatMap((p) => (p.apiKey ? [p.apiKey.secret] : []));
  scopes.set(PROVIDER_SCOPE, providerKeys);
  return scopes;
}

/** The per-daemon canary key (L17) lives in the vault, so a session's canary is the same after a restart. */
const CANARY_SECRET = 'BULWARK_CANARY_KEY';
function canaryKey(store: SecretStore): Result<Buffer, BulwarkError> {
  if (!store.has(CANARY_SECRET)) {
    const set = store.set(CANARY_SECRET, randomBytes(32).toString('base64'));
    if (!set.ok) return set;
  }
  const got = store.get(CANARY_SECRET, { agentId: 'daemon:canary' });
  return got.ok ? ok(Buffer.from(got.value, 'base64')) : got;
}

/** A directory only the daemon may use (runtime files of exec and the broker). */
function privateDir(dataDir: string, ...names: string[]): string {
  const dir = childPath(dataDir, ...names);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Real path of an agent's workspace (the runtime's workspacePath); undefined for an unknown agent or a workspace that is not there.
 */
function workspaceOf(config: Config, dataDir: string): (agentId: string) => string | undefined {
  return (agentId) => {
    const agent = config.agents.find((a) => a.id === agentId);
    if (!agent) return undefined;
    const dir = workspacePath(agent, dataDir, process.cwd());
    try {
      return realpathSync(dir);
    } catch (cause) {
      // No workspace means no confinement to check against: the controls refuse the call.
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw cause;
    }
  };
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const dataDir = unwrap(ensureDataDir(options.dataDir));
  const config = unwrap(loadConfig(dataDir));
  const logFile = childPath(dataDir, LOG_FILE);
  const auditFile = childPath(dataDir, AUDIT_FILE);
  const leaks = new LeakIndex();
  const sanitize = createSanitizer(leaks);
  const logger: Logger = createLogger({
    dataDir,
    level: config.logging.level,
    pretty: options.pretty === true,
    sanitizeLine: sanitize,
  });
  const cleanups: Array<() => void | Promise<void>> = [];
  const undo = async (): Promise<void> => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (cause) {
        logger.error({ err: describeCause(cause) }, 'cleanup step failed during shutdown');
      }
    }
  };
  try {
    const db: Db = openDatabase(childPath(dataDir, DB_FILE));
    cleanups.push(() => {
      db.close();
    });
    const bus = new EventBus((error, type) =>
      logger.error({ err: describeCause(error), type }, 'event handler failed'),
    );
    const audit = new AuditSink(auditFile, sanitize);
    audit.attach(bus);
    cleanups.push(() => audit.close());
    const tokens = new TokenStore(db);

    // L06/L07: the environment is snapshotted, its secrets captured and scrubbed; every value handed out joins the leak index.
    scrubProcessEnv(SDK_ENV_VARIABLES);
    const envSecrets = captureEnvSecrets({ extraNames: secretRefNames(config) });
    const store = unwrap(
      openSecretStore({
        dataDir,
        masterKeySource: masterKeyOptionsFromConfig(config.secrets, dataDir, true),
        envSecrets,
        leakIndex: leaks,
        bus,
      }),
    );
    cleanups.push(() => store.close());
    const scopes = secretScopes(config);
    const resolver: SecretResolver = createSecretResolver(store, scopes, bus);
    // A turn's model call reads only its agent's provider key, audited under that agent, session and trace.
    const providerKeyResolver = createSecretResolver(
      store,
      new Map(
        config.agents.map((a) => {
          const key = a.provider !== undefined ? config.providers[a.provider]?.apiKey?.secret : undefined;
          return [a.id, key !== undefined ? [key] : []] as const;
        }),
      ),
      bus,
    );
    const providerSecret = (name: string, who?: CallContext): Result<string, BulwarkError> =>
      who ? providerKeyResolver(name, who) : resolver(name, { agentId: PROVIDER_SCOPE });

    // L10 for every outbound fetch an agent can influence; L08 when the operator enabled it.
    const guard = createNetGuard(config.net, bus);
    let broker: Broker | undefined;
    let brokerState = brokerLayerStatus(config.broker, false);
    if (config.broker.enabled) {
      const started = await startBroker({
        config: config.broker,
        guard,
        resolveSecret: (name, who) =>
          resolver(name, { agentId: who.agentId, ...(who.traceId ? { traceId: who.traceId } : {}) }),
        leakScanner: leaks,
        bus,
        caStore: vaultCaStore(store),
      });
      if (started.ok) {
        broker = started.value;
        const b = broker;
        cleanups.push(() => b.close());
      } else {
        logger.error({ code: started.error.code }, `credential broker did not start: ${started.error.message}`);
      }
      brokerState = brokerLayerStatus(config.broker, started.ok, started.ok ? undefined : started.error.message);
    }

    // L11 and the exec layers: detected with a real smoke test; exec is disabled when no sandbox works.
    const brokerRunDir = privateDir(dataDir, 'run', 'broker');
    if (broker) {
      const fits = checkBrokerRunDir(brokerRunDir);
      if (!fits.ok) {
        logger.error({ code: fits.error.code }, fits.error.message);
        brokerState = { state: 'degraded', reason: fits.error.message };
      }
    }
    const exec: ExecService = unwrap(
      startExec({
        config: config.exec,
        runtimeDir: privateDir(dataDir, 'run', 'exec'),
        bus,
        ...(broker ? { brokerSpawner: execBrokerSpawner(broker, { runDir: brokerRunDir }) } : {}),
        // The undo journal lives in the data dir: outside every workspace and every sandbox view.
        journalDir: privateDir(dataDir, 'journal'),
        leakCheck: (text) => {
          const hit = leaks.scan(text)[0];
          return hit ? `the value of ${hit.secretName}, ${hit.encoding}` : undefined;
        },
        onJournalDrop: (workspace, entryId, bytes) =>
          bus.emit('security:warning', {
            layer: 'L11.7',
            outcome: 'journal-dropped',
            reason: `undo journal full: the oldest entry (${entryId}, ${bytes} bytes of pre-images) of ${workspace} was dropped`,
          }),
      }),
    );
    cleanups.push(() => exec.stop());
    for (const line of exec.log) logger[line.level](line.message);
    // Held exec effects go through the approval queue, which exists once the turn's parts are built below.
    const late: { approveEffects?: (ctx: ToolRunContext) => ApproveEffects } = {};
    // write and edit keep what they replace in the same undo journal as exec (when the host has one).
    const fileTools =
      exec.journal && exec.runner
        ? createFsTools(fileJournal(exec.journal, (ws, turn, paths) => exec.runner?.noteCreated(ws, turn, paths)))
        : fsTools;
    const tools: Tool[] = [
      ...fileTools,
      createExecTool({
        ...(exec.runner ? { runner: exec.runner } : {}),
        ...(exec.enabled ? {} : { disabledReason: exec.layer.reason }),
        approveEffects: () => late.approveEffects,
      }),
      createWebFetchTool({ guard }),
    ];

    const parts = unwrap(
      turnParts(config, {
        bus,
        db,
        leaks,
        canarySecret: unwrap(canaryKey(store)),
        tools,
        workspace: workspaceOf(config, dataDir),
      }),
    );
    // Under root, the workspaces the runtime creates belong to exec.sandboxUser (created by `bulwark init`).
    const sandboxUser = process.getuid?.() === 0 ? lookupUser(config.exec.sandboxUser) : undefined;
    const sandboxOwner = sandboxUser && sandboxUser.uid !== 0 ? sandboxUser : undefined;
    const { controls, pipelines } = parts;
    const { approvals } = controls;
    cleanups.push(() => approvals.shutdown());
    const execNetwork = networkGrantFor(config.exec.network, config.broker);
    late.approveEffects = effectApprover({
      approvals,
      network: () => execNetwork,
      timeoutMs: (agentId) =>
        config.agents.find((a) => a.id === agentId)?.approvals?.timeoutMs ?? config.exec.timeoutMs,
      redact: (text, ctx) => {
        const scanned = parts.output.scanText(text, ctx);
        return scanned.ok ? scanned.value.text : '[REDACTED: the output guard could not scan this text]';
      },
    });
    const runtime = unwrap(
      createAgentRuntime({
        config,
        db,
        bus,
        dataDir,
        resolveSecret: providerSecret,
        pipelines,
        fileTools,
        extraTools: tools.filter((t) => !fileTools.includes(t)),
        ...(sandboxOwner ? { workspaceOwner: sandboxOwner } : {}),
      }),
    );
    const listening: { url?: string } = {};
    const layers = new LayerCatalogue(
      reporters(parts, [
        secretLayers(scopes),
        logLayers(),
        guard,
        // A running broker reports itself (live); one that did not start, or cannot serve exec, is reported here.
        broker && brokerState.state === 'on'
          ? broker
          : { name: 'broker', layers: () => [{ id: 'L08', ...brokerState }] },
        exec,
        { name: 'gateway', layers: () => gatewayLayers(config.server.authFailures) },
      ]),
    );
    const gateway = createGateway({
      runtime,
      tokens,
      bus,
      logger,
      bodyLimitBytes: config.server.bodyLimitBytes,
      authFailures: config.server.authFailures,
      routes: [
        approvalsRouteGroup({ queue: approvals }),
        workspaceRouteGroup({
          ...(exec.journal ? { journal: exec.journal } : {}),
          workspaceOf: workspaceOf(config, dataDir),
          bus,
        }),
        statusRouteGroup({
          catalogue: layers,
          controls,
          agentIds: config.agents.map((a) => a.id),
          url: () => listening.url,
          startedAt: Date.now(),
          broker: () => broker?.status(),
        }),
      ],
    });
    const host = options.host ?? config.server.host;
    const server = await listen(gateway, host, options.port ?? config.server.port);
    listening.url = server.url;
    const layerList = layers.list();
    bus.emit('daemon:started', { outcome: 'started', url: server.url, layers: layers.summary() });
    logger.info({ url: server.url, layers: layers.summary() }, 'bulwark started');
    let closing: Promise<void> | undefined;
    return {
      url: server.url,
      dataDir,
      config,
      logFile,
      auditFile,
      layers: layerList,
      catalogue: layers,
      pipelines,
      agents: runtime.listAgents(),
      bus,
      close: () => {
        closing ??= (async () => {
          // Deny what waits for an operator first, so those turns can finish, then stop serving.
          approvals.shutdown();
          await server.close();
          bus.emit('daemon:stopped', { outcome: 'stopped' });
          logger.info('bulwark stopped');
          await undo();
          logger.flush();
        })();
        return closing;
      },
    };
  } catch (cause) {
    await undo();
    if (cause instanceof BulwarkFailure) throw cause;
    throw new BulwarkFailure(bulwarkError('daemon.start', `bulwark could not start: ${describeCause(cause)}`));
  }
}

/** Token administration for the CLI, on the same database the daemon uses. */
export function openTokenAdmin(dataDir: string): Result<
  {
    create: TokenStore['create'];
    list: TokenStore['list'];
    count: TokenStore['count'];
    revoke: TokenStore['revoke'];
    close: () => void;
  },
  BulwarkError
> {
  const dir = ensureDataDir(dataDir);
  if (!dir.ok) return dir;
  let db: Db;
  try {
    db = openDatabase(childPath(dataDir, DB_FILE));
  } catch (cause) {
    return err(bulwarkError('db.open', `cannot open ${childPath(dataDir, DB_FILE)}: ${describeCause(cause)}`));
  }
  const store = new TokenStore(db);
  return ok({
    create: (name, scopes, options) => store.create(name, scopes, options),
    list: () => store.list(),
    count: () => store.count(),
    revoke: (id) => store.revoke(id),
    close: () => db.close(),
  });
}

/** The offline view of a data dir: its config's layers and pipelines, with a real probe of this host's sandbox. */
export interface OfflineView {
  readonly layers: LayerStatus[];
  readonly pipelines: PipelineRow[];
}

/**
 * Layer states and pipelines for `bulwark layers` without a running daemon: the same services the daemon builds
 * from this config (over an in-memory database and a throwaway canary key), plus a real probe of the sandbox.
 */
export function offlineView(dataDir: string): Result<OfflineView, BulwarkError> {
  const dir = ensureDataDir(dataDir);
  if (!dir.ok) return dir;
  const loaded = loadConfig(dataDir);
  if (!loaded.ok) return loaded;
  const config = loaded.value;
  // With broker.enabled the daemon gives exec a broker spawner; the probe only needs to know one will exist.
  const brokerSpawner = config.broker.enabled
    ? {
        brokerSpawner: async () =>
          err(bulwarkError('broker.probe', 'layer probe: no broker sessions outside the daemon', { layer: 'L08' })),
      }
    : {};
  const bus = new EventBus();
  const probe = startExec({
    config: config.exec,
    runtimeDir: privateDir(dataDir, 'run', 'exec-probe'),
    journalDir: privateDir(dataDir, 'journal'),
    parkedSandboxes: 0,
    bus,
    ...brokerSpawner,
  });
  // The probe runs no command; its reports are fixed at start and stay valid once it is stopped.
  if (probe.ok) probe.value.stop();
  const exec: LayerReporter = probe.ok
    ? probe.value
    : { name: 'exec', layers: () => [{ id: 'L11', state: 'degraded', reason: probe.error.message }] };
  const guard = createNetGuard(config.net, bus);
  const db = openDatabase(':memory:');
  try {
    const parts = turnParts(config, {
      bus,
      db,
      leaks: new LeakIndex(),
      canarySecret: randomBytes(32),
      tools: [...fsTools, createExecTool({ disabledReason: 'offline view' }), createWebFetchTool({ guard })],
      workspace: () => undefined,
    });
    if (!parts.ok) return parts;
    const catalogue = new LayerCatalogue(
      reporters(parts.value, [
        secretLayers(secretScopes(config)),
        logLayers(),
        guard,
        { name: 'broker', layers: () => [{ id: 'L08', ...brokerLayerStatus(config.broker, config.broker.enabled) }] },
        exec,
        { name: 'gateway', layers: () => gatewayLayers(config.server.authFailures) },
      ]),
    );
    return ok({ layers: catalogue.list(), pipelines: describePipelines(parts.value.pipelines) });
  } finally {
    db.close();
  }
}

export const TOKEN_SCOPE_HELP = SCOPE_HELP;
