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
import { fsTools } from './agent/tools/fs/index.js';
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
import type { AgentRuntime, ModelCallContext, TurnHooks } from './agent/types.js';
import { scrubProcessEnv } from './config/env.js';
import type { Config } from './config/schema.js';
import { ensureDataDir } from './config/data-dir.js';
import { loadConfig } from './config/load.js';
import { AuditSink } from './core/audit.js';
import { bulwarkError, describeCause, type BulwarkError } from './core/errors.js';
import { EventBus } from './core/events.js';
import { LayerCatalogue, type GateId, type GateReport, type LayerState, type LayerStatus } from './core/layers.js';
import { BulwarkFailure, err, ok, unwrap, type Result } from './core/result.js';
import { childPath } from './core/safe-path.js';
import { openDatabase, type Db } from './core/sqlite.js';
import { createGateway } from './gateway/app.js';
import { createOutputGuard } from './guards/output-guard.js';
import { createPerimeter } from './guards/perimeter.js';
import { networkGrantFor } from './policy/network-grant.js';
import { approvalsRouteGroup } from './gateway/approvals-routes.js';
import { statusRouteGroup } from './gateway/status-routes.js';
import { SCOPE_HELP } from './gateway/auth/scopes.js';
import { TokenStore } from './gateway/auth/token-store.js';
import { listen } from './gateway/server.js';
import { createLogger, createSanitizer, type Logger } from './logging/logger.js';
import { startExec, type ExecService } from './exec/service.js';
import { createNetGuard, netLayerStatus } from './net/index.js';
import {
  LeakIndex,
  captureEnvSecrets,
  createSecretResolver,
  masterKeyOptionsFromConfig,
  openSecretStore,
  secretRefNames,
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
  readonly agents: ReturnType<AgentRuntime['listAgents']>;
  readonly bus: EventBus;
  /** Stops accepting, cancels turns in flight, audits daemon:stopped, closes the database. Idempotent. */
  close(): Promise<void>;
}

export const DB_FILE = 'bulwark.db';
export const AUDIT_FILE = 'audit.jsonl';
export const LOG_FILE = 'bulwark.log';

/** Transitional: the daemon sets layer states by hand until each service reports its own. */
class DaemonLayers extends LayerCatalogue {
  private readonly states: Map<GateId, GateReport>;
  constructor() {
    const states = new Map<GateId, GateReport>();
    super([{ name: 'daemon', layers: () => [...states.values()] }]);
    this.states = states;
  }
  set(id: GateId, state: LayerState, reason: string): void {
    this.states.set(id, { id, state, reason });
  }
}

