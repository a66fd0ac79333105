/**
 * `bulwark mcp add|list|remove|scan|approve`: MCP tool servers. `add` writes a server into config.yaml (checked
 * like every config edit: a bad entry changes nothing); `scan` starts it the way the daemon would (stdio inside
 * the exec sandbox, package servers after L25, HTTP through L10) and prints each tool's L24 verdict; `approve`
 * does the same and pins the definitions of the tools that pass, so the daemon offers them (after a restart) and
 * disables any that later change. Exit codes of scan and approve: 0 every tool passed, 2 some were refused, 1 error.
 */
import type { Command } from 'commander';
import { isMap, isSeq, type Document } from 'yaml';
import { absoluteFrom } from '../../core/index.js';
import { ACTION_CLASSES, loadConfig, McpServerSchema, type McpServerConfig } from '../../config/index.js';
import type { ServerReview } from '../../supply/index.js';
import { editConfig } from '../config-edit.js';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';
import { action, fail, formatTable, printJson, terminalSafe } from '../output.js';
import type { CliServices } from '../program.js';

interface AddOptions {
  url?: string;
  package?: string;
  packageDir?: string;
  actionClass?: string;
  readOnly?: string[];
  env?: string[];
  workspace?: string;
  timeoutMs?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function kindOf(s: McpServerConfig): string {
  return s.url !== undefined ? 'http' : s.package !== undefined ? 'package' : 'stdio';
}

function targetOf(s: McpServerConfig): string {
  return s.url ?? s.package ?? [s.command ?? '', ...s.args].join(' ');
}

/** The server entry as the operator gave it, or the problem with it. */
function entryFrom(name: string, command: readonly string[], opts: AddOptions): Record<string, unknown> | string {
  const entry: Record<string, unknown> = { name };
  const [program, ...args] = command;
  if (program !== undefined) entry.command = program;
  if (args.length) entry.args = args;
  if (opts.url !== undefined) entry.url = opts.url;
  if (opts.package !== undefined) entry.package = opts.package;
  if (opts.packageDir !== undefined) entry.packageDir = absoluteFrom(process.cwd(), opts.packageDir);
  if (opts.actionClass !== undefined) entry.actionClass = opts.actionClass;
  if (opts.workspace !== undefined) entry.workspace = opts.workspace;
  if (opts.readOnly?.length) entry.readOnlyPaths = opts.readOnly.map((p) => absoluteFrom(process.cwd(), p));
  if (opts.timeoutMs !== undefined) {
    const n = Number(opts.timeoutMs);
    if (!Number.isInteger(n)) return `--timeout-ms must be a whole number of milliseconds, not "${opts.timeoutMs}"`;
    entry.timeoutMs = n;
  }
  if (opts.env?.length) {
    const env: Record<string, string> = {};
    for (const kv of opts.env) {
      const eq = kv.indexOf('=');
      if (eq <= 0) return `--env takes KEY=VALUE, not "${kv}"`;
      env[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    entry.env = env;
  }
  const parsed = McpServerSchema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    return `MCP server "${name}" is not valid: ${where}${issue?.message ?? 'invalid'}; nothing was changed`;
  }
  return entry;
}

function serversSeq(doc: Document): ReturnType<Document['getIn']> {
  return doc.getIn(['mcp', 'servers']);
}

function printReview(ctx: CliContext, review: ServerReview): void {
  if (review.checked.length) ctx.stdout(`L25: ${review.checked.length} packages checked against the advisory index\n`);
  ctx.stdout(
    formatTable(
      ['tool', 'exposed as', 'scan', 'state'],
      review.tools.map((t) => [
        terminalSafe(t.definition.name).slice(0, 64),
        terminalSafe(t.state.exposed).slice(0, 80),
        t.scan.verdict,
        t.state.status === 'enabled' ? 'ok' : `refused: ${terminalSafe(t.state.error.message).slice(0, 160)}`,
      ]),
    ),
  );
  for (const t of review.tools)
    for (const f of t.scan.findings)
      ctx.stdout(terminalSafe(`  ${f.severity.padEnd(8)} ${f.rule} ${f.file} — ${f.reason}\n    ${f.excerpt}\n`));
}

function reviewJson(review: ServerReview): unknown {
  return {
    server: review.server,
    checkedPackages: review.checked,
    tools: review.tools.map((t) => ({
      name: t.definition.name,
      exposed: t.state.exposed,
      verdict: t.scan.verdict,
      state: t.state.status,
      pin: t.pin,
      ...(t.state.status === 'refused' ? { reason: t.state.error.message, code: t.state.error.code } : {}),
      findings: t.scan.findings.map((f) => ({ rule: f.rule, severity: f.severity, file: f.file, line: f.line })),
    })),
  };
}

export function register(program: Command, ctx: CliContext, services: CliServices): void {
  const mcp = program
    .command('mcp')
    .description('MCP tool servers: add to config, scan and approve their tools (L24 pins), list, remove')
    .addHelpText(
      'after',
      examples(
        'bulwark mcp add notes -- /usr/bin/node /opt/mcp/notes/server.js',
        'bulwark mcp approve notes',
        'bulwark mcp list',
      ),
    );

  mcp
    .command('add')
    .description('add a server to config.yaml: a command (stdio, sandboxed), a pinned npm package, or an HTTP URL')
    .argument('<name>', 'server name: letters, digits and - (its tools appear as <name>__<tool>)')
    .argument('[command...]', 'stdio: the program and its arguments, after --')
    .option('--url <url>', 'an HTTP (streamable) MCP endpoint, fetched through L10')
    .option(
      '--package <name@x.y.z>',
      'a pinned npm package whose bin is the server: bulwark installs it (scripts off, sandboxed, through the broker to supply.registry); L25 screens its tree',
    )
    .option(
      '--package-dir <dir>',
      'optional: a tree of that package you installed yourself (package-lock.json, node_modules) instead',
    )
    .option('--action-class <class>', `L27 class of its tools: ${ACTION_CLASSES.join(', ')} or unknown (default)`)
    .option('--read-only <path>', 'a host path the server needs, bound read-only (repeatable)', collect)
    .option('--env <KEY=VALUE>', 'a plain variable for the server (repeatable; never a secret)', collect)
    .option('--workspace <agent>', "bind this agent's workspace read-only at /workspace")
    .option('--timeout-ms <n>', 'start-up and per-call time limit (default 30000)')
    .addHelpText(
      'after',
      examples(
        'bulwark mcp add notes --read-only /opt/mcp/notes -- /usr/bin/node /opt/mcp/notes/server.js',
        'bulwark mcp add files --package @modelcontextprotocol/server-filesystem@2026.1.14',
        'bulwark mcp add search --url https://mcp.example.com/mcp --action-class read',
      ),
    )
    .action(
      action(ctx, (name: string, command: string[], opts: AddOptions) => {
        const entry = entryFrom(name, command, opts);
        if (typeof entry === 'string') return fail(ctx, entry);
        let duplicate = false;
        const edited = editConfig(ctx.dataDir, (doc, current) => {
          if (current.mcp.servers.some((s) => s.name.toLowerCase() === name.toLowerCase())) {
            duplicate = true;
            return;
          }
          const seq = serversSeq(doc);
          if (isSeq(seq)) seq.add(doc.createNode(entry));
          else doc.setIn(['mcp', 'servers'], doc.createNode([entry]));
        });
        if (duplicate)
          return fail(
            ctx,
            `an MCP server named "${name}" is already configured: remove it first (bulwark mcp remove ${name})`,
          );
        if (!edited.ok) return fail(ctx, edited.error);
        ctx.stdout(
          `added MCP server ${name} to ${edited.value.file}\nnext: bulwark mcp approve ${name} (reads and pins its tools), then restart the daemon\n`,
        );
      }),
    );

  mcp
    .command('list')
    .description('configured servers and how many of their tools are approved')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples('bulwark mcp list', 'bulwark mcp list --json'))
    .action(
      action(ctx, async (opts: { json?: boolean }) => {
        const loaded = loadConfig(ctx.dataDir);
        if (!loaded.ok) return fail(ctx, loaded.error);
        const servers = loaded.value.mcp.servers;
        const admin = services.openMcp?.(ctx.dataDir);
        const approved = new Map<string, number>();
        if (admin && !admin.ok) return fail(ctx, admin.error);
        try {
          if (admin) for (const s of servers) approved.set(s.name, (await admin.value.pins.pins(s.name)).size);
        } finally {
          if (admin) admin.value.close();
        }
        const rows = servers.map((s) => ({
          name: s.name,
          kind: kindOf(s),
          target: targetOf(s),
          actionClass: s.actionClass,
          approvedTools: approved.get(s.name) ?? 0,
        }));
        if (opts.json) return printJson(ctx, rows);
        if (rows.length === 0) return ctx.stdout('no MCP servers configured (bulwark mcp add NAME -- COMMAND)\n');
        ctx.stdout(
          formatTable(
            ['name', 'kind', 'class', 'approved', 'target'],
            rows.map((r) => [
              r.name,
              r.kind,
              r.actionClass,
              String(r.approvedTools),
              terminalSafe(r.target).slice(0, 100),
            ]),
          ),
        );
      }),
    );

  mcp
    .command('remove')
    .description('remove a server from config.yaml and forget its approved tools')
    .argument('<name>', 'the server name')
    .addHelpText('after', examples('bulwark mcp remove notes'))
    .action(
      action(ctx, async (name: string) => {
        let found = false;
        const edited = editConfig(ctx.dataDir, (doc, current) => {
          const index = current.mcp.servers.findIndex((s) => s.name === name);
          const seq = serversSeq(doc);
          if (index < 0 || !isSeq(seq)) return;
          const item = seq.items[index];
          if (!isMap(item) || item.get('name') !== name) return;
          seq.delete(index);
          found = true;
        });
        if (!edited.ok) return fail(ctx, edited.error);
        if (!found)
          return fail(ctx, `no MCP server "${name}" in config.yaml (bulwark mcp list shows them); nothing was changed`);
        const admin = services.openMcp?.(ctx.dataDir);
        if (admin && !admin.ok) return fail(ctx, admin.error);
        let forgotten = 0;
        try {
          if (admin) forgotten = await admin.value.pins.forget(name);
        } finally {
          if (admin) admin.value.close();
        }
        ctx.stdout(`removed MCP server ${name} (${forgotten} approved tools forgotten); restart the daemon\n`);
      }),
    );

  for (const verb of ['scan', 'approve'] as const)
    mcp
      .command(verb)
      .description(
        verb === 'scan'
          ? "start the server sandboxed, read its tools and print each one's L24 verdict (nothing is approved)"
          : 'start the server sandboxed, read its tools and pin the ones that pass; the daemon offers only those',
      )
      .argument('<name>', 'the server name')
      .option('--json', 'print {"server","checkedPackages","tools":[{"name","exposed","verdict","state","pin",…}]}')
      .addHelpText(
        'after',
        `\nExit code: 0 every tool passed, 2 some tools were refused, 1 error.\n${examples(`bulwark mcp ${verb} notes`, `bulwark mcp ${verb} notes --json`)}`,
      )
      .action(
        action(ctx, async (name: string, opts: { json?: boolean }) => {
          if (!services.openMcp) return fail(ctx, 'this build of the CLI cannot start MCP servers');
          const admin = services.openMcp(ctx.dataDir);
          if (!admin.ok) return fail(ctx, admin.error);
          try {
            const review = await admin.value.review(name);
            if (!review.ok) return fail(ctx, review.error);
            if (opts.json) printJson(ctx, reviewJson(review.value));
            else printReview(ctx, review.value);
            if (verb === 'approve') {
              const pinned = await admin.value.approve(review.value);
              if (!pinned.ok) return fail(ctx, pinned.error);
              if (!opts.json)
                ctx.stdout(
                  `approved ${pinned.value} of ${review.value.tools.length} tools of ${name}; restart the daemon to offer them\n`,
                );
            }
            if (review.value.tools.some((t) => t.state.status !== 'enabled')) ctx.setExitCode(2);
          } finally {
            admin.value.close();
          }
        }),
      );
}
