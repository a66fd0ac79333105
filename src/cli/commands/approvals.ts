/**
 * `bulwark approvals list|show|approve|deny|watch`: the operator side of L13, talking to the running
 * daemon's /v1/approvals API with an admin token. `show` prints the full effect the decision is
 * bound to: argv, cwd, env names, network grants and the file diff for writes.
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { adminConnection, daemonJson } from '../daemon-status.js';
import { action, fail, formatTable, printJson, terminalSafe } from '../output.js';

interface ConnOptions {
  url?: string;
  token?: string;
  json?: boolean;
  reason?: string;
}

interface ApprovalJson {
  id: string;
  status: string;
  effectHash: string;
  createdAt: string;
  expiresAt: string;
  waiters: number;
  decision?: string;
  source?: string;
  by?: string;
  reason?: string;
  view: {
    tool: string;
    classes: string[];
    reasons: string[];
    agentId: string;
    sessionId: string;
    cwd: string;
    network: { mode: string; grants: string[] };
    args: string;
    argv?: string[][];
    envNames?: string[];
    diff?: string;
  };
}

function call(ctx: CliContext, opts: ConnOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
  const { url, token } = adminConnection(ctx, opts);
  return daemonJson(url, token, `/v1/approvals${path}`, { method, ...(body !== undefined ? { body } : {}), forbiddenHint: 'the approvals API needs a token with the admin scope' });
}

function summary(a: ApprovalJson): string {
  const s = a.view.argv && a.view.argv.length > 0 ? a.view.argv.map((argv) => argv.join(' ')).join(' ; ') : a.view.args;
  return s.length > 70 ? `${s.slice(0, 69)}…` : s;
}

/** Terminal control characters in model-chosen text could repaint the operator's screen: show them escaped. */
const safe = terminalSafe;

export function renderApproval(a: ApprovalJson): string {
  const v = a.view;
  const lines = [
    `approval   ${a.id}  (${a.status}${a.decision ? `: ${a.decision} by ${a.by ?? a.source ?? '?'}` : ''})`,
    `tool       ${v.tool}`,
    `classes    ${v.classes.join(', ')}`,
    `why        ${v.reasons.map(safe).join('; ')}`,
    `agent      ${v.agentId}   session ${v.sessionId}`,
    `cwd        ${safe(v.cwd)}`,
    `network    ${v.network.mode}${v.network.grants.length ? ` (grants: ${v.network.grants.join(', ')})` : ''}`,
  ];
  if (v.argv) for (const [i, argv] of v.argv.entries()) lines.push(`argv[${i}]    ${JSON.stringify(argv.map(safe))}`);
  if (v.envNames && v.envNames.length > 0) lines.push(`env names  ${v.envNames.map(safe).join(', ')}`);
  lines.push(`arguments  ${safe(v.args)}`);
  lines.push(`effect     sha256:${a.effectHash}`);
  lines.push(`waiting    ${a.waiters} call(s); expires ${a.expiresAt}`);
  if (v.diff) lines.push('diff', ...v.diff.split('\n').map((l) => `  ${safe(l)}`));
  return lines.join('\n') + '\n';
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program.command('approvals').description('review and decide pending tool approvals (L13) on a running daemon');
  const conn = (c: Command): Command =>
    c
      .option('--url <url>', 'daemon URL (default: from server.host/server.port in config.yaml)')
      .option('--token <token>', 'admin API token (prefer the BULWARK_TOKEN environment variable)')
      .option('--json', 'print JSON');

  conn(cmd.command('list').description('list pending approvals')).action(
    action(ctx, async (opts: ConnOptions) => {
      const out = (await call(ctx, opts, 'GET', '')) as { data: ApprovalJson[] };
      if (opts.json) return printJson(ctx, out.data);
      if (out.data.length === 0) return ctx.stdout('no pending approvals\n');
      ctx.stdout(formatTable(['ID', 'AGENT', 'TOOL', 'CLASSES', 'WAITING', 'EXPIRES', 'EFFECT'], out.data.map((a) => [a.id, a.view.agentId, a.view.tool, a.view.classes.join(','), String(a.waiters), a.expiresAt, safe(summary(a))])));
    }),
  );

  conn(cmd.command('show <id>').description('show the full effect of one approval: argv, cwd, env names, network grants, diff')).action(
    action(ctx, async (id: string, opts: ConnOptions) => {
      const a = (await call(ctx, opts, 'GET', `/${encodeURIComponent(id)}`)) as ApprovalJson;
      if (opts.json) return printJson(ctx, a);
      ctx.stdout(renderApproval(a));
    }),
  );

  for (const decision of ['approve', 'deny'] as const) {
    conn(cmd.command(`${decision} <id>`).description(`${decision} one pending request (it is bound to the exact effect shown by \`show\`)`))
      .option('--reason <text>', 'note recorded in the audit log')
      .action(
        action(ctx, async (id: string, opts: ConnOptions) => {
          const a = (await call(ctx, opts, 'POST', `/${encodeURIComponent(id)}/${decision}`, opts.reason ? { reason: opts.reason } : {})) as ApprovalJson;
          if (opts.json) return printJson(ctx, a);
          ctx.stdout(`${a.id}: ${a.decision === 'approve' ? 'approved' : 'denied'} (${a.waiters} waiting call(s) released)\n`);
        }),
      );
  }

  conn(cmd.command('watch').description('print each new approval request as it arrives (server-sent events)')).action(
    action(ctx, async (opts: ConnOptions) => {
      const { url, token } = adminConnection(ctx, opts);
      const res = await fetch(`${url}/v1/approvals/stream`, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } });
      if (!res.ok || !res.body) return fail(ctx, `the daemon answered ${res.status} on the approval stream`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trimStart()).join('\n');
          if (!data) continue;
          const a = JSON.parse(data) as ApprovalJson;
          if (opts.json) ctx.stdout(JSON.stringify(a) + '\n');
          else ctx.stdout(renderApproval(a) + '\n');
        }
      }
    }),
  );
}
