/**
 * `bulwark approvals list|show|approve|deny|watch`: the operator side of L13, talking to the running
 * daemon's /v1/approvals API with an admin token. `show` prints the full effect the decision is
 * bound to: argv, cwd, env names, network grants and the file diff for writes; a decided request (also one an
 * earlier daemon recorded) comes from the approval history, its view as it was stored (redacted).
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { z } from 'zod';
import { describeCause } from '../../core/index.js';
import { askedBy, rankCommands } from '../../policy/index.js';
import { visibleText } from '../../text/index.js';
import { adminConnection, daemonJson, DaemonStatusError } from '../daemon-status.js';
import { action, fail, formatTable, printJson, terminalSafe } from '../output.js';
import { examples } from '../help.js';
import { registerGrants } from './approval-grants.js';

interface ConnOptions {
  for?: string;
  url?: string;
  token?: string;
  json?: boolean;
  reason?: string;
  effect?: string;
  all?: boolean;
  limit?: string;
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
  resolvedAt?: string;
  view: {
    /** The gate that asks, when it is not L13 itself (e.g. L11.7, a host-executed file). */
    layer?: string;
    caller?: { kind: string; id: string; owner: boolean; label?: string };
    tool: string;
    classes: string[];
    reasons: string[];
    agentId: string;
    sessionId: string;
    cwd: string;
    network: { mode: string; grants: string[] };
    args: string;
    argv?: string[][];
    argvClasses?: string[][];
    asks?: string[];
    envNames?: string[];
    diff?: string;
    reason?: string;
    effects?: Array<{
      path: string;
      change: string;
      from?: string;
      bytes: number;
      diff?: string;
      sha256?: string;
      hostRuns?: string;
    }>;
    effectsTotal?: number;
  };
}

function call(
  ctx: CliContext,
  opts: ConnOptions,
  method: 'GET' | 'POST',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const { url, token } = adminConnection(ctx, opts);
  return daemonJson(url, token, `/v1/approvals${path}`, {
    method,
    ...(body !== undefined ? { body } : {}),
    forbiddenHint: 'the approvals API needs a token with the admin scope',
  });
}

/** One line for a table: the commands that made it ask first, so a cut at 70 characters cannot hide them. */
function summary(a: ApprovalJson): string {
  const commands = rankCommands(a.view);
  const s = commands.length > 0 ? commands.map((c) => c.argv.join(' ')).join(' ; ') : a.view.args;
  return s.length > 70 ? `${s.slice(0, 69)}…` : s;
}

/**
 * Terminal control characters in model-chosen text could repaint the operator's screen, bidi overrides and invisible
 * characters could make it read as something else: all shown escaped, as on every approval surface.
 */
const safe = visibleText;

export function renderApproval(a: ApprovalJson): string {
  const v = a.view;
  const lines = [
    `approval   ${a.id}  (${a.status}${a.decision ? `: ${a.decision} by ${a.by ?? a.source ?? '?'}` : ''})`,
    ...(v.layer ? [`gate       ${v.layer}${v.reason ? `: ${safe(v.reason)}` : ''}`] : []),
    `asked by   ${safe(askedBy(v.caller))}`,
    `tool       ${v.tool}`,
    `classes    ${v.classes.join(', ')}${v.asks?.length ? ` (asks for: ${v.asks.join(', ')})` : ''}`,
    `why        ${v.reasons.map(safe).join('; ')}`,
    `agent      ${v.agentId}   session ${v.sessionId}`,
    `cwd        ${safe(v.cwd)}`,
    `network    ${v.network.mode}${v.network.grants.length ? ` (grants: ${safe(v.network.grants.join(', '))})` : ''}`,
  ];
  // What made it ask comes first, each with the classes it added; the index is its place in the command line.
  for (const c of rankCommands(v))
    lines.push(
      `${`argv[${c.index}]`.padEnd(10)} ${JSON.stringify(c.argv.map(safe))}${c.asks && c.classes.length ? `  <- ${c.classes.join(', ')}` : ''}`,
    );
  if (v.envNames && v.envNames.length > 0) lines.push(`env names  ${v.envNames.map(safe).join(', ')}`);
  lines.push(`arguments  ${safe(v.args)}`);
  lines.push(`effect     sha256:${a.effectHash}`);
  if (a.status === 'pending') lines.push(`waiting    ${a.waiters} call(s); expires ${a.expiresAt}`);
  else
    lines.push(
      `decided    ${a.status}${a.resolvedAt ? ` at ${a.resolvedAt}` : ''}${a.reason ? `: ${safe(a.reason)}` : ''}`,
    );
  if (v.diff) lines.push('diff', ...v.diff.split('\n').map((l) => `  ${safe(l)}`));
  const total = v.effectsTotal ?? v.effects?.length ?? 0;
  if (v.effects?.length)
    lines.push(
      total > v.effects.length
        ? `changes    ${v.effects.length} of ${total} shown; the effect hash covers all ${total}`
        : 'changes',
    );
  for (const e of v.effects ?? []) {
    lines.push(
      `  ${e.change.padEnd(8)} ${safe(e.path)}${e.from ? ` (from ${safe(e.from)})` : ''}${e.bytes ? ` ${e.bytes} bytes` : ''}`,
    );
    if (e.hostRuns)
      lines.push(`      the host runs it: ${safe(e.hostRuns)}${e.sha256 ? `; sha256 ${safe(e.sha256)}` : ''}`);
    if (e.diff) lines.push(...e.diff.split('\n').map((l) => `      ${safe(l)}`));
  }
  return lines.join('\n') + '\n';
}