/** The honest state of every layer with this config: only what the daemon really wires is on. */
export function layerCatalogue(config: Config): DaemonLayers {
  const layers = new DaemonLayers();
  layers.set(
    'L06',
    'on',
    'secrets encrypted at rest (AES-256-GCM, HKDF-SHA256 per record) in vault.db; no enumeration for agents',
  );
  layers.set(
    'L07',
    'on',
    'per-agent secret globs (agents[].secrets), deny by default; every access audited as secret:accessed',
  );
  const net = netLayerStatus(config.net);
  layers.set('L10', net.state, net.reason);
  const broker = brokerLayerStatus(config.broker, config.broker.enabled);
  layers.set('L08', broker.state, broker.reason);
  layers.set('L01', 'on', 'inbound text scored for injection and jailbreaks: pass, warn, reinforce or block');
  layers.set(
    'L02',
    'on',
    'every response (streamed too) scanned for secret formats, known values, canaries and prompt extraction',
  );
  layers.set('L03', 'on', 'tool results wrapped in per-call random delimiters with a warning header');
  layers.set('L04', 'on', 'invisible and bidi characters stripped before any detector');
  layers.set('L05', 'on', 'per-sender sliding window of injection detections: warn, audit, then 429');
  layers.set(
    'L17',
    'on',
    'per-session HMAC canary (key kept in the vault) in the system prompt; a leak is redacted and audited, a tool call carrying it refused',
  );
  layers.set(
    'L23',
    'on',
    'tool results canonicalised, scanned for instructions and truncated before the model sees them',
  );
  layers.set('L27', 'on', 'every tool call classified; unknown actions are destructive');
  layers.set(
    'L13',
    'on',
    'destructive, credential and config actions wait for an operator decision (bulwark approvals, /v1/approvals)',
  );
  layers.set('L21', 'on', 'token budgets checked before each model call; usage persisted in SQLite');
  layers.set('L22', 'on', 'one circuit breaker per provider and model');
  layers.set('L12', 'on', 'tool profiles and per-agent allow/deny decide which tools each agent sees and may call');
  layers.set(
    'L09',
    'on',
    'bulwark.log and audit.jsonl: field-path redaction, secret formats, known secret values as they are used, 1 MB line cap',
  );
  layers.set(
    'L18',
    'on',
    'bearer token with scopes required on every route but /health; tokens stored as SHA-256 hashes; token-less refusals throttled per client address',
  );
  layers.set('L26', 'on', 'lint bans and the dependency-rule test fail the build');
  return layers;
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
    const layers = layerCatalogue(config);

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
    const resolver: SecretResolver = createSecretResolver(store, secretScopes(config), bus);
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
    const providerSecret = (name: string, who?: ModelCallContext): Result<string, BulwarkError> =>
      who ? providerKeyResolver(name, who) : resolver(name, { agentId: PROVIDER_SCOPE });

    // L10 for every outbound fetch an agent can influence; L08 when the operator enabled it.
    const guard = createNetGuard(config.net, bus);
    for (const g of guard.layers()) layers.set(g.id, g.state, g.reason);
    let broker: Broker | undefined;
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
      if (started.ok) for (const g of started.value.layers()) layers.set(g.id, g.state, g.reason);
      else {
        const state = brokerLayerStatus(config.broker, false, started.error.message);
        layers.set('L08', state.state, state.reason);
      }
    }

    // L11 and the exec layers: detected with a real smoke test; exec is disabled when no sandbox works.
    const brokerRunDir = privateDir(dataDir, 'run', 'broker');
    if (broker) {
      const fits = checkBrokerRunDir(brokerRunDir);
      if (!fits.ok) {
        logger.error({ code: fits.error.code }, fits.error.message);
        layers.set('L08', 'degraded', fits.error.message);
      }
    }
    const exec: ExecService = unwrap(
      startExec({
        config: config.exec,
        runtimeDir: privateDir(dataDir, 'run', 'exec'),
        bus,
        ...(broker ? { brokerSpawner: execBrokerSpawner(broker, { runDir: brokerRunDir }) } : {}),
      }),
    );
    cleanups.push(() => exec.stop());
    for (const g of exec.layers()) layers.set(g.id, g.state, g.reason);
    for (const line of exec.log) logger[line.level](line.message);
    const extraTools: Tool[] = [
      createExecTool({
        ...(exec.runner ? { runner: exec.runner } : {}),
        ...(exec.enabled ? {} : { disabledReason: exec.layer.reason }),
      }),
      createWebFetchTool({ guard }),
    ];

    // L27 → L13 on each tool call, L21 → L22 on each model call.
    // Every effect hash binds the exec network mode the daemon really runs (and the broker's hosts in broker mode).
    const networkGrant = networkGrantFor(config.exec.network, config.broker);
    const { controls, approvals } = createControlsFromConfig({
      config,
      bus,
      db,
      tools: [...fsTools, ...extraTools],
      workspace: workspaceOf(config, dataDir),
      network: () => networkGrant,
    });
    cleanups.push(() => approvals.shutdown());
    // Perimeter: L05 → L04 → L01 on inbound text, L23 (+ L03) on every tool result.
    const perimeter = createPerimeter(config.guards, bus);
    // L02 + L17: canary in the system prompt, redaction of every response (streamed too), argument scan.
    const output = createOutputGuard({
      leakScanner: leaks,
      canarySecret: unwrap(canaryKey(store)),
      systemPromptFor: (id) => config.agents.find((a) => a.id === id)?.systemPrompt,
      bus,
      allowedSecretTools: config.output.allowedSecretTools,
      maxResponseChars: config.output.maxResponseChars,
    });
    const hooks: TurnHooks = {
      inbound: perimeter.inbound,
      systemPrompt: output.systemPrompt,
      beforeModelCall: controls.beforeModelCall,
      afterModelCall: controls.afterModelCall,
      // A call that carries a canary or a secret is refused before any operator is asked about it.
      beforeToolCall: async (call, ctx, signal) => {
        const scanned = await output.beforeToolCall(call, ctx);
        return scanned.ok ? controls.beforeToolCall(call, ctx, signal) : scanned;
      },
      toolResult: (text, call, ctx) => perimeter.toolResult(text, call, ctx),
      outputFilter: output.outputFilter,
    };
    const runtime = unwrap(
      createAgentRuntime({
        config,
        db,
        bus,
        dataDir,
        resolveSecret: providerSecret,
        hooks,
        extraTools,
        wrapTool: (t) => controls.guardTool(t),
      }),
    );
    for (const l of controls.status(config.agents.map((a) => a.id)).layers) layers.set(l.id, l.state, l.reason);
    const listening: { url?: string } = {};
    const gateway = createGateway({
      runtime,
      tokens,
      bus,
      logger,
      bodyLimitBytes: config.server.bodyLimitBytes,
      authFailures: config.server.authFailures,
      routes: [
        approvalsRouteGroup({ queue: approvals }),
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
    create: (name, scopes) => store.create(name, scopes),
    list: () => store.list(),
    count: () => store.count(),
    revoke: (id) => store.revoke(id),
    close: () => db.close(),
  });
}

/** Layer states for `bulwark layers` without a running daemon: config plus a real probe of this host's sandbox. */
export function layerStates(dataDir: string): Result<LayerStatus[], BulwarkError> {
  const dir = ensureDataDir(dataDir);
  if (!dir.ok) return dir;
  const config = loadConfig(dataDir);
  if (!config.ok) return config;
  const layers = layerCatalogue(config.value);
  // With broker.enabled the daemon gives exec a broker spawner; the probe only needs to know one will exist.
  const brokerSpawner = config.value.broker.enabled
    ? {
        brokerSpawner: async () =>
          err(bulwarkError('broker.probe', 'layer probe: no broker sessions outside the daemon', { layer: 'L08' })),
      }
    : {};
  const probe = startExec({
    config: config.value.exec,
    runtimeDir: privateDir(dataDir, 'run', 'exec-probe'),
    parkedSandboxes: 0,
    // The probe runs no command, so there is nothing to audit.
    bus: new EventBus(),
    ...brokerSpawner,
  });
  if (probe.ok) {
    for (const g of probe.value.layers()) layers.set(g.id, g.state, g.reason);
    probe.value.stop();
  } else {
    layers.set('L11', 'degraded', probe.error.message);
  }
  return ok(layers.list());
}

export const TOKEN_SCOPE_HELP = SCOPE_HELP;
