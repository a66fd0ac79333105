/**
 * Composition root: the only place that wires concrete parts together.
 * startDaemon: data dir → config → logger → stores (src/stores.ts) → event bus + audit sink → layer
 * catalogue → agent runtime → gateway. Anything that fails before the gateway listens is undone.
 */
import {
  redactingCompactionStore,
  redactingSessionStore,
  SecretTaint,
  provenanceTaint,
  WorkspaceSecrets,
  taintEgressCheck,
  trustedHosts,
  watchSecretTaint,
  secretPlaceholderGate,
  createControlsFromConfig,
  createAgentRuntime,
  workspacePath,
  createExecTool,
  createFsTools,
  fsTools,
  remoteTool,
  type Tool,
  createWebFetchTool,
  type AgentRuntime,
  describePipelines,
  type PipelineRow,
  type TurnPipelines,
  type Controls,
  createToolPolicyGates,
  type ToolPolicyGates,
  effectApprover,
  type ToolRunContext,
  recallGate,
  createSkillTools,
  SkillNarrowing,
  skillCatalogueGate,
  skillNarrowingGate,
  type SkillShelf,
  createMemorySaveTool,
  createMemorySearchTool,
  egressTaintLayers,
} from './agent/index.js';
import { randomBytes } from 'node:crypto';
import { mkdirSync, realpathSync } from 'node:fs';
import {
  type BrokerSpawner,
  fileJournal,
  NO_FILE_JOURNAL,
  usableSandboxUser,
  type ApproveEffects,
  startExec,
  type ExecService,
} from './exec/index.js';
import {
  brokerLayerStatus,
  loadUpstreamCas,
  checkBrokerRunDir,
  execBrokerSpawner,
  removeBrokerSessionBase,
  startBroker,
  vaultCaStore,
  type Broker,
} from './broker/index.js';
import {
  type CallContext,
  AuditSink,
  JsonlAuditStore,
  bulwarkError,
  describeCause,
  type BulwarkError,
  EventBus,
  BUILD_LAYERS,
  LayerCatalogue,
  type LayerReporter,
  type LayerStatus,
  BulwarkFailure,
  err,
  ok,
  unwrap,
  type Result,
  childPath,
  openSqliteStore,
  type Db,
} from './core/index.js';
import { scrubProcessEnv, type Config, ensureDataDir, lockDataDir, loadConfig } from './config/index.js';
import {
  checkBindHost,
  createGateway,
  gatewayLayers,
  memoryRouteGroup,
  approvalsRouteGroup,
  statusRouteGroup,
  auditRouteGroup,
  sessionsRouteGroup,
  tokenRouteGroup,
  usageRouteGroup,
  createWebUi,
  loadUiAssets,
  workspaceRouteGroup,
  SCOPE_HELP,
  TokenStore,
  listen,
  hooksRouteGroup,
  channelWebhookRouteGroup,
  clientCertAuth,
  type TlsSummary,
} from './gateway/index.js';
import { checkDaemonFiles } from './secrets/index.js';
import { channelLayers, openTelegramChannel, type OpenedTelegram } from './channels/index.js';
import { AUDIT_FILE, DB_FILE, memoryStores, openEmbeddedStores, type Stores } from './stores.js';
import {
  createOutputGuard,
  type OutputGuard,
  createPerimeter,
  type Perimeter,
  sourceInputPolicy,
} from './guards/index.js';
import { compileToolPolicies, networkGrantFor } from './policy/index.js';
import { describeExecPipeline, execPipeline, turnPipelines } from './pipelines.js';
import {
  createMemoryAdmin,
  memoryLayersUnavailable,
  memoryScanGate,
  MemoryService,
  openMemory,
  provenanceGate,
  SqliteMemoryStore,
  type MemoryAdmin,
} from './memory/index.js';
import {
  loadTlsMaterial,
  tlsServerOptions,
  type TlsMaterial,
  ClientCertAuthority,
  CrlWatcher,
  HookReceiver,
  SqliteReplayCache,
} from './transport/index.js';
import { createLogger, createSanitizer, logLayers, type Logger } from './logging/index.js';
import {
  approveReview,
  type ConnectDeps,
  l10Fetch,
  McpHost,
  type McpPinStore,
  reviewServer,
  type ServerReview,
  SqliteMcpPinStore,
  supplyLayers,
} from './supply/index.js';
// Agent Skills (L24): the installed skills an agent reads and its exec binds read-only.
import { enabledSkillDirs, skillShelf } from './supply/index.js';
import { createNetGuard, type SsrfGuard } from './net/index.js';
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
  /** Milliseconds since the epoch for the webhook window and replay cache (L20); tests move it. */
  readonly clock?: () => number;
}