export function register(program: Command, ctx: CliContext): void {
  const cmd = program
    .command('approvals')
    .description('review and decide pending tool approvals (L13) on a running daemon')
    .addHelpText(
      'after',
      `
Needs a running daemon and a token with the admin scope (BULWARK_TOKEN).
${examples('bulwark approvals list', 'bulwark approvals show apr_0123456789abcdef', 'bulwark approvals approve apr_0123456789abcdef --reason "checked the diff"', 'bulwark approvals watch --json')}`,
    );
  const conn = (c: Command): Command =>
    c
      .option('--url <url>', 'daemon URL (default: from server.host/server.port in config.yaml)')
      .option('--token <token>', 'admin API token (prefer the BULWARK_TOKEN environment variable)')
      .option('--json', 'print JSON');

  registerGrants(cmd, ctx, conn);

  conn(
    cmd
      .command('list')
      .description('list pending approvals (--all: the recorded history, newest first)')
      .addHelpText(
        'after',
        examples('bulwark approvals list', 'bulwark approvals list --all --limit 20', 'bulwark approvals list --json'),
      ),
  )
    .option('--all', 'every recorded request with its status, decided ones too')
    .option('--limit <n>', 'with --all: how many (1-500)', '50')
    .action(
      action(ctx, async (opts: ConnOptions) => {
        if (opts.all) {
          const limit = Number(opts.limit ?? '50');
          if (!Number.isInteger(limit) || limit < 1 || limit > 500)
            return fail(ctx, '--limit must be a whole number from 1 to 500');
          const page = (await call(ctx, opts, 'GET', `/history?limit=${limit}`)) as { data: ApprovalJson[] };
          if (opts.json) return printJson(ctx, page.data);
          if (page.data.length === 0) return ctx.stdout('no approval requests recorded\n');
          return ctx.stdout(
            formatTable(
              ['ID', 'STATUS', 'AGENT', 'TOOL', 'CREATED', 'BY', 'EFFECT'],
              page.data.map((a) => [
                a.id,
                a.status,
                a.view.agentId,
                a.view.tool,
                a.createdAt,
                safe(a.by ?? a.source ?? ''),
                safe(summary(a)),
              ]),
            ),
          );
        }
        const out = (await call(ctx, opts, 'GET', '')) as { data: ApprovalJson[] };
        if (opts.json) return printJson(ctx, out.data);
        if (out.data.length === 0) return ctx.stdout('no pending approvals\n');
        ctx.stdout(
          formatTable(
            ['ID', 'AGENT', 'ASKED BY', 'TOOL', 'CLASSES', 'WAITING', 'EXPIRES', 'EFFECT'],
            out.data.map((a) => [
              a.id,
              a.view.agentId,
              safe(askedBy(a.view.caller)),
              a.view.tool,
              a.view.classes.join(','),
              String(a.waiters),
              a.expiresAt,
              safe(summary(a)),
            ]),
          ),
        );
      }),
    );

  conn(
    cmd
      .command('show <id>')
      .description('show the full effect of one approval: argv, cwd, env names, network grants, diff')
      .addHelpText('after', examples('bulwark approvals show apr_0123456789abcdef')),
  ).action(
    action(ctx, async (id: string, opts: ConnOptions) => {
      const a = (await call(ctx, opts, 'GET', `/${encodeURIComponent(id)}`)) as ApprovalJson;
      if (opts.json) return printJson(ctx, a);
      ctx.stdout(renderApproval(a));
    }),
  );

  for (const decision of ['approve', 'deny'] as const) {
    const command = conn(
      cmd
        .command(`${decision} <id>`)
        .description(`${decision} one pending request (it is bound to the exact effect shown by \`show\`)`)
        .addHelpText(
          'after',
          examples(`bulwark approvals ${decision} apr_0123456789abcdef --reason "reviewed the command"`),
        ),
    )
      .option('--reason <text>', 'note recorded in the audit log')
      .option(
        '--effect <sha256>',
        'the effect hash you reviewed (default: the request is shown, then decided on its hash)',
      );
    if (decision === 'approve')
      command.option(
        '--for <minutes>',
        "also grant this request's own scope (its program, hosts or file) for N minutes",
      );
    command.action(
      action(ctx, async (id: string, opts: ConnOptions) => {
        // A decision names the exact effect the operator saw; the daemon refuses it when the request has another.
        let effectHash = opts.effect;
        if (effectHash === undefined) {
          const shown = (await call(ctx, opts, 'GET', `/${encodeURIComponent(id)}`)) as ApprovalJson;
          if (!opts.json) ctx.stdout(renderApproval(shown));
          effectHash = shown.effectHash;
        }
        if (opts.for !== undefined) {
          const minutes = Number(opts.for);
          if (decision !== 'approve' || !Number.isInteger(minutes) || minutes < 1)
            return fail(ctx, '--for takes a whole number of minutes and works with approve only');
          const r = (await call(ctx, opts, 'POST', `/${encodeURIComponent(id)}/grant`, {
            effectHash,
            minutes,
            ...(opts.reason ? { reason: opts.reason } : {}),
          })) as { approval: ApprovalJson; grant?: { id: string; expiresAt: string }; grantError?: string };
          if (opts.json) return printJson(ctx, r);
          ctx.stdout(
            `${r.approval.id}: approved; ${r.grant ? `grant ${r.grant.id} until ${r.grant.expiresAt}` : `no grant: ${r.grantError ?? '?'}`}\n`,
          );
          return;
        }
        const a = (await call(ctx, opts, 'POST', `/${encodeURIComponent(id)}/${decision}`, {
          effectHash,
          ...(opts.reason ? { reason: opts.reason } : {}),
        })) as ApprovalJson;
        if (opts.json) return printJson(ctx, a);
        ctx.stdout(
          `${a.id}: ${a.decision === 'approve' ? 'approved' : 'denied'} (${a.waiters} waiting call(s) released)\n`,
        );
      }),
    );
  }

  conn(
    cmd
      .command('watch')
      .description('print each new approval request as it arrives (server-sent events)')
      .addHelpText('after', examples('bulwark approvals watch', 'bulwark approvals watch --json | jq .view.tool')),
  ).action(
    action(ctx, async (opts: ConnOptions) => {
      const { url, token } = adminConnection(ctx, opts);
      await watchApprovals(ctx, url, token, opts.json === true);
    }),
  );
}

