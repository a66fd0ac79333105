/**
 * `bulwark layers`: the 27 defence layers and their state. With a token (--token or BULWARK_TOKEN)
 * it first asks the running daemon (GET /v1/status, short timeout) for the live states; otherwise,
 * or when no daemon answers, it shows the offline view computed from config and a probe of this host.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { fetchDaemonStatus, DaemonStatusError } from '../daemon-status.js';
import { daemonToken } from '../daemon-url.js';
import { action, fail, formatTable, printJson, terminalSafe } from '../output.js';
import type { CliServices } from '../program.js';

const LIVE_TIMEOUT_MS = 1500;

interface LayersOptions {
  json?: boolean;
  url?: string;
  token?: string;
  offline?: boolean;
  pipelines?: boolean;
}

interface GateRow {
  readonly id: string;
  readonly name: string;
  readonly state: string;
  readonly reason: string;
}

interface Row extends GateRow {
  readonly category: string;
  /** Numbered gates of the layer (`L11.2`, …); older daemons do not send them. */
  readonly gates?: readonly GateRow[];
}

/** One table row per layer, then one per numbered gate, indented under it. */
function tableRows(rows: readonly Row[]): string[][] {
  const out: string[][] = [];
  for (const l of rows) {
    out.push([l.id, l.name, l.category, l.state, terminalSafe(l.reason).replace(/\n/g, ' ')]);
    for (const g of l.gates ?? [])
      out.push([`  ${g.id}`, g.name, '', g.state, terminalSafe(g.reason).replace(/\n/g, ' ')]);
  }
  return out;
}

export function register(program: Command, ctx: CliContext, services: CliServices): void {
  program
    .command('layers')
    .description('list the 27 defence layers: id, name, category, state (on, off, degraded, absent) and why')
    .option('--json', 'print as JSON (which view it is goes to stderr)')
    .option('--url <url>', 'daemon URL for the live view (default: from server.host/server.port in config.yaml)')
    .option('--token <token>', 'admin API token for the live view (prefer the BULWARK_TOKEN environment variable)')
    .option('--offline', 'do not ask a running daemon; show the states computed from config and this host')
    .option('--pipelines', 'show, per boundary of a turn, the gates that run and their order (from config.yaml)')
    .addHelpText(
      'after',
      `
on: active; off: built but disabled by config; degraded: weaker on this host or right now
(e.g. an open circuit breaker); absent: not built yet.

With an admin token in BULWARK_TOKEN the running daemon's live states are shown; without one,
or when no daemon answers, the offline view from config.yaml and a probe of this host.

Examples:
  $ bulwark layers
  $ BULWARK_TOKEN=bwk_... bulwark layers          live view from the running daemon
  $ bulwark layers --json | jq '.[] | select(.state == "on")'
  $ bulwark layers --pipelines                   what runs, in which order, before a tool call`,
    )
    .action(
      action(ctx, async (opts: LayersOptions) => {
        if (opts.pipelines) {
          const view = services.layers(ctx.dataDir);
          if (!view.ok) return fail(ctx, view.error);
          if (opts.json) return printJson(ctx, view.value.pipelines);
          ctx.stdout('gates per boundary, in the order they run (from config.yaml):\n\n');
          for (const p of view.value.pipelines) {
            ctx.stdout(`${p.boundary}\n`);
            for (const [i, g] of p.gates.entries()) ctx.stdout(`  ${i + 1}. ${g.id.padEnd(6)} ${g.name}\n`);
          }
          return;
        }
        let rows: readonly Row[] | undefined;
        let source: string;
        if (!opts.offline && daemonToken(opts.token)) {
          try {
            const live = await fetchDaemonStatus(
              ctx,
              { ...(opts.url ? { url: opts.url } : {}), ...(opts.token ? { token: opts.token } : {}) },
              LIVE_TIMEOUT_MS,
            );
            rows = live.status.layers;
            source = `live view from the daemon at ${live.url}`;
          } catch (cause) {
            if (!(cause instanceof DaemonStatusError)) throw cause;
            source = `offline view (config and host probe): ${cause.message.split('\n')[0] ?? ''}`;
          }
        } else {
          source = opts.offline
            ? 'offline view (config and host probe)'
            : 'offline view (config and host probe; set BULWARK_TOKEN to an admin token for the live view)';
        }
        if (!rows) {
          const view = services.layers(ctx.dataDir);
          if (!view.ok) return fail(ctx, view.error);
          rows = view.value.layers;
        }
        if (opts.json) {
          ctx.stderr(`${source}\n`);
          return printJson(
            ctx,
            rows.map(({ id, name, category, state, reason, gates }) => ({
              id,
              name,
              category,
              state,
              reason,
              gates: (gates ?? []).map(({ id: gid, name: gname, state: gstate, reason: greason }) => ({
                id: gid,
                name: gname,
                state: gstate,
                reason: greason,
              })),
            })),
          );
        }
        ctx.stdout(`${source}\n\n`);
        ctx.stdout(formatTable(['ID', 'NAME', 'CATEGORY', 'STATE', 'REASON'], tableRows(rows)));
      }),
    );
}
