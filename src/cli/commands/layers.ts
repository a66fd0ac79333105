/** `bulwark layers`: the 27 defence layers and their state on this host. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { action, fail, formatTable, printJson } from '../output.js';
import type { CliServices } from '../program.js';

export function register(program: Command, ctx: CliContext, services: CliServices): void {
  program
    .command('layers')
    .description('list the 27 defence layers: id, name, category, state (on, off, degraded, absent) and why')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      `
on: active; off: built but disabled by config; degraded: weaker on this host; absent: not built yet.

Examples:
  $ bulwark layers
  $ bulwark layers --json | jq '.[] | select(.state == "on")'`,
    )
    .action(
      action(ctx, (opts: { json?: boolean }) => {
        const layers = services.layers(ctx.dataDir);
        if (!layers.ok) return fail(ctx, layers.error);
        if (opts.json) return printJson(ctx, layers.value.map(({ id, name, category, state, reason }) => ({ id, name, category, state, reason })));
        ctx.stdout(formatTable(['ID', 'NAME', 'CATEGORY', 'STATE', 'REASON'], layers.value.map((l) => [l.id, l.name, l.category, l.state, l.reason])));
      }),
    );
}
