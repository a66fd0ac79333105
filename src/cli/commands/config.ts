/** `bulwark config show`: the effective configuration (defaults filled in). */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { configPath, loadConfig } from '../../config/load.js';
import type { CliContext } from '../context.js';
import { action, fail, printJson } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('show')
    .description('print the effective config (config.yaml with every default filled in); secrets appear only as references')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
Also validates config.yaml: an invalid file prints the key, the problem and the expected shape, and exits 1.

Examples:
  $ bulwark config show
  $ bulwark config show --json`,
    )
    .action(
      action(ctx, (opts: { json?: boolean }) => {
        const loaded = loadConfig(ctx.dataDir);
        if (!loaded.ok) return fail(ctx, loaded.error);
        if (opts.json) return printJson(ctx, loaded.value);
        ctx.stdout(`# effective config from ${configPath(ctx.dataDir)}\n${stringify(loaded.value)}`);
      }),
    );
}