/** A frame larger than this without a blank line is not an approval event: the watch stops instead of buffering it. */
const MAX_SSE_FRAME = 1024 * 1024;

const str = z.string().max(1_000_000);
/** What renderApproval reads; anything else in the event is kept but not needed. */
const ApprovalEvent = z.looseObject({
  id: str,
  status: str,
  effectHash: str,
  createdAt: str,
  expiresAt: str,
  waiters: z.number(),
  decision: str.optional(),
  source: str.optional(),
  by: str.optional(),
  reason: str.optional(),
  view: z.looseObject({
    layer: str.optional(),
    tool: str,
    classes: z.array(str),
    reasons: z.array(str),
    agentId: str,
    sessionId: str,
    cwd: str,
    network: z.looseObject({ mode: str, grants: z.array(str) }),
    args: str,
    argv: z.array(z.array(str)).optional(),
    envNames: z.array(str).optional(),
    diff: str.optional(),
  }),
});

/** One SSE frame's event name and data (data lines joined by \n); undefined for comments and empty frames. */
export function parseSseFrame(frame: string): { event: string; data: string } | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const raw of frame.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  return data.length === 0 ? undefined : { event, data: data.join('\n') };
}

/** Why one approval event cannot be shown, or the event. */
export function parseApprovalEvent(data: string): { ok: true; value: ApprovalJson } | { ok: false; problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch (cause) {
    return { ok: false, problem: `its data is not JSON (${describeCause(cause).slice(0, 120)})` };
  }
  const parsed = ApprovalEvent.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      problem: `it is not an approval (${issue ? `${issue.path.join('.') || '(event)'}: ${issue.message}` : 'wrong shape'})`,
    };
  }
  return { ok: true, value: parsed.data as ApprovalJson };
}

