/**
 * Connecting to one configured MCP server with the official SDK client: a stdio server (a command, or a pinned
 * package L25 screened) is started inside the exec sandbox; an HTTP server is reached through L10. Nothing is
 * started without a sandbox (fail closed).
 */
import { mkdirSync } from 'node:fs';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { bulwarkError, childPath, describeCause, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import type { ExecLimits, McpServerConfig } from '../../config/index.js';
import type { BrokerSpawn, ServiceProcess, ServiceSpec } from '../../exec/index.js';
import { ensureInstalled } from './package-install.js';
import { screenPackageSpec, screenPackageTree } from './package-tree.js';
import { ProcessTransport } from './process-transport.js';
import type { ToolDefinition } from './tool-poisoning.js';

/** A fetch that goes through L10 (the daemon builds it from the SSRF guard). */
export type GuardedFetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface ConnectDeps {
  readonly dataDir: string;
  /** The exec sandbox's long-lived service start; absent when no sandbox runs commands (stdio servers refused). */
  readonly startService?: (spec: ServiceSpec) => Result<ServiceProcess, BulwarkError>;
  /** Why stdio servers cannot start, when `startService` is absent. */
  readonly sandboxMissing?: string;
  /** A fetch through L10 for one server (the daemon builds it from the SSRF guard). */
  readonly fetchFor?: (server: string) => GuardedFetchLike;
  /**
   * Opens a broker session for a server with `network: broker` (or, with `onlyHosts`, one that may reach those hosts
   * only: a package install's); absent when no broker runs.
   */
  readonly brokerSession?: (
    server: string,
    onlyHosts?: readonly string[],
  ) => Promise<Result<BrokerSpawn, BulwarkError>>;
  /** Start every server without network whatever its config (the CLI's review has no broker to offer). */
  readonly offline?: boolean;
  readonly limits: ExecLimits;
  readonly workspaceOf: (agentId: string) => string | undefined;
  readonly maxIndexAgeDays: number;
  /** supply.allowNames: exact names never refused as typosquats. */
  readonly allowNames?: readonly string[];
  /** Where package servers without packageDir are installed from (supply.registry; default the npm registry). */
  readonly registry?: string;
  /** How long one package install may take (supply.installTimeoutMs). */
  readonly installTimeoutMs?: number;
  /** npm's CLI script for package installs (supply.npmCli; default: the npm that ships with node). */
  readonly npmCli?: string;
}

const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';
const DEFAULT_INSTALL_TIMEOUT_MS = 300_000;

export interface McpConnection {
  readonly server: McpServerConfig;
  readonly client: Client;
  /** The packages L25 checked before start (package servers). */
  readonly checked: readonly string[];
  listTools(): Promise<Result<ToolDefinition[], BulwarkError>>;
  close(): Promise<void>;
}

const MAX_TOOLS = 500;

function failure(code: string, message: string, layer?: 'L11.5' | 'L10' | 'L25'): BulwarkError {
  return bulwarkError(`mcp.${code}`, message, { ...(layer ? { layer } : {}), status: 502 });
}

/** The private writable directory of a server, outside every workspace. */
export function serverStateDir(dataDir: string, server: string): string {
  return childPath(dataDir, 'mcp', server);
}

/** The broker session of a `network: broker` server (none for `network: none` or an offline review). */
async function brokerFor(
  server: McpServerConfig,
  deps: ConnectDeps,
): Promise<Result<BrokerSpawn | undefined, BulwarkError>> {
  if (server.network !== 'broker' || deps.offline === true) return ok(undefined);
  if (!deps.brokerSession)
    return err(
      bulwarkError(
        'mcp.no_broker',
        `MCP server "${server.name}" has network: broker, but the credential broker is not running (broker.enabled); it is not started with any other network`,
        { layer: 'L08', status: 503 },
      ),
    );
  return deps.brokerSession(server.name);
}

/**
 * The installed tree of a package server: the operator's packageDir, or bulwark's own sandboxed install (cached).
 * Either way the tree is screened afterwards, on every start: the index can learn of a package later.
 */
async function packageTree(
  server: McpServerConfig,
  rawSpec: string,
  deps: ConnectDeps,
  startService: (spec: ServiceSpec) => Result<ServiceProcess, BulwarkError>,
): Promise<Result<string, BulwarkError>> {
  if (server.packageDir !== undefined) return ok(server.packageDir);
  // A refused name (listed, typosquat, unpinned) or a missing/stale index is never even downloaded.
  const spec = screenPackageSpec(deps.dataDir, rawSpec, {
    maxIndexAgeDays: deps.maxIndexAgeDays,
    ...(deps.allowNames ? { allowNames: deps.allowNames } : {}),
  });
  if (!spec.ok) return spec;
  const session = deps.brokerSession;
  return ensureInstalled(spec.value.spec, {
    dataDir: deps.dataDir,
    registry: deps.registry ?? DEFAULT_REGISTRY,
    startService,
    ...(session ? { brokerSession: (hosts: readonly string[]) => session(server.name, hosts) } : {}),
    limits: deps.limits,
    timeoutMs: deps.installTimeoutMs ?? DEFAULT_INSTALL_TIMEOUT_MS,
    cachedOnly: deps.offline === true,
    ...(deps.npmCli !== undefined ? { npmCli: deps.npmCli } : {}),
  });
}

async function stdioTransport(
  server: McpServerConfig,
  deps: ConnectDeps,
): Promise<Result<{ transport: ProcessTransport; checked: string[] }, BulwarkError>> {
  if (!deps.startService)
    return err(
      failure(
        'no_sandbox',
        `MCP server "${server.name}" runs over stdio and must start inside the exec sandbox (bwrap), which is not available: ${deps.sandboxMissing ?? 'no sandbox'}`,
        'L11.5',
      ),
    );
  let argv: string[];
  let readOnly = [...server.readOnlyPaths];
  let checked: string[] = [];
  if (server.package !== undefined) {
    const tree = await packageTree(server, server.package, deps, deps.startService);
    if (!tree.ok) return tree;
    const screened = screenPackageTree(deps.dataDir, server.package, tree.value, {
      maxIndexAgeDays: deps.maxIndexAgeDays,
      ...(deps.allowNames ? { allowNames: deps.allowNames } : {}),
    });
    if (!screened.ok) return screened;
    argv = [process.execPath, screened.value.bin, ...server.args];
    readOnly = [...readOnly, tree.value, process.execPath];
    checked = [...screened.value.checked];
  } else argv = [server.command ?? '', ...server.args];
  const stateDir = serverStateDir(deps.dataDir, server.name);
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (cause) {
    return err(failure('state_dir', `cannot create ${stateDir}: ${describeCause(cause)}`));
  }
  const workspace = server.workspace !== undefined ? deps.workspaceOf(server.workspace) : undefined;
  if (server.workspace !== undefined && workspace === undefined)
    return err(
      failure('workspace', `MCP server "${server.name}" names agent "${server.workspace}", which has no workspace`),
    );
  const broker = await brokerFor(server, deps);
  if (!broker.ok) return broker;
  const session = broker.value;
  const started = deps.startService({
    name: `mcp:${server.name}`,
    ...(session ? { broker: session } : {}),
    ...(workspace !== undefined ? { workspace } : {}),
    stateDir,
    readOnlyPaths: readOnly.filter((p, i) => readOnly.indexOf(p) === i && !p.startsWith('/usr/')),
    argv,
    env: server.env,
    // A server lives as long as the daemon: CPU time is not capped by the per-command limit.
    limits: { ...deps.limits, cpuSeconds: 86_400 },
  });
  if (!started.ok) {
    await session?.close();
    return started;
  }
  const service = started.value;
  // The broker session (its token) ends with the server.
  service.child.once('exit', () => {
    session
      ?.close()
      .then(undefined, (cause: unknown) =>
        process.emitWarning(`closing the broker session of MCP server ${server.name}: ${describeCause(cause)}`),
      );
  });
  return ok({ transport: new ProcessTransport(service), checked });
}

function httpTransport(server: McpServerConfig, deps: ConnectDeps): Result<Transport, BulwarkError> {
  if (!deps.fetchFor || server.url === undefined)
    return err(
      failure('no_guard', `MCP server "${server.name}" is reached over HTTP, which needs the L10 guard`, 'L10'),
    );
  const guarded = deps.fetchFor(server.name);
  return ok(
    new StreamableHTTPClientTransport(new URL(server.url), {
      fetch: (url, init) => guarded(url, init),
    }),
  );
}

function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function connectServer(
  server: McpServerConfig,
  deps: ConnectDeps,
): Promise<Result<McpConnection, BulwarkError>> {
  let transport: Transport;
  let checked: readonly string[] = [];
  let stderr: () => string = () => '';
  if (server.url !== undefined) {
    const t = httpTransport(server, deps);
    if (!t.ok) return t;
    transport = t.value;
  } else {
    const t = await stdioTransport(server, deps);
    if (!t.ok) return t;
    transport = t.value.transport;
    checked = t.value.checked;
    const pt = t.value.transport;
    stderr = () => pt.stderr;
  }
  const client = new Client({ name: 'bulwark', version: '0.1.0' }, { capabilities: {} });
  try {
    await withTimeout(`starting MCP server "${server.name}"`, server.timeoutMs, client.connect(transport));
  } catch (cause) {
    await transport.close();
    const tail = stderr().trim().split('\n').slice(-3).join(' | ');
    return err(
      failure(
        'connect',
        `MCP server "${server.name}" did not start: ${describeCause(cause)}${tail ? ` (its stderr: ${tail.slice(0, 400)})` : ''}`,
        server.url !== undefined && describeCause(cause).includes('L10') ? 'L10' : undefined,
      ),
    );
  }
  return ok({
    server,
    client,
    checked,
    async listTools() {
      try {
        const tools: ToolDefinition[] = [];
        let cursor: string | undefined;
        do {
          const page = await withTimeout(
            `listing the tools of "${server.name}"`,
            server.timeoutMs,
            client.listTools(cursor !== undefined ? { cursor } : {}),
          );
          for (const t of page.tools)
            tools.push({
              name: t.name,
              ...(t.description !== undefined ? { description: t.description } : {}),
              inputSchema: t.inputSchema,
            });
          cursor = page.nextCursor;
        } while (cursor !== undefined && tools.length < MAX_TOOLS);
        if (tools.length >= MAX_TOOLS)
          return err(
            failure('too_many_tools', `MCP server "${server.name}" lists ${MAX_TOOLS} tools or more: refused`),
          );
        return ok(tools);
      } catch (cause) {
        return err(
          failure('list_tools', `listing the tools of MCP server "${server.name}" failed: ${describeCause(cause)}`),
        );
      }
    },
    async close() {
      // Closes the transport too (for stdio: kills the sandbox).
      await client.close();
    },
  });
}
