/**
 * The `bulwark` command. Each command lives in src/cli/commands/<name>.ts and exports
 * `register(program, ctx, services?)`; adding one is an import and a line in COMMANDS.
 *
 * The CLI sits beside the gateway in the dependency tiers and cannot import it or the daemon,
 * so what it needs from them (token admin, layer states, starting the daemon) arrives as
 * CliServices, built by src/main.ts.
 */
import { Command } from 'commander';
import type { BulwarkError, LayerStatus, Result } from '../core/index.js';
import type { PipelineRow, UsageStore } from '../agent/index.js';
import type { ApprovalStore } from '../policy/index.js';
import type { CliContext } from './context.js';
import type { MemoryAdmin } from '../memory/index.js';
import type { LeakIndex } from '../secrets/index.js';
import type { McpPinStore, ServerReview } from '../supply/index.js';
import type { ExecPipelineDecl } from '../exec/index.js';
import * as approvals from './commands/approvals.js';
import * as broker from './commands/broker.js';
import * as cert from './commands/cert.js';
import * as webhooks from './commands/webhooks.js';
import * as chat from './commands/chat.js';
import * as config from './commands/config.js';
import * as doctor from './commands/doctor.js';
import * as drill from './commands/drill.js';
import * as init from './commands/init.js';
import * as layers from './commands/layers.js';
import * as mcpCommand from './commands/mcp.js';
import * as memory from './commands/memory.js';
import * as net from './commands/net.js';
import * as sandbox from './commands/sandbox.js';
import * as scan from './commands/scan.js';
import * as scanCommand from './commands/scan-command.js';
import * as scanOutput from './commands/scan-output.js';
import * as secrets from './commands/secrets.js';
import * as skills from './commands/skills.js';
import * as supplyCommand from './commands/supply.js';
import * as start from './commands/start.js';
import * as status from './commands/status.js';
import * as token from './commands/token.js';
import * as usage from './commands/usage.js';
import * as workspace from './commands/workspace.js';

export interface TokenRecord {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  /** The operator's own token: its caller is the owner (never blocked from their own data). */
  readonly owner: boolean;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** Token administration on the data dir's database; `close` releases it. */
export interface TokenAdmin {
  create(
    name: string,
    scopes: readonly string[],
    options?: { readonly owner?: boolean },
  ): Result<TokenRecord & { readonly token: string }, BulwarkError>;
  list(): TokenRecord[];
  count(): number;
  revoke(id: string): Result<TokenRecord, BulwarkError>;
  close(): void;
}

export interface DaemonHandle {
  readonly url: string;
  readonly logFile: string;
  readonly auditFile: string;
  readonly layers: readonly LayerStatus[];
  /** Resolves once every event audited so far is in the audit file. */
  flushAudit(): Promise<void>;
  /** The configured agents (served as models). */
  readonly agents: ReadonlyArray<{ readonly id: string; readonly model: string; readonly provider?: string }>;
  close(): Promise<void>;
}

/** The stores a command reads, opened by the composition root's factory (src/stores.ts); `close` releases them. */
export interface CliStores {
  readonly usage: UsageStore;
  readonly approvals: ApprovalStore;
  close(): Promise<void>;
}

/** The operator's memory tools on a data dir; `close` releases the store. */
export interface MemoryAdminHandle {
  readonly admin: MemoryAdmin;
  readonly agentIds: readonly string[];
  close(): Promise<void>;
}

/** MCP servers of a data dir: started sandboxed the way the daemon would, and their approval pins. */
export interface McpAdminHandle {
  readonly pins: McpPinStore;
  review(name: string): Promise<Result<ServerReview, BulwarkError>>;
  approve(review: ServerReview): Promise<Result<number, BulwarkError>>;
  close(): void;
}

export interface CliServices {
  /** The data dir's stores as the daemon uses them; `undefined` when nothing has been stored there yet. */
  openStores(dataDir: string): Promise<Result<CliStores | undefined, BulwarkError>>;
  /** Memory (L14–L16) on the data dir, with the daemon's memory-write pipeline; `leaks` holds the vault's values. */
  openMemory(dataDir: string, leaks: LeakIndex): Result<MemoryAdminHandle, BulwarkError>;
  openTokens(dataDir: string): Result<TokenAdmin, BulwarkError>;
  /** Layer states and pipelines as the daemon would report them with the current config. */
  layers(dataDir: string): Result<{ layers: LayerStatus[]; pipelines: PipelineRow[] }, BulwarkError>;
  startDaemon(options: { dataDir: string; host?: string; port?: number; pretty: boolean }): Promise<DaemonHandle>;
  /** MCP administration (`bulwark mcp`); absent in builds that cannot start servers. */
  openMcp?(dataDir: string): Result<McpAdminHandle, BulwarkError>;
  /** Known token scopes with a line of help each. */
  readonly scopes: Readonly<Record<string, string>>;
  /** The declared order of the exec gates (src/pipelines.ts), for `bulwark sandbox run`. */
  readonly execPipeline?: ExecPipelineDecl;
}

export type Register = (program: Command, ctx: CliContext, services: CliServices) => void;

const COMMANDS: readonly Register[] = [
  init.register,
  start.register,
  status.register,
  chat.register,
  token.register,
  layers.register,
  config.register,
  secrets.register,
  approvals.register,
  memory.register,
  usage.register,
  workspace.register,
  sandbox.register,
  doctor.register,
  drill.register,
  net.register,
  broker.register,
  cert.register,
  webhooks.register,
  scan.register,
  skills.register,
  supplyCommand.register,
  mcpCommand.register,
  scanCommand.register,
  (program, ctx) => scanOutput.register(program, ctx, { leakScanner: () => secrets.vaultLeakIndex(ctx) }),
];

export function createProgram(ctx: CliContext, services: CliServices, version = '0.1.0'): Command {
  const program = new Command();
  program
    .name('bulwark')
    .description(
      'Self-hosted AI agent daemon built security-first: 27 defence layers between the model and your machine.',
    )
    .version(version, '-V, --version')
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr })
    .addHelpText(
      'after',
      `
Data dir: $BULWARK_HOME, else ~/.bulwark (now: ${ctx.dataDir})

Examples:
  $ bulwark init                  create the data dir, config.yaml and the first token
  $ bulwark start                 run the daemon in the foreground
  $ BULWARK_TOKEN=bwk_... bulwark chat
  $ bulwark layers                which of the 27 layers are on on this host
  $ bulwark status                live state of the running daemon (breakers, budgets)`,
    );
  for (const register of COMMANDS) register(program, ctx, services);
  return program;
}