/**
 * Follows GET /v1/approvals/stream until the daemon closes it. A malformed event is reported on stderr and
 * skipped; a lost connection, a refused stream or an oversized frame ends the watch with exit code 1.
 */
export async function watchApprovals(
  ctx: CliContext,
  url: string,
  token: string,
  json: boolean,
  signal?: AbortSignal,
): Promise<void> {
  let res: Response;
  try {
    res = await fetch(`${url}/v1/approvals/stream`, {
      headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' },
      ...(signal ? { signal } : {}),
    });
  } catch (cause) {
    throw new DaemonStatusError(
      `cannot reach the daemon at ${url} (${describeCause(cause instanceof Error && cause.cause ? cause.cause : cause)}): is \`bulwark start\` running? (use --url for another address)`,
      'unreachable',
    );
  }
  if (!res.ok || !res.body) {
    const text = await res.text().catch((cause: unknown) => `(body unreadable: ${describeCause(cause)})`);
    let message = '';
    try {
      const m = (JSON.parse(text) as { error?: { message?: unknown } } | null)?.error?.message;
      if (typeof m === 'string') message = `: ${terminalSafe(m.slice(0, 500))}`;
    } catch {
      message = ' (with a body that is not JSON)';
    }
    const hint = res.status === 403 ? ' (the approvals API needs a token with the admin scope)' : '';
    return fail(ctx, `the daemon at ${url} answered ${res.status} on the approval stream${message}${hint}`);
  }
  const type = res.headers.get('content-type') ?? '';
  if (!/^text\/event-stream\b/i.test(type)) {
    await res.body
      .cancel()
      .catch((cause: unknown) => ctx.stderr(`bulwark: could not close the response: ${describeCause(cause)}\n`));
    return fail(
      ctx,
      `the daemon at ${url} answered the approval stream with ${type ? `content type ${terminalSafe(type.slice(0, 100))}` : 'no content type'}, not text/event-stream (is this a bulwark daemon?)`,
    );
  }
  const decoder = new TextDecoder();
  let buffer = '';
  // Only the new text is normalised and searched (a frame may arrive in many small chunks): CRLF and lone
  // CR end lines too (SSE), including a CRLF cut between two chunks.
  let afterCR = false;
  let searchFrom = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      let text = decoder.decode(chunk, { stream: true });
      if (afterCR && text.length > 0) {
        if (text.startsWith('\n')) text = text.slice(1);
        afterCR = false;
      }
      if (text.length > 0) afterCR = text.endsWith('\r');
      buffer += text.replace(/\r\n?/g, '\n');
      let end: number;
      while ((end = buffer.indexOf('\n\n', searchFrom)) >= 0) {
        const frame = parseSseFrame(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
        searchFrom = 0;
        if (!frame || frame.event !== 'approval') continue;
        const a = parseApprovalEvent(frame.data);
        if (!a.ok) {
          ctx.stderr(`bulwark: skipped an approval event from ${url}: ${terminalSafe(a.problem)}; still watching\n`);
          continue;
        }
        // The whole event came over the wire: no field of it may drive the terminal.
        ctx.stdout(json ? JSON.stringify(a.value) + '\n' : terminalSafe(renderApproval(a.value)) + '\n');
      }
      searchFrom = Math.max(0, buffer.length - 1);
      if (buffer.length > MAX_SSE_FRAME) {
        await res.body
          .cancel()
          .catch((cause: unknown) => ctx.stderr(`bulwark: could not close the stream: ${describeCause(cause)}\n`));
        return fail(
          ctx,
          `the daemon at ${url} sent an approval stream frame larger than ${MAX_SSE_FRAME} bytes; stopped watching`,
        );
      }
    }
  } catch (cause) {
    if (signal?.aborted) return;
    return fail(
      ctx,
      `lost the approval stream from ${url}: ${describeCause(cause instanceof Error && cause.cause ? cause.cause : cause)}`,
    );
  }
  if (signal?.aborted) return;
  fail(ctx, `the daemon at ${url} closed the approval stream (stopped or restarted?); run the watch again to resume`);
}
