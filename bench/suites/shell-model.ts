/**
 * The shell model (text/shell-model.ts) read once per exec call. One exec call reads its command line three
 * times, with the functions the daemon calls: L27 at the gate (createAssess on the model's JSON arguments), L27
 * again at execution (the L13 re-check assesses the arguments the tool really receives, serialised again), and
 * the runner's command policy (evaluateCommand). This suite counts the lines parsed per exec call
 * (must be 1) and times the three reads cold, as they run now (one parse, shared) and as they ran before the
 * model was shared (the cache emptied before each read, so each one parses the line itself), sample by sample
 * in turn.
 */
import { markdownTable, type Check, type Suite } from '../../eval/harness.js';
import { timePairSync, type Timing } from '../measure.js';
import { evaluateCommand } from '../../src/exec/command-policy.js';
import { MAX_COMMAND_CHARS } from '../../src/text/shell-parse.js';
import { clearShellModelCache, shellModelStats } from '../../src/text/shell-model.js';
import { createAssess } from '../../src/agent/gates/action-assessment.js';
import { DEFAULT_APPROVALS } from '../../src/config/sections/approvals.js';
import { ORDINARY, worstCases } from '../command-lines.js';

const TYPICAL: ReadonlyArray<readonly [string, string]> = [
  ['ls', 'ls -la'],
  ['1 KB ordinary command', ORDINARY],
  ['sudo env timeout nice', 'sudo -u a env X=1 timeout 5 nice make test'],
  ['bash -c inside xargs', `find . -name '*.log' -print0 | xargs -0 bash -c 'gzip -9 "$@"' _`],
  ['heredoc into sh', 'cat <<EOF | sh\nmake clean\nmake -j2\nEOF'],
  ['find -exec sh -c', `find src -name '*.ts' -exec sh -c 'wc -l "$1"' _ {} \\;`],
  ['GIT_SSH_COMMAND', `GIT_SSH_COMMAND='ssh -o IdentitiesOnly=yes' git fetch origin`],
  ['denied: rm -rf /', 'echo ok && sudo rm -rf /'],
];

/** L27's assessment as the daemon builds it (src/agent/gates/action-assessment.ts), for one agent. */
const assess = createAssess({
  approvalsConfig: () => DEFAULT_APPROVALS,
  tool: () => ({ actionClass: 'exec' }),
  workspace: () => '/workspace',
  network: () => ({ mode: 'none', grants: [] }),
});
const ctx = { agentId: 'bench', sessionId: 's1', caller: { owner: true } };

/** The three reads of one exec call, as the daemon makes them: gate, re-check at tool-run, the runner's policy. */
function execCall(command: string): void {
  const argsJson = JSON.stringify({ command });
  assess('exec', argsJson, ctx);
  assess('exec', JSON.stringify(JSON.parse(argsJson) as unknown), ctx, '/workspace');
  evaluateCommand(command);
}

/** The same three reads with nothing shared between them: each parses the line (how it was before). */
function execCallUnshared(command: string): void {
  const argsJson = JSON.stringify({ command });
  clearShellModelCache();
  assess('exec', argsJson, ctx);
  clearShellModelCache();
  assess('exec', JSON.stringify(JSON.parse(argsJson) as unknown), ctx, '/workspace');
  clearShellModelCache();
  evaluateCommand(command);
}

const suite: Suite = {
  name: 'shell-model',
  async run() {
    const checks: Check[] = [];
    const counts: Record<string, { parses: number; hits: number; nested: number }> = {};
    const countRows: (string | number)[][] = [];
    const lines = [
      ...TYPICAL,
      ...worstCases(MAX_COMMAND_CHARS)
        .filter(([name]) => name.startsWith('64 KB'))
        .map(([name, line]) => [name, line] as const),
    ];
    for (const [name, line] of lines) {
      clearShellModelCache();
      const before = shellModelStats();
      execCall(line);
      const after = shellModelStats();
      const c = {
        parses: after.parses - before.parses,
        hits: after.hits - before.hits,
        nested: after.nested - before.nested,
      };
      counts[name] = c;
      countRows.push([name.replaceAll('|', '\\|'), line.length, c.parses, c.hits, c.nested]);
      checks.push({ name: `${name}: lines parsed per exec call`, value: c.parses, max: 1 });
    }

    const timeRows: (string | number)[][] = [];
    const timings: Record<string, { shared: Timing; unshared: Timing }> = {};
    for (const [name, line, n] of worstCases(MAX_COMMAND_CHARS)) {
      const samples = Math.max(10, Math.ceil(n / 2));
      const [shared, unshared] = timePairSync(
        () => {
          clearShellModelCache();
          execCall(line);
        },
        () => execCallUnshared(line),
        samples,
        Math.min(5, samples),
      );
      timings[name] = { shared, unshared };
      timeRows.push([
        name.replaceAll('|', '\\|'),
        line.length,
        samples,
        shared.p50 / 1000,
        unshared.p50 / 1000,
        unshared.p50 / shared.p50,
      ]);
    }
    const markdown = [
      '## Lines parsed per exec call (L27 at the gate, L27 re-check at execution, command policy)\n',
      markdownTable(['line', 'chars', 'lines parsed', 'cache hits', 'nested scripts parsed'], countRows),
      '\n\n## One exec call reading its command line, cold: one shared parse vs one parse per read (as before)\n',
      markdownTable(['line', 'chars', 'n', 'shared p50 ms', 'one parse per read p50 ms', 'ratio'], timeRows),
      '',
    ].join('\n');
    return { name: 'shell-model', markdown, data: { counts, timings }, checks };
  },
};

export default suite;
