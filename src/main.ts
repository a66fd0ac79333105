/** Entry point of the `bulwark` binary: builds the CLI with the daemon's services and runs it. */
import { CommanderError } from 'commander';
import { createProgram, type CliServices } from './cli/program.js';
import type { CliContext } from './cli/context.js';
import { dataDirPath } from './config/data-dir.js';
import { offlineView, openMemoryAdmin, openTokenAdmin, startDaemon, TOKEN_SCOPE_HELP } from './daemon.js';
import { describeCause } from './core/errors.js';

// Everything bulwark creates (database, logs, audit, runtime files) is private to its user unless a module says otherwise.
process.umask(0o077);

const ctx: CliContext = {
  dataDir: dataDirPath(),
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  setExitCode: (code) => {
    process.exitCode = code;
  },
};

const services: CliServices = {
  openTokens: openTokenAdmin,
  openMemory: openMemoryAdmin,
  layers: offlineView,
  startDaemon,
  scopes: TOKEN_SCOPE_HELP,
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