export interface RunningDaemon {
  readonly url: string;
  /** Resolves once every event audited so far is in the audit store. */
  flushAudit(): Promise<void>;
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

export const LOG_FILE = 'bulwark.log';

/** The services of a turn and the pipelines they form (the daemon's, and the offline `bulwark layers` view's). */
export interface TurnParts {
  readonly perimeter: Perimeter;
  readonly output: OutputGuard;
  readonly toolPolicy: ToolPolicyGates;
  readonly controls: Controls;
  /** L14–L16: the memory service, or who says why it is off. */
  readonly memory: LayerReporter;
  readonly pipelines: TurnPipelines;
}

export interface TurnPartsDeps {
  readonly bus: EventBus;
  readonly stores: Pick<Stores, 'usage' | 'approvals'> & Partial<Pick<Stores, 'grants'>>;
  /** L09 over what the stores keep of model-chosen text (the approval history's views). */
  readonly redact: (text: string) => string;
  readonly leaks: LeakIndex;
  readonly canarySecret: Buffer;
  readonly tools: readonly Tool[];
  readonly workspace: (agentId: string) => string | undefined;
  /** The memory service when memory is on and its store opened; else why not (absent: memory not opened here). */
  readonly memory?: MemoryService | { readonly state: 'off' | 'degraded'; readonly reason: string };
  /** Installed Agent Skills and the sessions they narrowed (absent: no skill gates). */
  readonly skills?: { readonly shelf: SkillShelf; readonly narrowing: SkillNarrowing };
}

export function turnParts(config: Config, deps: TurnPartsDeps): Result<TurnParts, BulwarkError> {
  const policies = compileToolPolicies(config.agents);
  if (!policies.ok) return policies;
  // Every effect hash binds the exec network mode the daemon really runs (and the broker's hosts in broker mode).
  const networkGrant = networkGrantFor(config.exec.network, config.broker);
  const controls = createControlsFromConfig({
    config,
    bus: deps.bus,
    stores: deps.stores,
    redact: deps.redact,
    tools: deps.tools,
    workspace: deps.workspace,
    network: () => networkGrant,
  });
  const toolPolicy = createToolPolicyGates(policies.value, deps.bus);
  const perimeter = createPerimeter(
    config.guards,
    deps.bus,
    (id) => config.agents.find((a) => a.id === id)?.input,
    (caller) => sourceInputPolicy(config, caller),
  );
  const output = createOutputGuard({
    leakScanner: deps.leaks,
    canarySecret: deps.canarySecret,
    systemPromptFor: (id) => config.agents.find((a) => a.id === id)?.systemPrompt,
    bus: deps.bus,
    allowedSecretTools: config.output.allowedSecretTools,
    maxResponseChars: config.output.maxResponseChars,
  });
  const service = deps.memory instanceof MemoryService ? deps.memory : undefined;
  const unavailable = deps.memory instanceof MemoryService ? undefined : deps.memory;
  const memory: LayerReporter =
    service ?? memoryLayersUnavailable(unavailable?.state ?? 'off', unavailable?.reason ?? 'memory is not opened here');
  const agentMemory = (id: string) => config.agents.find((a) => a.id === id)?.memory;
  const memoryGates = {
    recall: recallGate({
      memory: service,
      enabledFor: (id) => config.memory.recall.enabled && agentMemory(id)?.recall === true,
      strangers: config.memory.recall.strangers,
      bus: deps.bus,
      leaks: deps.leaks,
    }),
    scan: memoryScanGate({
      leakScanner: deps.leaks,
      config: { maxEntryChars: config.memory.maxEntryChars, ...config.memory.scan },
    }),
    // Without a store nothing is written; a replacement then finds nothing to replace.
    provenance: provenanceGate(service?.store ?? { get: async () => undefined }),
  };
  const secrets = {
    raw: secretPlaceholderGate(deps.leaks, deps.bus, 'as the tool returned it'),
    canonical: secretPlaceholderGate(deps.leaks, deps.bus, 'after canonicalising', true),
  };
  const skills = deps.skills && {
    catalogue: skillCatalogueGate(deps.skills.shelf, deps.bus),
    narrowing: skillNarrowingGate(deps.skills.narrowing, deps.bus),
  };
  const pipelines = turnPipelines({
    perimeter,
    output,
    toolPolicy,
    controls,
    memory: memoryGates,
    secrets,
    ...(skills ? { skills } : {}),
  });
  return ok({ perimeter, output, toolPolicy, controls, memory, pipelines });
}

/** Every service that reports layers, in catalogue order of wiring. */
function reporters(parts: TurnParts, others: readonly LayerReporter[]): LayerReporter[] {
  return [
    parts.perimeter,
    parts.output,
    parts.toolPolicy,
    parts.controls.actions,
    parts.controls.modelCallLayers,
    parts.memory,
    ...others,
    BUILD_LAYERS,
  ];
}

/** net.egress.trusted, or by default the hosts of the broker's bindings. */
function egressTrustedHosts(config: Config): string[] {
  return config.net.egress.trusted ?? [...new Set(config.broker.bindings.map((b) => b.host))];
}

/** How long a stopping daemon waits for workspace checks and written-file marks under way. */
const SETTLE_ON_CLOSE_MS = 10_000;

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

/** The L07 scope the memory service reads its embeddings key in. */
const MEMORY_SCOPE = 'daemon:memory';
/** The L07 scope of the webhook receiver (L20): the hooks' signing secrets. */
const HOOKS_SCOPE = 'daemon:hooks';
/** The L07 scope of the chat channels: their bot tokens and webhook secrets. */
const CHANNELS_SCOPE = 'daemon:channels';

/** What L19 reports for this config (the daemon's and the offline view's). */
function tlsSummary(config: Config): TlsSummary | undefined {
  const tls = config.server.tls;
  if (!tls) return undefined;
  return {
    clientCa: tls.clientCa !== undefined,
    clientCert: tls.clientCert,
    clients: tls.clients.length,
    crl: tls.crl !== undefined,
  };
}

/** Every provider's key, readable in the providers' scope only; the embeddings key in memory's. */
function secretScopes(config: Config): Map<string, string[]> {
  const scopes = secretScopesFromConfig(config);
  const providerKeys = Object.values(config.providers).flatMap((p) => (p.apiKey ? [p.apiKey.secret] : []));
  scopes.set(PROVIDER_SCOPE, providerKeys);
  const embeddingsKey = config.memory.embeddings?.apiKey?.secret;
  scopes.set(MEMORY_SCOPE, embeddingsKey !== undefined ? [embeddingsKey] : []);
  scopes.set(
    HOOKS_SCOPE,
    Object.values(config.hooks).map((h) => h.secret.secret),
  );
  const telegram = config.channels.telegram;
  scopes.set(
    CHANNELS_SCOPE,
    telegram ? [telegram.botToken.secret, ...(telegram.webhookSecret ? [telegram.webhookSecret.secret] : [])] : [],
  );
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

/** Real paths of the agents' workspaces that exist (exec probes their filesystems at start). */
function configuredWorkspaces(config: Config, dataDir: string): string[] {
  const of = workspaceOf(config, dataDir);
  return [...new Set(config.agents.map((a) => of(a.id)).filter((w): w is string => w !== undefined))];
}

/** Config of a data dir that start may use: read only after its files proved trustworthy, with an allowed bind. */
function startupConfig(dataDir: string, hostOverride: string | undefined): Result<Config, BulwarkError> {
  const config = loadConfig(dataDir);
  if (!config.ok) return config;
  const bind = checkBindHost(
    hostOverride ?? config.value.server.host,
    config.value.server.insecure,
    config.value.server.tls !== undefined,
  );
  return bind.ok ? config : bind;
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const dataDir = unwrap(ensureDataDir(options.dataDir));
  // Nothing is read from a data dir or key file another user owns or could swap (the checks `bulwark doctor` shows).
  unwrap(checkDaemonFiles(dataDir));
  const lock = unwrap(lockDataDir(dataDir));
  const loaded = startupConfig(dataDir, options.host);
  if (!loaded.ok) {
    lock.release();
    throw new BulwarkFailure(loaded.error);
  }
  const config = loaded.value;
  const logFile = childPath(dataDir, LOG_FILE);
  const auditFile = childPath(dataDir, AUDIT_FILE);
  const leaks = new LeakIndex();
  const sanitize = createSanitizer(leaks);
  let logger: Logger;
  try {
    logger = createLogger({
      dataDir,
      level: config.logging.level,
      pretty: options.pretty === true,
      sanitizeLine: sanitize,
      rotation: config.logging.file,
    });
  } catch (cause) {
    lock.release();
    throw new BulwarkFailure(bulwarkError('daemon.start', `cannot open ${logFile}: ${describeCause(cause)}`));
  }
  if (lock.tookOverFrom !== undefined)
    logger.warn(
      { pid: lock.tookOverFrom },
      `took over the data dir from pid ${lock.tookOverFrom}, which is no longer running (its pid file was stale)`,
    );
  // Released last, after everything else has closed.
  const cleanups: Array<() => void | Promise<void>> = [() => lock.release()];
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
    const stores = unwrap(await openEmbeddedStores(dataDir, { auditRotation: config.logging.audit }));
    cleanups.push(() => stores.close());
    const bus = new EventBus((error, type) =>
      logger.error({ err: describeCause(error), type }, 'event handler failed'),
    );
    const audit = new AuditSink(stores.audit, sanitize, (message) => logger.error(message));
    audit.attach(bus);
    cleanups.push(() => audit.close());
    const tokens = new TokenStore(stores.db);
    // HTTPS and L19: the files are checked before anything listens; a CRL is re-read when it changes.
    let tls: TlsMaterial | undefined;
    let certificates: ReturnType<typeof clientCertAuth> | undefined;
    if (config.server.tls) {
      tls = unwrap(loadTlsMaterial(config.server.tls, dataDir));
      let crl: CrlWatcher | undefined;
      if (tls.files.crl !== undefined) {
        const file = tls.files.crl;
        const watcher = new CrlWatcher(file, tls.clientCaCerts, (state) => {
          if (state.ok) logger.info({ revoked: state.serials.size }, `L19: CRL ${file} read`);
          else logger.error(`L19: every client certificate is refused until the CRL can be used: ${state.reason}`);
        });
        await watcher.start();
        cleanups.push(() => watcher.stop());
        crl = watcher;
      }
      if (tls.clientCaPem !== undefined) {
        const authority = new ClientCertAuthority(
          config.server.tls.clients,
          crl ? (serial) => (crl as CrlWatcher).check(serial) : undefined,
        );
        certificates = clientCertAuth(authority, config.server.tls.clientCert === 'required');
      }
    }

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
    if (store.keyInfo.adoptedFrom)
      logger.info(
        `this data dir's vault now has its own master key ${store.keyInfo.location}, copied from the shared ${store.keyInfo.adoptedFrom} (left unchanged)`,
      );
    for (const w of store.keyInfo.warnings ?? []) logger.warn(w);
    // Every vault value joins the leak index now, not on its first read: L23 and the session store must know it.
    const indexed = store.indexAll();
    if (!indexed.ok) logger.error({ code: indexed.error.code }, indexed.error.message);
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

    // L20: signed webhooks; their secrets in the hooks' own scope, the replay cache in bulwark.db.
    const hooks = new HookReceiver({
      hooks: config.hooks,
      secret: (name) => resolver(name, { agentId: HOOKS_SCOPE }),
      replay: new SqliteReplayCache(stores.db),
      bus,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const pruning = setInterval(
      () =>
        void hooks
          .prune()
          .catch((cause: unknown) =>
            logger.warn({ err: describeCause(cause) }, 'pruning the webhook replay cache failed'),
          ),
      10 * 60_000,
    );
    pruning.unref();
    cleanups.push(() => clearInterval(pruning));

    // L10 for every outbound fetch an agent can influence; L08 when the operator enabled it.
    const guard = createNetGuard(config.net, bus);
    let broker: Broker | undefined;
    let brokerState = brokerLayerStatus(config.broker, false);
    if (config.broker.enabled) {
      // A CA file the operator named must be usable: the daemon does not start without it (never a silent drop).
      const upstreamCas = unwrap(loadUpstreamCas(config.broker, dataDir));
      const started = await startBroker({
        config: config.broker,
        guard: guard.for('broker'),
        upstreamCas,
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
        // Runs after exec and MCP have stopped (cleanups run in reverse): their sessions are closed by then.
        cleanups.push(() => {
          const problem = removeBrokerSessionBase();
          if (problem) logger.error(problem);
        });
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
        pipeline: execPipeline,
        workspaces: configuredWorkspaces(config, dataDir),
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
    // L14–L16: memory in its own file; a store that cannot open leaves the daemon running without memory.
    let memory: MemoryService | undefined;
    let memoryState: { state: 'off' | 'degraded'; reason: string } = {
      state: 'off',
      reason: 'memory.enabled is false in config.yaml',
    };
    if (config.memory.enabled) {
      const opened = openMemory({
        dataDir,
        config: config.memory,
        bus,
        secret: (name) => resolver(name, { agentId: MEMORY_SCOPE }),
      });
      if (opened.ok) {
        const m = opened.value;
        memory = m;
        cleanups.push(() => m.store.close());
        if (config.memory.embeddings) {
          // Entries written before the embedder was configured (or while it was down) get their vectors now.
          void m.reindex().then(
            (r) => {
              if (!r.ok) logger.warn({ code: r.error.code }, `memory re-index: ${r.error.message}`);
            },
            (cause: unknown) => logger.warn({ err: describeCause(cause) }, 'memory re-index stopped'),
          );
        }
      } else {
        logger.error({ code: opened.error.code }, opened.error.message);
        memoryState = { state: 'degraded', reason: opened.error.message };
      }
    }
    // L08.1: sessions that saw secret material, from the audit events of L23, L02 and L17.
    const secretTaint = new SecretTaint(stores.taint);
    cleanups.push(watchSecretTaint(bus, secretTaint));
    const trustedList = egressTrustedHosts(config);
    const egressTrusted = trustedHosts(trustedList);
    // Held exec effects go through the approval queue, which exists once the turn's parts are built below.
    const late: { approveEffects?: (ctx: ToolRunContext) => ApproveEffects } = {};
    // Agent Skills installed with `bulwark skills add`: disclosed progressively, scripts bound read-only into exec.
    const skills = { shelf: skillShelf(dataDir), narrowing: new SkillNarrowing(stores.skillNarrowing) };
    // write and edit keep what they replace in the same undo journal as exec (when the host has one).
    // L08.1 by provenance: exec runs taint by the workspace they could read, edit by the file it read.
    const workspaceSecrets = new WorkspaceSecrets(leaks, {
      maxFiles: config.net.egress.workspaceScanMaxFiles,
      indexSize: () => leaks.size,
      writtenStore: stores.writtenFiles,
    });
    // Marks of workspaces that are gone can never match a file again: they leave the store before any session.
    const pruned = await workspaceSecrets.forgetGoneWorkspaces();
    if (!pruned.ok) logger.warn({ code: pruned.error.code }, pruned.error.message);
    else if (pruned.value.length > 0)
      logger.info(
        { workspaces: pruned.value.length },
        'forgot the written-file marks of workspaces that no longer exist',
      );
    const provenance = provenanceTaint({ bus, taint: secretTaint, secrets: workspaceSecrets });
    const fileTools = createFsTools(
      exec.journal && exec.runner
        ? fileJournal(exec.journal, (ws, turn, paths) => exec.runner?.noteCreated(ws, turn, paths))
        : NO_FILE_JOURNAL,
      provenance,
    );
    // L08.1 judges web_fetch and the broker's requests of exec runs alike.
    const egressCheck = taintEgressCheck({
      taint: secretTaint,
      trusted: egressTrusted,
      bus,
      fragmentsIn: (symbols) => leaks.fragmentsIn(symbols),
    });
    const tools: Tool[] = [
      ...fileTools,
      createExecTool({
        ...(exec.runner ? { runner: exec.runner } : {}),
        ...(exec.enabled ? {} : { disabledReason: exec.layer.reason }),
        approveEffects: () => late.approveEffects,
        readOnlyFor: (agentId) => {
          const dirs = enabledSkillDirs(dataDir, agentId);
          // An unreadable skills index binds no skill: the run goes on with less, never with more.
          return dirs.ok ? dirs.value.map((d) => ({ name: d.name, host: d.dir })) : [];
        },
        egress: egressCheck,
        provenance,
      }),
      createWebFetchTool({ guard: guard.for('web_fetch'), egress: egressCheck }),
      ...(memory ? [createMemorySaveTool(memory.store), createMemorySearchTool()] : []),
      ...createSkillTools(skills.shelf, skills.narrowing),
    ];
    // MCP servers: stdio ones inside the exec sandbox, HTTP ones through L10; only approved, unchanged tools join.
    const mcp = new McpHost({
      ...mcpConnectDeps(
        config,
        dataDir,
        exec,
        guard,
        broker ? execBrokerSpawner(broker, { runDir: brokerRunDir }) : undefined,
      ),
      servers: config.mcp.servers,
      pins: stores.mcpPins,
      bus,
      builtins: tools.map((t) => t.spec.name),
    });
    cleanups.push(() => mcp.close());
    await mcp.start();
    for (const s of mcp.servers())
      if (s.state === 'failed')
        logger.error({ server: s.name }, `MCP server ${s.name} did not start: ${s.reason ?? ''}`);
    tools.push(...mcp.tools().map((t) => remoteTool(t, egressCheck)));

    const parts = unwrap(
      turnParts(config, {
        bus,
        stores,
        redact: sanitize,
        leaks,
        canarySecret: unwrap(canaryKey(store)),
        tools,
        workspace: workspaceOf(config, dataDir),
        memory: memory ?? memoryState,
        skills,
      }),
    );
    // Under root, the workspaces the runtime creates belong to exec.sandboxUser (created by `bulwark init`).
    const sandboxUser = process.getuid?.() === 0 ? usableSandboxUser(config.exec.sandboxUser) : undefined;
    const sandboxOwner = sandboxUser && sandboxUser.uid !== 0 ? sandboxUser : undefined;
    const { controls, pipelines } = parts;
    const atRest = { leaks, canary: (sessionId: string) => parts.output.canary(sessionId), bus };
    const { approvals } = controls;
    cleanups.push(() => approvals.close());
    cleanups.push(() => controls.grants.flush());
    const restored = await controls.grants.restore();
    if (restored > 0) logger.info(`${restored} scoped grant(s) of an earlier run are live until they lapse`);
    // Requests an earlier daemon left pending died with its turns; counters past their keeping time go.
    const abandoned = await approvals.abandonLeftovers();
    if (abandoned > 0)
      logger.warn(`${abandoned} approval request(s) left pending by the previous run are now abandoned`);
    await stores.usage.prune(Date.now());
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
        // Nothing secret at rest: every write to the session store passes the leak index, formats and canaries;
        // what is replayed to the model passes the leak index again (a value vaulted since it was stored).
        sessions: redactingSessionStore(stores.sessions, atRest),
        compactions: redactingCompactionStore(stores.compactions, atRest),
        bus,
        dataDir,
        resolveSecret: providerSecret,
        pipelines,
        fileTools,
        extraTools: tools.filter((t) => !fileTools.includes(t)),
        ...(sandboxOwner ? { workspaceOwner: sandboxOwner } : {}),
        operator: controls.actions.operator,
        ...(memory ? { memory } : {}),
      }),
    );
    // The Telegram channel (its token read once, in the channels' scope); it starts receiving once the gateway listens.
    let telegram: OpenedTelegram | undefined;
    if (config.channels.telegram) {
      const t = unwrap(
        openTelegramChannel({
          config: config.channels.telegram,
          secret: (name) => resolver(name, { agentId: CHANNELS_SCOPE }),
          guard: guard.for('channels'),
          dataDir,
          runtime,
          approvals,
          grants: controls.grants,
          bus,
          logger,
          state: stores.channels,
          redact: sanitize,
          ...(config.channels.telegram.webhookUrl ? { webhookUrl: config.channels.telegram.webhookUrl } : {}),
        }),
      );
      telegram = t;
      cleanups.push(() => t.close());
    }
    const listening: { url?: string } = {};
    const layers = new LayerCatalogue(
      reporters(parts, [
        secretLayers(scopes),
        logLayers(),
        supplyLayers({ dataDir, maxIndexAgeDays: config.supply.maxIndexAgeDays }),
        guard,
        // A running broker reports itself (live); one that did not start, or cannot serve exec, is reported here.
        broker && brokerState.state === 'on'
          ? broker
          : { name: 'broker', layers: () => [{ id: 'L08', ...brokerState }] },
        exec,
        {
          name: 'gateway',
          layers: () =>
            gatewayLayers(config.server.authFailures, config.server.connections, config.server.ui, tlsSummary(config)),
        },
        hooks,
        egressTaintLayers(trustedList.length),
        channelLayers(config.channels),
      ]),
    );
    const host = options.host ?? config.server.host;
    const ui = config.server.ui.enabled
      ? createWebUi({
          config: config.server.ui,
          tokens,
          assets: loadUiAssets(),
          publicOrigin: config.server.publicOrigin,
        })
      : undefined;
    const gateway = createGateway({
      runtime,
      tokens,
      bus,
      logger,
      bodyLimitBytes: config.server.bodyLimitBytes,
      authFailures: config.server.authFailures,
      bindHost: host,
      allowedHosts: config.server.allowedHosts,
      publicOrigin: config.server.publicOrigin,
      connections: config.server.connections,
      timeouts: config.server.timeouts,
      ...(certificates ? { certificates } : {}),
      ...(tls ? { tls: tlsSummary(config) as TlsSummary } : {}),
      signedRoutes: [
        hooksRouteGroup({ receiver: hooks, runtime, logger }),
        ...(telegram?.channel.webhookPath
          ? [
              channelWebhookRouteGroup({
                path: telegram.channel.webhookPath,
                maxBodyBytes: 1024 * 1024,
                handle: (r) => (telegram as OpenedTelegram).channel.handleWebhook(r),
              }),
            ]
          : []),
      ],
      ...(ui ? { ui } : {}),
      routes: [
        approvalsRouteGroup({ queue: approvals, grants: controls.grants }),
        auditRouteGroup({ audit: stores.audit }),
        sessionsRouteGroup({ sessions: stores.sessions, redact: sanitize }),
        usageRouteGroup({ usage: stores.usage }),
        tokenRouteGroup({ tokens, bus, onRevoked: (id) => ui?.sessions.endForToken(id) }),
        workspaceRouteGroup({
          ...(exec.journal ? { journal: exec.journal } : {}),
          workspaceOf: workspaceOf(config, dataDir),
          bus,
          redact: sanitize,
        }),
        ...(memory
          ? [
              memoryRouteGroup({
                admin: createMemoryAdmin(memory, pipelines.memoryWrite, sanitize),
                agentIds: config.agents.map((a) => a.id),
              }),
            ]
          : []),
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
    const server = await listen(
      gateway,
      host,
      options.port ?? config.server.port,
      tls ? tlsServerOptions(tls, config.server.timeouts.headersMs) : undefined,
    );
    listening.url = server.url;
    if (telegram) unwrap(await telegram.channel.start());
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
      flushAudit: () => audit.flush(),
      close: () => {
        closing ??= (async () => {
          // Deny what waits for an operator first, so those turns can finish, then stop serving.
          approvals.shutdown();
          await server.close();
          // Walks and written-file marks of runs that just ended go on record before the stores close.
          if (!(await secretTaint.settled(SETTLE_ON_CLOSE_MS)))
            logger.warn(
              { waitedMs: SETTLE_ON_CLOSE_MS },
              'stopping before every workspace check settled: the files of a run that just ended may not be marked',
            );
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
  const opened = openSqliteStore(childPath(dataDir, DB_FILE));
  if (!opened.ok) return opened;
  const db: Db = opened.value;
  let store: TokenStore;
  try {
    store = new TokenStore(db);
  } catch (cause) {
    db.close();
    return err(bulwarkError('db.open', `cannot open ${childPath(dataDir, DB_FILE)}: ${describeCause(cause)}`));
  }
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
    pipeline: execPipeline,
    workspaces: configuredWorkspaces(config, dataDir),
    ...brokerSpawner,
  });
  // The probe runs no command; its reports are fixed at start and stay valid once it is stopped.
  if (probe.ok) probe.value.stop();
  const exec: LayerReporter = probe.ok
    ? probe.value
    : { name: 'exec', layers: () => [{ id: 'L11', state: 'degraded', reason: probe.error.message }] };
  const guard = createNetGuard(config.net, bus);
  const stores = memoryStores();
  if (!stores.ok) return stores;
  try {
    const parts = turnParts(config, {
      bus,
      stores: stores.value,
      redact: (text) => text,
      leaks: new LeakIndex(),
      canarySecret: randomBytes(32),
      tools: [
        ...fsTools,
        createExecTool({ disabledReason: 'offline view' }),
        createWebFetchTool({ guard: guard.for('web_fetch') }),
      ],
      workspace: () => undefined,
      memory: offlineMemory(config, bus),
      skills: { shelf: skillShelf(dir.value), narrowing: new SkillNarrowing(stores.value.skillNarrowing) },
    });
    if (!parts.ok) return parts;
    const catalogue = new LayerCatalogue(
      reporters(parts.value, [
        secretLayers(secretScopes(config)),
        logLayers(),
        supplyLayers({ dataDir, maxIndexAgeDays: config.supply.maxIndexAgeDays }),
        guard,
        { name: 'broker', layers: () => [{ id: 'L08', ...brokerLayerStatus(config.broker, config.broker.enabled) }] },
        egressTaintLayers(egressTrustedHosts(config).length),
        exec,
        {
          name: 'gateway',
          layers: () =>
            gatewayLayers(config.server.authFailures, config.server.connections, config.server.ui, tlsSummary(config)),
        },
        new HookReceiver({
          hooks: config.hooks,
          secret: () => err(bulwarkError('webhook.offline', 'offline view: no secrets')),
          replay: { claim: async () => false, prune: async () => 0 },
          bus,
        }),
        channelLayers(config.channels),
      ]),
    );
    const execRow = probe.ok && probe.value.runner ? [describeExecPipeline(probe.value.runner.pipeline)] : [];
    return ok({ layers: catalogue.list(), pipelines: [...describePipelines(parts.value.pipelines), ...execRow] });
  } finally {
    void stores.value.close();
  }
}

export const TOKEN_SCOPE_HELP = SCOPE_HELP;

/**
 * Memory as the offline view reports it: from config, over an in-memory store (the view never creates or reads
 * the data dir's memory.db).
 */
function offlineMemory(config: Config, bus: EventBus): MemoryService | { state: 'off'; reason: string } {
  if (!config.memory.enabled) return { state: 'off', reason: 'memory.enabled is false in config.yaml' };
  const store = SqliteMemoryStore.open({ file: ':memory:' });
  if (!store.ok) return { state: 'off', reason: store.error.message };
  return new MemoryService({ store: store.value, bus, config: config.memory });
}

/**
 * The operator's memory tools on a data dir (`bulwark memory …`): the same store file and memory-write pipeline
 * the daemon uses, with the vault's values (when a master key is available) in the leak index L15 consults.
 */
export function openMemoryAdmin(
  dataDir: string,
  leaks: LeakIndex = new LeakIndex(),
): Result<{ admin: MemoryAdmin; agentIds: string[]; close: () => Promise<void> }, BulwarkError> {
  const dir = ensureDataDir(dataDir);
  if (!dir.ok) return dir;
  const loaded = loadConfig(dataDir);
  if (!loaded.ok) return loaded;
  const config = loaded.value;
  const bus = new EventBus();
  const auditStore = JsonlAuditStore.open(childPath(dataDir, AUDIT_FILE), config.logging.audit);
  if (!auditStore.ok) return auditStore;
  const sanitize = createSanitizer(leaks);
  const audit = new AuditSink(auditStore.value, sanitize);
  audit.attach(bus);
  const opened = openMemory({ dataDir, config: { ...config.memory, embeddings: undefined }, bus });
  if (!opened.ok) {
    void audit.close();
    return opened;
  }
  const memory = opened.value;
  // Only the memory-write pipeline is used here: the other parts run over throwaway in-memory stores.
  const scratch = memoryStores();
  if (!scratch.ok) {
    void audit.close();
    void memory.store.close();
    return scratch;
  }
  const parts = turnParts(config, {
    bus,
    stores: scratch.value,
    redact: sanitize,
    leaks,
    canarySecret: randomBytes(32),
    tools: [],
    workspace: () => undefined,
    memory,
  });
  void scratch.value.close();
  if (!parts.ok) {
    void audit.close();
    void memory.store.close();
    return parts;
  }
  return ok({
    admin: createMemoryAdmin(memory, parts.value.pipelines.memoryWrite, sanitize),
    agentIds: config.agents.map((a) => a.id),
    close: async () => {
      await memory.store.close();
      await audit.close();
    },
  });
}

/** How MCP servers are reached: the exec sandbox's service start (stdio), L10 (http), L25 with the config's age. */
function mcpConnectDeps(
  config: Config,
  dataDir: string,
  exec: ExecService,
  guard: SsrfGuard,
  brokerSpawner?: BrokerSpawner,
): ConnectDeps {
  return {
    dataDir,
    ...(brokerSpawner
      ? {
          brokerSession: (server: string, onlyHosts?: readonly string[]) =>
            brokerSpawner({
              agentId: `mcp:${server}`,
              ...(onlyHosts ? { onlyHosts } : {}),
              // The server runs as the sandbox user under a root daemon: its socket must be that user's.
              ...(exec.serviceRunAs ? { runAs: exec.serviceRunAs } : {}),
            }),
        }
      : {}),
    ...(exec.startService ? { startService: exec.startService } : { sandboxMissing: exec.layer.reason }),
    fetchFor: (server) => l10Fetch(guard.for('mcp'), server),
    limits: config.exec.limits,
    workspaceOf: workspaceOf(config, dataDir),
    maxIndexAgeDays: config.supply.maxIndexAgeDays,
    allowNames: config.supply.allowNames,
    registry: config.supply.registry,
    installTimeoutMs: config.supply.installTimeoutMs,
    ...(config.supply.npmCli !== undefined ? { npmCli: config.supply.npmCli } : {}),
  };
}

/** What `bulwark mcp scan|approve|list|remove` work on: the config, the pins, and the daemon's way to start servers. */
export interface McpAdmin {
  readonly config: Config;
  readonly pins: McpPinStore;
  review(name: string): Promise<Result<ServerReview, BulwarkError>>;
  approve(review: ServerReview): Promise<Result<number, BulwarkError>>;
  close(): void;
}

export function openMcpAdmin(dataDir: string): Result<McpAdmin, BulwarkError> {
  const dir = ensureDataDir(dataDir);
  if (!dir.ok) return dir;
  const loaded = loadConfig(dataDir);
  if (!loaded.ok) return loaded;
  const config = loaded.value;
  const file = childPath(dataDir, DB_FILE);
  const opened = openSqliteStore(file);
  if (!opened.ok) return opened;
  const db: Db = opened.value;
  let pins: McpPinStore;
  try {
    pins = new SqliteMcpPinStore(db, file);
  } catch (cause) {
    db.close();
    return err(bulwarkError('db.open', `cannot open ${file}: ${describeCause(cause)}`));
  }
  const bus = new EventBus();
  const exec = startExec({
    config: config.exec,
    runtimeDir: privateDir(dataDir, 'run', 'exec-mcp'),
    parkedSandboxes: 0,
    bus,
  });
  if (!exec.ok) {
    db.close();
    return exec;
  }
  const deps = {
    ...mcpConnectDeps(config, dataDir, exec.value, createNetGuard(config.net, bus)),
    // The CLI runs no broker: a review starts broker-mode servers without any network.
    offline: true,
    builtins: [...fsTools.map((t) => t.spec.name), 'exec', 'web_fetch', 'memory_save', 'memory_search'],
  };
  return ok({
    config,
    pins,
    review: async (name) => {
      const server = config.mcp.servers.find((s) => s.name === name);
      if (!server)
        return err(
          bulwarkError(
            'mcp.unknown_server',
            `no MCP server "${name}" in config.yaml (mcp.servers); add it with bulwark mcp add ${name} -- COMMAND`,
            { status: 404 },
          ),
        );
      return reviewServer(server, deps);
    },
    approve: (review) => approveReview(review, pins),
    close: () => {
      exec.value.stop();
      db.close();
    },
  });
}
