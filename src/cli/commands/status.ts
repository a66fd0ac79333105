/** `bulwark status`: the live state of a running daemon (layers, L22 breakers, L21 budgets, L13 queue) from GET /v1/status. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { fetchDaemonStatus, type DaemonStatusJson } from '../daemon-status.js';
import { action, formatTable, printJson, terminalSafe } from '../output.js';

interface StatusOptions {
  url?: string;
  token?: string;
  json?: boolean;
  timeout?: string;
}

function duration(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return d > 0 ? `${d}d ${h}h ${m}m` : h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
}

/** A budget limit: null in config means unlimited. */
function limit(value: unknown): string {
  return typeof value === 'number' ? String(value) : value === null ? 'unlimited' : '-';
}

export function renderStatus(s: DaemonStatusJson, url: string): string {
  const safe = (t: string): string => terminalSafe(t).replace(/\n/g, ' ');
  const out: string[] = [];
  out.push(
    `daemon     ${s.daemon.url ?? url}  (pid ${s.daemon.pid}, up ${duration(s.daemon.uptimeSeconds)} since ${s.daemon.startedAt})`,
  );
  out.push(
    `layers     ${s.summary.on} on, ${s.summary.degraded} degraded, ${s.summary.off} off, ${s.summary.absent} absent`,
  );
  out.push(
    `approvals  ${s.approvals.closed ? 'closed' : `${s.approvals.pending} pending`}, ${s.approvals.cachedApprovals} cached approvals, ${s.approvals.cachedDenials} cached denials`,
  );
  out.push('');
  out.push(
    formatTable(
      ['ID', 'NAME', 'STATE', 'REASON'],
      s.layers.map((l) => [l.id, l.name, l.state, safe(l.reason)]),
    ).trimEnd(),
  );
  out.push('');
  out.push('circuit breakers (L22)');
  if (s.breakers.length === 0) out.push('  no model called yet: no circuit');
  else {
    out.push(
      formatTable(
        ['PROVIDER/MODEL', 'STATE', 'FAILURES', 'OPENED', 'RETRY AT', 'TIMES OPENED', 'IN FLIGHT'],
        s.breakers.map((b) => [
          safe(b.key),
          b.state,
          String(b.consecutiveFailures),
          b.openedAt ?? '-',
          b.retryAt ?? '-',
          String(b.timesOpened),
          String(b.inflight),
        ]),
      ).trimEnd(),
    );
  }
  out.push('');
  out.push('token budgets (L21): used / limit');
  if (!s.budget) out.push('  no budget guard');
  else {
    const g = s.budget.global;
    const rows = [
      ['(global)', `${g.hour} / ${limit(g.budgets.perHour)}`, `${g.day} / ${limit(g.budgets.perDay)}`],
      ...s.budget.agents.map((a) => [
        safe(a.agentId),
        `${a.hour} / ${limit(a.budgets.perHour)}`,
        `${a.day} / ${limit(a.budgets.perDay)}`,
      ]),
    ];
    out.push(formatTable(['AGENT', 'LAST HOUR', 'LAST DAY'], rows).trimEnd());
    out.push(`  reserved for calls in flight: ${s.budget.inflight}`);
  }
  return out.join('\n') + '\n';
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description(
      'live state of the running daemon: layers, circuit breakers (L22), token budgets (L21), pending approvals (L13)',
    )
    .option('--url <url>', 'daemon URL (default: from server.host/server.port in config.yaml)')
    .option('--token <token>', 'admin API token (prefer the BULWARK_TOKEN environment variable)')
    .option('--timeout <ms>', 'how long to wait for the daemon', '5000')
    .option('--json', "print the daemon's JSON")
    .addHelpText(
      'after',
      `
Needs a running daemon (\`bulwark start\`) and a token with the admin scope.

Examples:
  $ BULWARK_TOKEN=bwk_... bulwark status
  $ bulwark status --json | jq '.breakers[] | select(.state != "closed")'`,
    )
    .action(
      action(ctx, async (opts: StatusOptions) => {
        const timeout = Number(opts.timeout ?? '5000');
        if (!Number.isInteger(timeout) || timeout < 1 || timeout > 600_000)
          throw new Error('--timeout must be a whole number of milliseconds between 1 and 600000');
        const { url, status } = await fetchDaemonStatus(
          ctx,
          { ...(opts.url ? { url: opts.url } : {}), ...(opts.token ? { token: opts.token } : {}) },
          timeout,
        );
        if (opts.json) return printJson(ctx, status);
        ctx.stdout(renderStatus(status, url));
      }),
    );
}
