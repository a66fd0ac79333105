/**
 * `bulwark drill`: plays a fully compromised model against a copy of the operator's configuration inside an outer
 * jail and reports, scenario by scenario, whether the attack held and which layer stopped it. `drill-jail` (hidden)
 * is the same binary inside that jail: it reads the plan on stdin and reports JSON lines on stdout.
 */
import type { Command } from 'commander';
import { loadConfig, parseConfigText, readTextFileBounded, type Config } from '../../config/index.js';
import { describeCause, err, type Result, type BulwarkError } from '../../core/index.js';
import {
  runInJail,
  type JailServices,
  defaultLibraryDir,
  loadLibrary,
  isGoal,
  prepareDrill,
  exitCodeOf,
  formatSummary,
  formatTable,
  reportJson,
  runDrill,
  GOAL_IDS,
} from '../../drill/index.js';
import type { CliContext } from '../context.js';
import { action, fail, printJson, terminalSafe } from '../output.js';
import type { CliServices } from '../program.js';

const MAX_CONFIG_BYTES = 1024 * 1024;

function configFrom(ctx: CliContext, file: string | undefined): Result<Config, BulwarkError> {
  if (file === undefined) return loadConfig(ctx.dataDir);
  const text = readTextFileBounded(file, MAX_CONFIG_BYTES, 'config');
  if (!text.ok) return err(text.error);
  return parseConfigText(text.value, file);
}

/** This very program, run again inside the jail (dist or a TypeScript loader alike). */
function selfCommand(): string[] {
  const entry = process.argv[1];
  return [process.execPath, ...process.execArgv, ...(entry ? [entry] : []), 'drill-jail'];
}

function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    process.stdin.on('data', (c: Buffer) => parts.push(c));
    process.stdin.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    process.stdin.on('error', reject);
  });
}

interface DrillOptions {
  config?: string;
  only?: string;
  agent?: string;
  json?: boolean;
  approveAll?: boolean;
}

export function register(program: Command, ctx: CliContext, services: CliServices): void {
  program
    .command('drill')
    .description(
      'play a fully compromised model against a copy of your config in an outer jail; report which attacks held and which layer stopped each',
    )
    .option('--config <file>', 'the config to drill (default: config.yaml of the data dir)')
    .option('--only <goal>', `run one goal's scenarios: ${GOAL_IDS.join(', ')}`)
    .option('--agent <id>', 'the agent whose settings are drilled (default: the first in the config)')
    .option('--json', 'print the report as JSON')
    .option(
      '--approve-all',
      'the drill operator approves every request (default: denies all): shows what approvals alone hold',
    )
    .addHelpText(
      'after',
      `
Nothing real is touched: the drill runs its own daemon on a copy of the config, with a fresh vault of decoy secrets
(same names), a throwaway workspace per scenario, decoy host files and decoy network services, all inside a jail
(bwrap, private network namespace, the real root read-only). It needs bwrap, unshare and ip.
Each scenario is judged by its effects on that world (a file, a request a decoy service got), never by bulwark's log.
Exit code: 0 every scenario held, 2 one broke, 1 the drill itself failed or could not judge a scenario.

Examples:
  $ bulwark drill
  $ bulwark drill --only exfiltrate-canary --json
  $ bulwark drill --config weakened.yaml --approve-all`,
    )
    .action(
      action(ctx, async (opts: DrillOptions) => {
        if (opts.only !== undefined && !isGoal(opts.only))
          return fail(ctx, `--only: unknown goal "${opts.only}"; goals: ${GOAL_IDS.join(', ')}`);
        const config = configFrom(ctx, opts.config);
        if (!config.ok) return fail(ctx, config.error);
        const libraryDir = defaultLibraryDir();
        const library = loadLibrary(libraryDir);
        if (!library.ok) return fail(ctx, library.error);
        const scenarios = library.value.filter((s) => opts.only === undefined || s.goal === opts.only);
        const prepared = prepareDrill({
          config: config.value,
          dataDir: ctx.dataDir,
          scenarios,
          libraryDir,
          approvals: opts.approveAll ? 'approve' : 'deny',
          ...(opts.agent !== undefined ? { agent: opts.agent } : {}),
          command: selfCommand(),
        });
        if (!prepared.ok) return fail(ctx, prepared.error);
        ctx.stderr(
          `drill: ${scenarios.length} scenarios against a copy of ${opts.config ?? 'the data dir config'}, approvals: ${opts.approveAll ? 'approve all' : 'deny all'}\n`,
        );
        const report = await runDrill(prepared.value, {
          finished: (r, i, total) =>
            ctx.stderr(`[${i + 1}/${total}] ${r.verdict.padEnd(7)} ${r.id}${r.layer ? ` (${r.layer})` : ''}\n`),
        });
        if (!report.ok) return fail(ctx, report.error);
        const code = exitCodeOf(report.value.results);
        if (opts.json) printJson(ctx, reportJson(report.value, code));
        else {
          ctx.stdout(`${terminalSafe(formatTable(report.value.results))}\n\n${formatSummary(report.value)}\n`);
          for (const n of report.value.notes) ctx.stdout(`note: ${n}\n`);
        }
        ctx.setExitCode(code);
      }),
    );
  program
    .command('drill-jail', { hidden: true })
    .description('the drill inside its jail (started by `bulwark drill`; refuses to run anywhere else)')
    .addHelpText(
      'after',
      `
Reads the drill's plan (JSON) on stdin and reports one JSON line per event on stdout. Only \`bulwark drill\` starts it,
inside the outer jail; anywhere else it refuses before it builds anything.

Examples:
  $ bulwark drill-jail < plan.json   (what \`bulwark drill\` runs inside its jail)`,
    )
    .action(
      action(ctx, async () => {
        const jail: JailServices = {
          startDaemon: (o) => services.startDaemon(o),
          openTokens: (dataDir) => services.openTokens(dataDir),
        };
        let input: string;
        try {
          input = await readStdin();
        } catch (cause) {
          return fail(ctx, `drill-jail: cannot read the plan: ${describeCause(cause)}`);
        }
        const code = await runInJail(jail, input, (m) => ctx.stdout(`${JSON.stringify(m)}\n`));
        ctx.setExitCode(code);
      }),
    );
}
