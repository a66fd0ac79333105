/**
 * `bulwark approvals grants [list|add|revoke]`: scoped, expiring grants (L13) on a running daemon. A grant lets an
 * agent's effects within its scope — egress to named hosts, file writes under a workspace glob, commands of one
 * program (never destructive ones) — run without a prompt for a number of minutes, optionally in one session only.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { adminConnection, daemonJson } from '../daemon-status.js';
import { examples } from '../help.js';
import { action, fail, formatTable, printJson, terminalSafe } from '../output.js';

interface ConnOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

interface GrantJson {
  id: string;
  agentId: string;
  sessionId?: string;
  scope: { hosts?: string[]; paths?: string[]; executable?: string };
  by: string;
  createdAt: string;
  expiresAt: string;
  uses: number;
  reason?: string;
}

interface AddOptions extends ConnOptions {
  agent: string;
  session?: string;
  host: string[];
  path: string[];
  exec?: string;
  minutes: string;
  reason?: string;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function scopeText(g: GrantJson): string {
  const s = g.scope;
  return [
    ...(s.executable ? [`exec ${s.executable}`] : []),
    ...(s.hosts ? [`egress ${s.hosts.join(',')}`] : []),
    ...(s.paths ? [`paths ${s.paths.join(',')}`] : []),
  ].join('; ');
}

function grantsCall(
  ctx: CliContext,
  opts: ConnOptions,
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
) {
  const { url, token } = adminConnection(ctx, opts);
  return daemonJson(url, token, `/v1/approvals/grants${path}`, {
    method,
    ...(body !== undefined ? { body } : {}),
    forbiddenHint: 'grants need a token with the admin scope',
  });
}

export function registerGrants(approvals: Command, ctx: CliContext, conn: (c: Command) => Command): void {
  const grants = approvals
    .command('grants')
    .description('scoped, expiring grants: list (default), add, revoke')
    .addHelpText(
      'after',
      `
A grant never covers credential or configuration effects, host-executed files, dot paths (.git, .github …) or
destructive commands (git clean, rm -rf …): those are always asked.
${examples(
  'bulwark approvals grants',
  'bulwark approvals grants add --agent default --exec git --minutes 10',
  'bulwark approvals grants add --agent default --host github.com --minutes 10 --reason "push the fix"',
  'bulwark approvals grants add --agent default --path "src/**" --session ses_0123 --minutes 30',
  'bulwark approvals grants revoke grt_0123456789abcdef01234567',
)}`,
    );
  const list = async (opts: ConnOptions) => {
    const out = (await grantsCall(ctx, opts, 'GET', '')) as { data: GrantJson[] };
    if (opts.json) return printJson(ctx, out.data);
    if (out.data.length === 0) return ctx.stdout('no live grants\n');
    ctx.stdout(
      formatTable(
        ['ID', 'AGENT', 'SESSION', 'SCOPE', 'EXPIRES', 'USES', 'BY'],
        out.data.map((g) => [
          g.id,
          g.agentId,
          g.sessionId ?? '(any)',
          terminalSafe(scopeText(g)),
          g.expiresAt,
          String(g.uses),
          terminalSafe(g.by),
        ]),
      ),
    );
  };
  conn(
    grants
      .command('list', { isDefault: true })
      .description('live grants (the default)')
      .addHelpText('after', examples('bulwark approvals grants list', 'bulwark approvals grants list --json')),
  ).action(action(ctx, list));
  conn(
    grants
      .command('add')
      .description('grant a scope of effects for some minutes (an operator decision, audited)')
      .addHelpText(
        'after',
        examples(
          'bulwark approvals grants add --agent default --exec git --host github.com --minutes 10',
          'bulwark approvals grants add --agent default --path "src/**" --session ses_0123 --minutes 30',
        ),
      ),
  )
    .requiredOption('--agent <id>', 'the agent it applies to')
    .option('--session <id>', 'only this session (default: every session of the agent)')
    .option('--host <name>', 'egress to this host (repeat; *.example.com for its subdomains)', collect, [] as string[])
    .option('--path <glob>', 'file writes under this workspace-relative glob (repeat)', collect, [] as string[])
    .option('--exec <program>', 'commands of this program, inside the workspace, not destructive')
    .requiredOption('--minutes <n>', 'how long it lives (1-1440)')
    .option('--reason <text>', 'note recorded in the audit log')
    .action(
      action(ctx, async (opts: AddOptions) => {
        const minutes = Number(opts.minutes);
        if (!Number.isInteger(minutes) || minutes < 1 || minutes > 1440)
          return fail(ctx, '--minutes must be a whole number from 1 to 1440');
        if (opts.host.length === 0 && opts.path.length === 0 && opts.exec === undefined)
          return fail(ctx, 'name a scope: --host, --path or --exec (one or more)');
        const g = (await grantsCall(ctx, opts, 'POST', '', {
          agent: opts.agent,
          minutes,
          ...(opts.session !== undefined ? { session: opts.session } : {}),
          ...(opts.host.length > 0 ? { hosts: opts.host } : {}),
          ...(opts.path.length > 0 ? { paths: opts.path } : {}),
          ...(opts.exec !== undefined ? { exec: opts.exec } : {}),
          ...(opts.reason !== undefined ? { reason: opts.reason } : {}),
        })) as GrantJson;
        if (opts.json) return printJson(ctx, g);
        ctx.stdout(`${g.id}: ${terminalSafe(scopeText(g))} for agent ${g.agentId} until ${g.expiresAt}\n`);
      }),
    );
  conn(
    grants
      .command('revoke <id>')
      .description('revoke a grant at once')
      .addHelpText('after', examples('bulwark approvals grants revoke grt_0123456789abcdef01234567')),
  ).action(
    action(ctx, async (id: string, opts: ConnOptions) => {
      const g = (await grantsCall(ctx, opts, 'DELETE', `/${encodeURIComponent(id)}`)) as GrantJson;
      if (opts.json) return printJson(ctx, g);
      ctx.stdout(`${g.id}: revoked (${terminalSafe(scopeText(g))}; used ${g.uses} time(s))\n`);
    }),
  );
}
