/** `bulwark config show`: the effective configuration (defaults filled in). */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { configPath, loadConfig } from '../../config/index.js';
import { EMPTY_LEAK_SCANNER } from '../../core/index.js';
import { createSanitizer, redactConfigForDisplay } from '../../logging/index.js';
import type { CliContext } from '../context.js';
import { action, fail, printJson } from '../output.js';
import { examples } from '../help.js';

export function register(program: Command, ctx: CliContext): void {
  const config = program
    .command('config')
    .description('inspect the configuration')
    .addHelpText('after', examples('bulwark config show', 'bulwark config show --json'));
  config
    .command('show')
    .description(
      'print the effective config (config.yaml with every default filled in); secrets appear only as references, pasted keys as [REDACTED]',
    )
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
        // References hold no values, but a pasted key (in a prompt, a URL) must not be printed either (L09).
        const shown = redactConfigForDisplay(loaded.value, createSanitizer(EMPTY_LEAK_SCANNER));
        if (opts.json) return printJson(ctx, shown);
        ctx.stdout(`# effective config from ${configPath(ctx.dataDir)}\n${stringify(shown)}`);
      }),
    );
}
