/**
 * One exec call parses its command line once: L27 at the gate and again at tool-run (the daemon's createAssess)
 * and the runner's command policy all read the same memoised shell model. Timings are in bench/suites/shell-model.ts.
 */
import { describe, expect, it } from 'vitest';
import { createAssess } from '../../src/agent/gates/action-assessment.js';
import { DEFAULT_APPROVALS } from '../../src/config/sections/approvals.js';
import { evaluateCommand } from '../../src/exec/command-policy.js';
import { shellModelStats } from '../../src/text/shell-model.js';

const assess = createAssess({
  approvalsConfig: () => DEFAULT_APPROVALS,
  tool: () => ({ actionClass: 'exec' }),
  workspace: () => '/w',
  network: () => ({ mode: 'none', grants: [] }),
});
const ctx = { agentId: 'a', sessionId: 's', caller: { owner: true } };

/** Lines parsed, cache hits and nested scripts parsed by one exec call of `command`. */
function execCall(command: string): { parses: number; hits: number; nested: number } {
  const before = shellModelStats();
  const argsJson = JSON.stringify({ command });
  assess('exec', argsJson, ctx);
  assess('exec', JSON.stringify(JSON.parse(argsJson) as unknown), ctx, '/w');
  evaluateCommand(command);
  const after = shellModelStats();
  return { parses: after.parses - before.parses, hits: after.hits - before.hits, nested: after.nested - before.nested };
}

describe('one exec call, one parse', () => {
  it.each([
    'ls -la',
    'sudo -u a env X=1 timeout 5 nice make test',
    `find . -name '*.log' -print0 | xargs -0 bash -c 'gzip -9 "$@"' _`,
    'cat <<EOF | sh\nmake clean\nEOF',
    `GIT_SSH_COMMAND='ssh -o IdentitiesOnly=yes' git fetch`,
    'echo ok && sudo rm -rf /',
    `echo 'unterminated`,
  ])('%s', (line) => {
    // A fresh line each run, so nothing cached by an earlier test answers for it.
    const command = `: ${Math.random()}; ${line}`;
    const c = execCall(command);
    expect(c.parses).toBe(1);
    expect(c.hits).toBe(2);
  });

  it('reads each nested script once, whichever layer reads it first', () => {
    const command = `: ${Math.random()}; sh -c 'sh -c "ls -la"'`;
    expect(execCall(command)).toEqual({ parses: 1, hits: 2, nested: 2 });
  });
});
