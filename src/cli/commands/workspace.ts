/**
 * `bulwark workspace history|diff|undo`: the undo journal of an agent's workspace (exec effects and the write and
 * edit tools keep every pre-image there). Works on the data dir; run it while the agent is idle (an undo during a
 * command of the same workspace is caught as stale by that command, not the other way round).
 */
import { existsSync, realpathSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { workspacePath } from '../../agent/index.js';
import { absoluteFrom, childPath } from '../../core/index.js';
import {
  Journal,
  type JournalEntry,
  entryTexts,
  notRestoredText,
  selectUndo,
  shownEntry,
  shownTexts,
  type UndoTarget,
} from '../../exec/index.js';
import { createSanitizer } from '../../logging/index.js';
import { LeakIndex } from '../../secrets/index.js';
import { lineDiff } from '../../policy/index.js';
import { openCliAuditBus } from '../audit-bus.js';
import type { CliContext } from '../context.js';
import { action, fail, formatTable, printJson, terminalSafe } from '../output.js';
import { examples } from '../help.js';
import { vaultLeakIndex } from './secrets.js';

interface Opts {
  agent?: string;
  workspace?: string;
  json?: boolean;
  turn?: string;
  to?: string;
}

function open(ctx: CliContext, o: Opts): { journal: Journal; workspace: string } | string {
  const agentId = o.agent;
  const config = loadConfig(ctx.dataDir);
  if (!config.ok) return config.error.message;
  const journal = new Journal({
    root: childPath(ctx.dataDir, 'journal'),
    maxBytes: config.value.exec.journal.maxMb * 1024 * 1024,
  });
  if (o.workspace !== undefined) {
    const dir = absoluteFrom(process.cwd(), o.workspace);
    if (!existsSync(dir)) return `the workspace ${dir} does not exist`;
    return { journal, workspace: realpathSync(dir) };
  }
  const agent = agentId ? config.value.agents.find((a) => a.id === agentId) : config.value.agents[0];
  if (!agent)
    return `no agent "${agentId}" in config.yaml (agents: ${config.value.agents.map((a) => a.id).join(', ')})`;
  const dir = workspacePath(agent, ctx.dataDir, process.cwd());
  if (!existsSync(dir)) return `the workspace of agent "${agent.id}" (${dir}) does not exist yet`;
  return { journal, workspace: realpathSync(dir) };
}

/**
 * What history and diff print passes the log sanitizer over the vault's values (when a master key is available;
 * secret formats either way): a pre-image is the file as it was, an `.env` a command removed included.
 */
function shownRedaction(ctx: CliContext): (text: string) => string {
  const leaks = vaultLeakIndex(ctx);
  return createSanitizer(leaks.ok ? leaks.value : new LeakIndex());
}

export function undoTarget(o: Opts): UndoTarget | string {
  if (o.turn !== undefined && o.to !== undefined) return 'give --turn or --to, not both';
  if (o.turn !== undefined) return { turn: o.turn };
  if (o.to !== undefined) {
    const t = new Date(o.to);
    if (Number.isNaN(t.getTime())) return `--to takes a time (ISO 8601, e.g. 2026-01-31T12:00:00Z), got "${o.to}"`;
    return { to: t };
  }
  return { last: true };
}

export function register(program: Command, ctx: CliContext): void {
  const ws = program
    .command('workspace')
    .description("an agent's workspace journal: what commands and file tools changed, and undo")
    .addHelpText(
      'after',
      examples(
        'bulwark workspace history',
        'bulwark workspace undo --turn 0123456789abcdef0123456789abcdef',
        'bulwark workspace undo --to 2026-01-31T12:00:00Z',
      ),
    );
  const agentOpt = (c: Command) =>
    c
      .option('--agent <id>', 'the agent (default: the first in config.yaml)')
      .option('--workspace <dir>', 'a workspace by path instead (e.g. one used with `bulwark sandbox run`)')
      .option('--json', 'print JSON');

  agentOpt(
    ws
      .command('history')
      .description('list the journal: each applied change set, newest last')
      .addHelpText('after', examples('bulwark workspace history', 'bulwark workspace history --agent coder --json')),
  ).action(
    action(ctx, (o: Opts) => {
      const w = open(ctx, o);
      if (typeof w === 'string') return fail(ctx, w);
      const redact = shownRedaction(ctx);
      const entries = w.journal.list(w.workspace).map((e) => shownEntry(e, redact));
      if (o.json) return printJson(ctx, entries);
      if (!entries.length) return ctx.stdout('the journal is empty\n');
      ctx.stdout(
        formatTable(
          ['ENTRY', 'AT', 'TOOL', 'TURN', 'CHANGES', 'KEPT', 'UNDONE'],
          entries.map((e) => [
            e.id,
            e.at,
            e.tool,
            e.turn ?? '-',
            terminalSafe(
              e.changes
                .slice(0, 3)
                .map((c) => `${c.change} ${c.path}`)
                .join(', ') + (e.changes.length > 3 ? ` (+${e.changes.length - 3})` : ''),
            ),
            `${e.bytes} B`,
            e.undoneAt ?? (e.unrestored ? terminalSafe(`partly: ${e.unrestored.join(', ')} not restored`) : ''),
          ]),
        ),
      );
    }),
  );

  agentOpt(
    ws
      .command('diff <entry>')
      .description('what one entry changed: the kept pre-image against the workspace now')
      .addHelpText(
        'after',
        examples(
          'bulwark workspace diff 001767225600000-a1b2c3d4',
          'bulwark workspace diff 001767225600000-a1b2c3d4 --workspace ./project --json',
        ),
      ),
  ).action(
    action(ctx, (id: string, o: Opts) => {
      const w = open(ctx, o);
      if (typeof w === 'string') return fail(ctx, w);
      const entry = w.journal.list(w.workspace).find((e) => e.id === id);
      if (!entry) return fail(ctx, `no journal entry ${id} (see \`bulwark workspace history\`)`);
      const redact = shownRedaction(ctx);
      const texts = shownTexts(entryTexts(w.journal, w.workspace, entry), redact);
      if (o.json) return printJson(ctx, { entry: shownEntry(entry, redact), changes: texts });
      for (const t of texts) {
        const c = t.change;
        ctx.stdout(`${c.change} ${terminalSafe(c.path)}${c.from ? ` (from ${terminalSafe(c.from)})` : ''}\n`);
        if (t.before !== undefined || t.now !== undefined)
          ctx.stdout(
            lineDiff(c.path, t.before, t.now ?? '')
              .split('\n')
              .map((l) => `  ${terminalSafe(l)}`)
              .join('\n') + '\n',
          );
      }
    }),
  );

  agentOpt(
    ws
      .command('undo')
      .description(
        'put pre-images back: the newest change set, a turn (--turn ID) or everything after a time (--to TIME)',
      )
      .option('--turn <id>', "undo one turn's changes (its trace id, from history)")
      .option('--to <time>', 'undo every change after this time (ISO 8601)')
      .addHelpText(
        'after',
        examples(
          'bulwark workspace undo',
          'bulwark workspace undo --turn 0123456789abcdef0123456789abcdef',
          'bulwark workspace undo --to 2026-01-31T12:00:00Z --agent coder',
        ),
      ),
  ).action(
    action(ctx, async (o: Opts) => {
      const target = undoTarget(o);
      if (typeof target === 'string') return fail(ctx, target);
      const w = open(ctx, o);
      if (typeof w === 'string') return fail(ctx, w);
      // The audit log is opened first: an undo nobody could record does not happen.
      const opened = openCliAuditBus(ctx.dataDir, (m) => ctx.stderr(`bulwark: ${m}\n`));
      if (!opened.ok) return fail(ctx, opened.error);
      const audit = opened.value;
      // The choice and the undo in one turn: a running daemon applies nothing between them.
      let chosen: readonly JournalEntry[] = [];
      const r = w.journal.exclusive(w.workspace, () => {
        const picked = selectUndo(w.journal.list(w.workspace), target);
        if (!picked.ok) return picked;
        chosen = picked.value;
        return w.journal.undo(w.workspace, picked.value);
      });
      if (chosen.length === 0) {
        await audit.close();
        return fail(ctx, r.ok ? 'nothing to undo' : r.error);
      }
      try {
        audit.bus.emit('security:warning', {
          layer: 'L11.7',
          outcome: !r.ok || r.value.notRestored.length ? 'undo-failed' : 'undone',
          reason: r.ok
            ? `workspace undo: ${chosen.length} journal entr${chosen.length === 1 ? 'y' : 'ies'} reversed (${chosen.map((e) => e.id).join(', ')})${r.value.notRestored.length ? `; ${notRestoredText(r.value.notRestored)}` : ''}`
            : r.error.message,
          sender: 'cli',
        });
      } finally {
        await audit.close();
      }
      if (!r.ok) return fail(ctx, r.error);
      const { restored, notRestored } = r.value;
      if (o.json)
        printJson(ctx, {
          undone: chosen.map((e) => e.id),
          paths: restored,
          ...(notRestored.length ? { notRestored } : {}),
        });
      else ctx.stdout(`undone ${chosen.length} change set(s); restored ${restored.length} path(s)\n`);
      if (notRestored.length) fail(ctx, notRestoredText(notRestored));
    }),
  );
}
