/**
 * `bulwark supply update --from DIR|FILE|ZIP` builds the local L25 advisory index from OSV exports (MAL- records) and
 * compromised-version lists; `bulwark supply check ECOSYSTEM NAME [VERSION] [--json]` asks it. Exit codes of
 * check: 0 clean, 2 refused (listed, typosquat, stale or missing index), 1 bad input.
 */
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { absoluteFrom } from '../../core/index.js';
import { updateIndex, DEFAULT_MAX_INDEX_AGE_DAYS, parsePackageSpec, screenPackage } from '../../supply/index.js';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';
import { action, fail } from '../output.js';

export function register(program: Command, ctx: CliContext): void {
  const supply = program
    .command('supply')
    .description('L25 malware screening: build the offline advisory index, check a package')
    .addHelpText('after', examples('bulwark supply update --from ./osv', 'bulwark supply check npm left-pad 1.3.0'));

  supply
    .command('update')
    .description('import OSV JSON records (MAL- ones) and compromised-version lists into the local index')
    .requiredOption(
      '--from <path>',
      'a folder of OSV JSON records (searched recursively), one .json/.csv file, or an OSV export zip (all.zip)',
    )
    .option('--ecosystem <name>', 'ecosystem of list files that do not name it (default npm)')
    .addHelpText(
      'after',
      examples('bulwark supply update --from ./malicious-packages/osv', 'bulwark supply update --from ./npm-all.zip'),
    )
    .action(
      action(ctx, (opts: { from: string; ecosystem?: string }) => {
        const r = updateIndex(ctx.dataDir, absoluteFrom(process.cwd(), opts.from), {
          ...(opts.ecosystem !== undefined ? { ecosystem: opts.ecosystem } : {}),
        });
        if (!r.ok) return fail(ctx, r.error);
        const last = r.value.sources[r.value.sources.length - 1];
        ctx.stdout(
          `imported ${last?.records ?? 0} records; the index holds ${Object.keys(r.value.entries).length} packages (built ${r.value.builtAt})\n`,
        );
      }),
    );

  supply
    .command('check')
    .description('whether a package may be started: pinned, in a fresh index, not listed, not a typosquat')
    .argument('<ecosystem>', 'npm or pypi')
    .argument('<name>', 'the package name')
    .argument('[version]', 'the exact version')
    .option('--json', 'print {"ecosystem","name","version","verdict","reason"}')
    .option(
      '--max-age-days <n>',
      `refuse when the index is older (default supply.maxIndexAgeDays, ${DEFAULT_MAX_INDEX_AGE_DAYS})`,
    )
    .addHelpText(
      'after',
      `\nExit code: 0 allowed, 2 refused, 1 bad input.\n${examples('bulwark supply check npm @modelcontextprotocol/server-memory 2026.8.31', 'bulwark supply check pypi requests 2.32.3 --json')}`,
    )
    .action(
      action(
        ctx,
        (
          ecosystem: string,
          name: string,
          version: string | undefined,
          opts: { json?: boolean; maxAgeDays?: string },
        ) => {
          const maxAge = opts.maxAgeDays === undefined ? undefined : Number(opts.maxAgeDays);
          if (maxAge !== undefined && !(maxAge >= 0))
            return fail(ctx, `--max-age-days must be a number of days, not "${opts.maxAgeDays}"`);
          const sep = ecosystem.toLowerCase() === 'pypi' ? '==' : '@';
          const spec = parsePackageSpec(ecosystem, version === undefined ? name : `${name}${sep}${version}`);
          if (!spec.ok && spec.error.code !== 'supply.unpinned') return fail(ctx, spec.error);
          const config = loadConfig(ctx.dataDir);
          if (!config.ok) return fail(ctx, config.error);
          const { allowNames, maxIndexAgeDays } = config.value.supply;
          const verdict = spec.ok
            ? screenPackage(ctx.dataDir, spec.value, { allowNames, maxIndexAgeDays: maxAge ?? maxIndexAgeDays })
            : spec;
          const out = {
            ecosystem: ecosystem.toLowerCase(),
            name,
            version: version ?? null,
            verdict: verdict.ok ? 'allow' : 'refuse',
            reason: verdict.ok ? 'pinned, not listed in a fresh index, no typosquat' : verdict.error.message,
          };
          if (opts.json) ctx.stdout(JSON.stringify(out) + '\n');
          else ctx.stdout(`${out.verdict}: ${out.reason}\n`);
          if (!verdict.ok) ctx.setExitCode(2);
        },
      ),
    );
}
