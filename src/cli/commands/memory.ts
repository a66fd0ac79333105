/**
 * `bulwark memory list|show|search|forget|export|import|promote`: the operator's view of the agents' memory
 * (L14–L16) on the data dir's memory.db — works with or without a running daemon (SQLite WAL). Imports and
 * promotions pass the same memory-write pipeline as the daemon (L15 → L14) with the operator as caller; vault
 * values are recognised when a master key is available. The admin API offers the same under /v1/memory.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { examples } from '../help.js';
import { bulwarkError, describeCause, absoluteFrom } from '../../core/index.js';
import {
  exportLine,
  MEMORY_KINDS,
  MEMORY_ORIGINS,
  operatorCaller,
  parseImport,
  type MemoryEntry,
  type MemoryKind,
  type MemoryOrigin,
} from '../../memory/index.js';
import { LeakIndex } from '../../secrets/index.js';
import type { CliContext } from '../context.js';
import { action, fail, formatTable, printJson, terminalSafe } from '../output.js';
import type { CliServices, MemoryAdminHandle } from '../program.js';
import { vaultLeakIndex } from './secrets.js';

interface Options {
  agent?: string;
  origin?: string;
  kind?: string;
  all?: boolean;
  limit?: string;
  json?: boolean;
  plain?: boolean;
}

const MAX_IMPORT_BYTES = 256 * 1024 * 1024;

function listOf<T extends string>(raw: string | undefined, known: readonly T[], flag: string): T[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim());
  const bad = items.filter((i) => !(known as readonly string[]).includes(i));
  if (bad.length)
    throw new Error(`${flag}: unknown ${bad.join(', ')}; use one or more of ${known.join(', ')} (comma-separated)`);
  return items as T[];
}

function limitOf(raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100_000) throw new Error('--limit must be a whole number from 1 to 100000');
  return n;
}

function present(e: MemoryEntry): Record<string, unknown> {
  return { ...e, createdAt: new Date(e.createdAt).toISOString(), observedAt: new Date(e.observedAt).toISOString() };
}

function short(text: string, n = 70): string {
  const one = terminalSafe(text.replace(/\s+/g, ' '));
  return one.length > n ? `${one.slice(0, n - 1)}…` : one;
}

function table(entries: readonly MemoryEntry[]): string {
  return formatTable(
    ['ID', 'ORIGIN', 'KIND', 'AGENT', 'TEXT'],
    entries.map((e) => [
      e.id,
      e.quarantined ? `${e.origin} (quarantined)` : e.origin,
      e.kind,
      e.agentId,
      short(e.text),
    ]),
  );
}

function render(e: MemoryEntry): string {
  return [
    `memory      ${e.id}`,
    `agent       ${e.agentId}`,
    `origin      ${e.origin}${e.quarantined ? ' (quarantined: never recalled or searched)' : ''}`,
    `kind        ${e.kind}`,
    `path        ${e.source.path}${e.source.session ? `  session ${e.source.session}` : ''}${e.source.toolCall ? `  call ${e.source.toolCall}` : ''}`,
    `sender      ${terminalSafe(e.source.sender ?? '-')}`,
    ...(e.source.taint?.length ? [`taint       ${e.source.taint.map(terminalSafe).join(', ')}`] : []),
    `session     ${e.sessionKind}`,
    `observed    ${new Date(e.observedAt).toISOString()}   stored ${new Date(e.createdAt).toISOString()}`,
    ...(e.supersedes ? [`supersedes  ${e.supersedes}`] : []),
    ...(e.supersededBy ? [`replaced by ${e.supersededBy}`] : []),
    ...(e.tags.length ? [`tags        ${e.tags.map(terminalSafe).join(', ')}`] : []),
    'text',
    ...terminalSafe(e.text)
      .split('\n')
      .map((l) => `  ${l}`),
  ].join('\n');
}

export function register(program: Command, ctx: CliContext, services: CliServices): void {
  const cmd = program
    .command('memory')
    .description("the agents' memory with provenance (L14–L16): list, show, search, forget, export, import, promote")
    .addHelpText(
      'after',
      examples(
        'bulwark memory list --agent default',
        "bulwark memory search 'invoice address' --json",
        'bulwark memory promote mem_0123456789abcdef01234567',
      ),
    );

  async function withAdmin(fn: (h: MemoryAdminHandle) => Promise<void>): Promise<void> {
    const leaks = vaultLeakIndex(ctx);
    const opened = services.openMemory(ctx.dataDir, leaks.ok ? leaks.value : new LeakIndex());
    if (!opened.ok) return fail(ctx, opened.error);
    try {
      await fn(opened.value);
    } finally {
      await opened.value.close();
    }
  }
  const agentOf = (h: MemoryAdminHandle, agent: string | undefined): string => {
    if (agent === undefined) return h.agentIds[0] ?? 'default';
    if (!h.agentIds.includes(agent))
      throw new Error(`--agent: no agent "${agent}" in config.yaml (agents: ${h.agentIds.join(', ')})`);
    return agent;
  };

  cmd
    .command('list')
    .description('list memories, newest first (quarantined ones included and marked)')
    .addHelpText(
      'after',
      examples('bulwark memory list', 'bulwark memory list --agent default --origin external --json'),
    )
    .option('--agent <id>', 'only this agent')
    .option('--origin <list>', `only these origins (${MEMORY_ORIGINS.join(', ')})`)
    .option('--kind <list>', `only these kinds (${MEMORY_KINDS.join(', ')})`)
    .option('--all', 'also entries replaced by a newer one')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--json', 'print JSON: [{ id, origin, kind, text, agentId, source, … }]')
    .action(
      action(ctx, (opts: Options) =>
        withAdmin(async (h) => {
          const list = await h.admin.list({
            ...(opts.agent !== undefined ? { agentId: agentOf(h, opts.agent) } : {}),
            ...(opts.origin !== undefined
              ? { origins: listOf<MemoryOrigin>(opts.origin, MEMORY_ORIGINS, '--origin') as MemoryOrigin[] }
              : {}),
            ...(opts.kind !== undefined
              ? { kinds: listOf<MemoryKind>(opts.kind, MEMORY_KINDS, '--kind') as MemoryKind[] }
              : {}),
            all: opts.all === true,
            limit: limitOf(opts.limit, 100),
          });
          if (opts.json) return printJson(ctx, list.map(present));
          ctx.stdout(list.length ? table(list) : 'no memories\n');
        }),
      ),
    );

  cmd
    .command('show <id>')
    .description('one memory with its whole provenance')
    .addHelpText('after', examples('bulwark memory show mem_0123456789abcdef01234567'))
    .option('--json', 'print JSON')
    .action(
      action(ctx, (id: string, opts: Options) =>
        withAdmin(async (h) => {
          const r = await h.admin.show(id);
          if (!r.ok) return fail(ctx, r.error);
          if (opts.json) return printJson(ctx, present(r.value));
          ctx.stdout(`${render(r.value)}\n`);
        }),
      ),
    );

  cmd
    .command('search <query>')
    .description("search an agent's memories (lexical, and vectors where the daemon stored them)")
    .addHelpText(
      'after',
      examples(
        "bulwark memory search 'coffee' --agent default",
        "bulwark memory search 'deploy key' --origin owner,agent --json",
      ),
    )
    .option('--agent <id>', 'the agent (default: the first in config.yaml)')
    .option('--origin <list>', 'only these origins')
    .option('--limit <n>', 'at most this many (default 10)')
    .option('--json', 'print JSON')
    .action(
      action(ctx, (query: string, opts: Options) =>
        withAdmin(async (h) => {
          const hits = await h.admin.search(query, {
            agentId: agentOf(h, opts.agent),
            ...(opts.origin !== undefined
              ? { origins: listOf<MemoryOrigin>(opts.origin, MEMORY_ORIGINS, '--origin') as MemoryOrigin[] }
              : {}),
            limit: limitOf(opts.limit, 10),
          });
          if (opts.json)
            return printJson(
              ctx,
              hits.map((x) => ({ ...present(x.entry), score: x.score })),
            );
          ctx.stdout(hits.length ? table(hits.map((x) => x.entry)) : 'no memories match\n');
        }),
      ),
    );

  cmd
    .command('forget <id>')
    .description('delete a memory (what it replaced becomes current again)')
    .addHelpText('after', examples('bulwark memory forget mem_0123456789abcdef01234567'))
    .option('--json', 'print JSON')
    .action(
      action(ctx, (id: string, opts: Options) =>
        withAdmin(async (h) => {
          const r = await h.admin.forget(id, operatorCaller('cli'));
          if (!r.ok) return fail(ctx, r.error);
          if (opts.json) return printJson(ctx, { ...present(r.value), deleted: true });
          ctx.stdout(`forgot ${r.value.id} (${r.value.origin}, ${r.value.kind})\n`);
        }),
      ),
    );

  cmd
    .command('export [file]')
    .description('write memories as JSON Lines with their provenance (to FILE, or stdout)')
    .addHelpText(
      'after',
      examples('bulwark memory export backup.jsonl', 'bulwark memory export --agent default > default.jsonl'),
    )
    .option('--agent <id>', 'only this agent')
    .option('--origin <list>', 'only these origins')
    .action(
      action(ctx, (file: string | undefined, opts: Options) =>
        withAdmin(async (h) => {
          const lines: string[] = [];
          const origins =
            opts.origin !== undefined ? listOf<MemoryOrigin>(opts.origin, MEMORY_ORIGINS, '--origin') : undefined;
          for (let offset = 0; ; offset += 1000) {
            const page = await h.admin.list({
              ...(opts.agent !== undefined ? { agentId: agentOf(h, opts.agent) } : {}),
              ...(origins ? { origins } : {}),
              all: true,
              limit: 1000,
              offset,
            });
            lines.push(...page.map(exportLine));
            if (page.length < 1000) break;
          }
          const text = lines.length ? `${lines.join('\n')}\n` : '';
          if (file === undefined || file === '-') return ctx.stdout(text);
          writeFileSync(absoluteFrom(process.cwd(), file), text, { mode: 0o600 });
          ctx.stderr(`wrote ${lines.length} memories to ${file}\n`);
        }),
      ),
    );

  cmd
    .command('import <file>')
    .description(
      'import memories from JSON Lines ({"text", "kind"?, "agentId"?, "observedAt"?} per line; --plain: one note per line); every record passes L15 → L14',
    )
    .addHelpText(
      'after',
      examples(
        'bulwark memory import notes.jsonl --agent default',
        'bulwark memory import facts.jsonl --agent default --origin owner',
      ),
    )
    .option('--agent <id>', 'agent of records that name none (default: the first in config.yaml)')
    .option('--origin <origin>', `the most these records may claim: ${MEMORY_ORIGINS.join(', ')}`, 'external')
    .option('--plain', 'one plain-text note per line')
    .option('--json', 'print the report as JSON')
    .action(
      action(ctx, (file: string, opts: Options) =>
        withAdmin(async (h) => {
          const origin = listOf<MemoryOrigin>(opts.origin ?? 'external', MEMORY_ORIGINS, '--origin')?.[0] ?? 'external';
          let bytes: Buffer;
          try {
            bytes = file === '-' ? readFileSync(0) : readFileSync(absoluteFrom(process.cwd(), file));
          } catch (cause) {
            return fail(ctx, bulwarkError('cli.unreadable', `cannot read ${file}: ${describeCause(cause)}`));
          }
          if (bytes.length > MAX_IMPORT_BYTES) return fail(ctx, `${file} is larger than 256 MiB; split it`);
          const records = parseImport(bytes, { plain: opts.plain === true });
          if (!records.ok) return fail(ctx, records.error);
          for (const r of records.value)
            if (r.agentId !== undefined && !h.agentIds.includes(r.agentId))
              return fail(ctx, `line ${r.line}: no agent "${r.agentId}" in config.yaml; nothing was imported`);
          const report = await h.admin.import(
            records.value,
            { agentId: agentOf(h, opts.agent), origin },
            operatorCaller('cli'),
          );
          if (!report.ok) return fail(ctx, report.error);
          if (opts.json) printJson(ctx, report.value);
          else {
            ctx.stdout(
              `imported ${report.value.stored.length} of ${records.value.length} records (origin at most ${origin})\n`,
            );
            for (const r of report.value.refused) ctx.stdout(`  line ${r.line}: refused: ${terminalSafe(r.message)}\n`);
            const q = report.value.stored.filter((s) => s.quarantined).length;
            if (q) ctx.stdout(`  ${q} quarantined by the memory scan (L15)\n`);
          }
          if (report.value.refused.length > 0) ctx.setExitCode(2);
        }),
      ),
    );

  cmd
    .command('promote <id>')
    .description("make a memory the owner's: a new owner entry that replaces it (the text must pass the scan, L15)")
    .addHelpText('after', examples('bulwark memory promote mem_0123456789abcdef01234567'))
    .option('--json', 'print JSON')
    .action(
      action(ctx, (id: string, opts: Options) =>
        withAdmin(async (h) => {
          const r = await h.admin.promote(id, operatorCaller('cli'));
          if (!r.ok) return fail(ctx, r.error);
          if (opts.json) return printJson(ctx, present(r.value));
          ctx.stdout(`promoted ${id} to ${r.value.id} (origin ${r.value.origin})\n`);
        }),
      ),
    );
}
