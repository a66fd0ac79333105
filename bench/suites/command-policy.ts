/**
 * Worst cases of reading a command line, which blocks the event loop while it runs: the exec
 * command policy (exec layer 2) and the L27 exec classification (JSON arguments to action classes)
 * on 8 KB and 64 KB of a long pipeline, many short commands, nested command substitutions (refused
 * past 8 levels, so the cost is in finding that out), substitutions nested inside quotes, and a
 * 1 KB ordinary command for scale. Both must stay linear in the line's length.
 */
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { timeSync, type Timing } from '../measure.js';
import { evaluateCommand } from '../../src/exec/command-policy.js';
import { MAX_COMMAND_CHARS } from '../../src/text/shell-parse.js';
import { classifyAction } from '../../src/policy/action-classifier.js';

const KB8 = 8 * 1024;
const KB64 = MAX_COMMAND_CHARS;

/** Repeats `unit` (numbered with {n} where it appears) until the next one would pass `max` characters. */
function fill(unit: string, max: number, head = '', tail = ''): string {
  let s = head;
  for (let n = 0; ; n++) {
    const next = unit.replaceAll('{n}', String(n));
    if (s.length + next.length + tail.length > max) break;
    s += next;
  }
  return s + tail;
}

function nested(open: string, inner: string, close: string, max: number): string {
  const k = Math.floor((max - inner.length) / (open.length + close.length));
  return open.repeat(k) + inner + close.repeat(k);
}

const ORDINARY = fill(
  'git status --short && grep -rn "TODO" src | sort | uniq -c > build/todo-{n}.txt; FOO=1 make -j2 test 2>&1 | tail -20; ',
  1024,
);

const CASES: ReadonlyArray<readonly [string, string, number]> = [
  ['1 KB ordinary command', ORDINARY, 2000],
  ['8 KB a|a|…', fill('a|', KB8 - 1, '', 'a'), 200],
  ['64 KB a|a|…', fill('a|', KB64 - 1, '', 'a'), 30],
  ['8 KB touch /xN;', fill('touch /x{n};', KB8), 200],
  ['64 KB touch /xN;', fill('touch /x{n};', KB64), 30],
  ['8 KB nested $( $( … ) )', nested('$( ', 'true', ' )', KB8), 200],
  ['64 KB nested $( $( … ) )', nested('$( ', 'true', ' )', KB64), 30],
  ['8 KB nested "$( "$( … )" )"', `echo ${nested('"$(', 'true', ')"', KB8 - 5)}`, 200],
  ['64 KB nested "$( "$( … )" )"', `echo ${nested('"$(', 'true', ')"', KB64 - 5)}`, 30],
];

const suite: Suite = {
  name: 'command-policy',
  async run() {
    const rows: (string | number)[][] = [];
    const data: Record<
      string,
      { chars: number; policy: Timing & { decision: string }; l27: Timing & { primary: string } }
    > = {};
    const checks: Check[] = [];
    for (const [name, line, n] of CASES) {
      const argsJson = JSON.stringify({ command: line });
      const decision = evaluateCommand(line).decision;
      const primary = classifyAction({
        tool: 'exec',
        declared: 'exec',
        argsJson,
        workspace: '/workspace',
        scratch: [],
      }).primary;
      const policy = timeSync(() => evaluateCommand(line), n, Math.min(10, n));
      const l27 = timeSync(
        () => classifyAction({ tool: 'exec', declared: 'exec', argsJson, workspace: '/workspace', scratch: [] }),
        n,
        Math.min(10, n),
      );
      data[name] = { chars: line.length, policy: { ...policy, decision }, l27: { ...l27, primary } };
      rows.push([
        name.replaceAll('|', '\\|'),
        line.length,
        n,
        `${decision}`,
        policy.p50 / 1000,
        policy.p99 / 1000,
        primary,
        l27.p50 / 1000,
        l27.p99 / 1000,
      ]);
      // Generous bounds (the machine may be busy) that a quadratic reading of 64 KB, ~1 s, cannot meet.
      if (line.length > KB8) {
        checks.push({ name: `${name}: command policy p50 ms`, value: policy.p50 / 1000, max: 250 });
        checks.push({ name: `${name}: L27 p50 ms`, value: l27.p50 / 1000, max: 250 });
      }
    }
    const markdown = `## Command policy (exec layer 2) and L27 exec classification, worst cases\n\n${markdownTable(
      ['line', 'chars', 'n', 'policy', 'policy p50 ms', 'policy p99 ms', 'L27 primary', 'L27 p50 ms', 'L27 p99 ms'],
      rows,
    )}\n`;
    return { name: 'command-policy', markdown, data, checks };
  },
};

export default suite;
