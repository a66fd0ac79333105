/**
 * Worst cases of reading a command line, which blocks the event loop while it runs: the exec
 * command policy (exec layer 2) and the L27 exec classification (JSON arguments to action classes)
 * on 8 KB and 64 KB of a long pipeline, many short commands, nested command substitutions (refused
 * past 8 levels, so the cost is in finding that out), substitutions nested inside quotes, scripts
 * nested 8 deep (`sh -c '…'` and `cat <<E | sh`) around a long pipeline, and a 1 KB ordinary command
 * for scale. Both must stay linear in the line's length. Each figure is cold: the shell model's cache
 * is emptied before every call, so it includes parsing the line (a second layer reading the same line
 * in the same exec call gets the model from the cache; see the shell-model suite).
 */
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { timeSync, type Timing } from '../measure.js';
import { evaluateCommand } from '../../src/exec/command-policy.js';
import { MAX_COMMAND_CHARS } from '../../src/text/shell-parse.js';
import { clearShellModelCache } from '../../src/text/shell-model.js';
import { classifyAction } from '../../src/policy/action-classifier.js';
import { worstCases } from '../command-lines.js';

const KB8 = 8 * 1024;

const suite: Suite = {
  name: 'command-policy',
  async run() {
    const rows: (string | number)[][] = [];
    const data: Record<
      string,
      { chars: number; policy: Timing & { decision: string }; l27: Timing & { primary: string } }
    > = {};
    const checks: Check[] = [];
    for (const [name, line, n] of worstCases(MAX_COMMAND_CHARS)) {
      const argsJson = JSON.stringify({ command: line });
      const classify = () =>
        classifyAction({ tool: 'exec', declared: 'exec', argsJson, workspace: '/workspace', scratch: [] });
      const decision = evaluateCommand(line).decision;
      const primary = classify().primary;
      const policy = timeSync(
        () => {
          clearShellModelCache();
          evaluateCommand(line);
        },
        n,
        Math.min(10, n),
      );
      const l27 = timeSync(
        () => {
          clearShellModelCache();
          classify();
        },
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
    const markdown = `## Command policy (exec layer 2) and L27 exec classification, worst cases (cold: line parsed in each call)\n\n${markdownTable(
      ['line', 'chars', 'n', 'policy', 'policy p50 ms', 'policy p99 ms', 'L27 primary', 'L27 p50 ms', 'L27 p99 ms'],
      rows,
    )}\n`;
    return { name: 'command-policy', markdown, data, checks };
  },
};

export default suite;
