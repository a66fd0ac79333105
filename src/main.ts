/** Entry point of the `bulwark` binary: builds the CLI with the daemon's services and runs it. */
import { CommanderError } from 'commander';
import { createProgram, type CliServices, type CliContext, guardOutput } from './cli/index.js';
import { dataDirPath } from './config/index.js';
import { offlineView, openMcpAdmin, openMemoryAdmin, openTokenAdmin, startDaemon, TOKEN_SCOPE_HELP } from './daemon.js';
import { describeCause, ok } from './core/index.js';
import { embeddedStoresExist, openEmbeddedStores } from './stores.js';
import { execPipeline } from './pipelines.js';

// Everything bulwark creates (database, logs, audit, runtime files) is private to its user unless a module says otherwise.
process.umask(0o077);

// A closed stdout ends the command quietly (exit 0); a command with something to shut down registers its own handler.
let whenStdoutClosed: () => void = () => process.exit(0);
const stdout = guardOutput(
  process.stdout,
  () => whenStdoutClosed(),
  (error) => {
    process.exitCode = 1;
    stderr.write(`bulwark: cannot write to stdout: ${describeCause(error)}\n`);
  },
);
// A closed stderr only loses the messages; the command goes on (its exit code still says how it ended).
const stderr = guardOutput(
  process.stderr,
  () => undefined,
  (error) => {
    process.exitCode = 1;
    stdout.write(`bulwark: cannot write to stderr: ${describeCause(error)}\n`);
  },
);

const ctx: CliContext = {
  dataDir: dataDirPath(),
  stdout: (text) => stdout.write(text),
  stderr: (text) => stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
  onStdoutClosed: (handler) => {
    whenStdoutClosed = handler;
  },
};

const services: CliServices = {
  openStores: async (dataDir) => (embeddedStoresExist(dataDir) ? openEmbeddedStores(dataDir) : ok(undefined)),
  openTokens: openTokenAdmin,
  openMemory: openMemoryAdmin,
  openMcp: openMcpAdmin,
  layers: offlineView,
  startDaemon,
  scopes: TOKEN_SCOPE_HELP,
  execPipeline,
};

try {
  await createProgram(ctx, services).parseAsync(process.argv);
} catch (error) {
  // exitOverride: commander reports usage errors and --help/--version as a CommanderError.
  if (error instanceof CommanderError) ctx.setExitCode(error.exitCode);
  else {
    ctx.stderr(`bulwark: ${describeCause(error)}\n`);
    ctx.setExitCode(1);
  }
}
