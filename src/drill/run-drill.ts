/**
 * Runs a prepared drill: starts the outer jail, follows what it reports line by line (progress as it comes), and
 * gathers the report. The drill fails (never "held") when the jail cannot be built, dies early, or stops reporting.
 */
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { startJail } from '../exec/index.js';
import type { JailMessage, ScenarioResult } from './plan.js';
import type { PreparedDrill } from './prepare.js';

export interface DrillReport {
  readonly results: readonly ScenarioResult[];
  /** Layer states of the drilled daemon (what the copy of the config turned on). */
  readonly layers: ReadonlyArray<{ id: string; state: string; reason: string }>;
  readonly notes: readonly string[];
  readonly ms: number;
}

export interface DrillProgress {
  started?(index: number, total: number, id: string): void;
  finished?(result: ScenarioResult, index: number, total: number): void;
}

function parseLine(line: string): JailMessage | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line) as JailMessage;
  } catch (cause) {
    return {
      type: 'failed',
      message: `unreadable line from the jail (${describeCause(cause)}): ${line.slice(0, 200)}`,
    };
  }
}

export async function runDrill(
  prepared: PreparedDrill,
  progress: DrillProgress = {},
  timeoutMs = 600_000,
): Promise<Result<DrillReport, BulwarkError>> {
  const started = Date.now();
  const jail = await startJail(prepared.spec);
  if (!jail.ok) return jail;
  const timer = setTimeout(() => jail.value.kill(), timeoutMs);
  const results: ScenarioResult[] = [];
  const notes = [...prepared.notes, ...jail.value.notes];
  let layers: DrillReport['layers'] = [];
  let total = prepared.plan.scenarios.length;
  let failure: string | undefined;
  let done = false;
  try {
    for await (const line of jail.value.lines) {
      const m = parseLine(line);
      if (!m) continue;
      if (m.type === 'ready') {
        layers = m.layers;
        total = m.scenarios;
        notes.push(...m.notes);
      } else if (m.type === 'start') progress.started?.(m.index, total, m.id);
      else if (m.type === 'result') {
        results.push(m.result);
        progress.finished?.(m.result, m.index, total);
      } else if (m.type === 'done') {
        notes.push(...m.notes);
        done = true;
      } else failure = m.message;
    }
  } finally {
    clearTimeout(timer);
  }
  const end = await jail.value.done;
  notes.push(...end.notes.filter((n) => !notes.includes(n)));
  if (failure !== undefined || !done) {
    const why =
      failure ??
      `the jail ended before the drill finished (exit ${end.code ?? end.signal ?? '?'}${
        Date.now() - started >= timeoutMs ? `, stopped after ${timeoutMs} ms` : ''
      })`;
    const tail = end.stderr.trim().split('\n').slice(-12).join('\n');
    return err(bulwarkError('drill.failed', tail ? `${why}\n--- jail stderr (last lines) ---\n${tail}` : why));
  }
  return ok({ results, layers, notes, ms: Date.now() - started });
}
