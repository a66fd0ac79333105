/** `bulwark usage`: token use and spend per agent and model (the L21 counters of the data dir's usage store). */
import type { Command } from 'commander';
import { startOfUtcDay, type UsageRow } from '../../agent/index.js';
import type { CliContext } from '../context.js';
import type { CliServices } from '../program.js';
import { action, fail, formatTable, printJson } from '../output.js';
import { examples } from '../help.js';

interface UsageOptions {
  days?: string;
  json?: boolean;
}

export function register(program: Command, ctx: CliContext, services: CliServices): void {
  program
    .command('usage')
    .description('show token use and cost per agent and model: today (UTC) and the last N days')
    .option('--days <n>', 'also total the last N days (1-35)', '7')
    .option('--json', 'print JSON')
    .addHelpText('after', examples('bulwark usage', 'bulwark usage --days 30 --json'))
    .action(
      action(ctx, async (opts: UsageOptions) => {
        const days = Number(opts.days ?? '7');
        if (!Number.isInteger(days) || days < 1 || days > 35)
          return fail(ctx, '--days must be a whole number from 1 to 35');
        const opened = await services.openStores(ctx.dataDir);
        if (!opened.ok) return fail(ctx, opened.error);
        const stores = opened.value;
        if (!stores) {
          if (opts.json) return printJson(ctx, { today: [], period: [], days });
          return ctx.stdout(`no usage recorded yet (nothing is stored in ${ctx.dataDir})\n`);
        }
        try {
          const now = Date.now();
          const today = await stores.usage.summary(startOfUtcDay(now));
          const period = await stores.usage.summary(startOfUtcDay(now) - (days - 1) * 86_400_000);
          if (opts.json) return printJson(ctx, { today, period, days });
          const rows = (list: readonly UsageRow[]) =>
            list.map((r) => [
              r.agent,
              r.model,
              String(r.calls),
              String(r.inputTokens),
              String(r.outputTokens),
              r.cost.toFixed(4),
            ]);
          const headers = ['AGENT', 'MODEL', 'CALLS', 'IN', 'OUT', 'COST'];
          ctx.stdout(`today (UTC)\n${today.length ? formatTable(headers, rows(today)) : 'no model calls today\n'}`);
          const total = period.reduce((s, r) => s + r.cost, 0);
          ctx.stdout(
            `\nlast ${days} day(s): total cost ${total.toFixed(4)}\n${period.length ? formatTable(headers, rows(period)) : 'no model calls\n'}`,
          );
        } finally {
          await stores.close();
        }
      }),
    );
}
