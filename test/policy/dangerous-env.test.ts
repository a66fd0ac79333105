import { describe, expect, it } from 'vitest';
import { classifyAction } from '../../src/policy/action-classifier.js';
import { evaluateCommand } from '../../src/exec/command-policy.js';
import { isDeniedEnvName } from '../../src/exec/env-policy.js';
import { dangerousEnvKind, dangerousEnvNames } from '../../src/text/dangerous-env.js';

const exec = (command: string) =>
  classifyAction({
    tool: 'exec',
    declared: 'exec',
    argsJson: JSON.stringify({ command }),
    workspace: '/w',
    scratch: [],
  });

describe('one list of dangerous environment variables for exec layer 3, the command policy and L27', () => {
  it.each([
    'PERL5LIB=/tmp/x perl -e 1',
    'PERL5LIB=/tmp/x perl script.pl',
    'JAVA_TOOL_OPTIONS=-javaagent:/tmp/a.jar java -jar app.jar',
    'GCONV_PATH=/tmp/x iconv -f a -t b f',
    "env 'BASH_FUNC_ls%%=() { rm -rf ~; }' bash script.sh",
  ])('%s is refused by the command policy and destructive for L27, for the same variable', (command) => {
    const name = /^(?:env ')?([^=]+)=/.exec(command)?.[1] as string;
    expect(evaluateCommand(command)).toMatchObject({ decision: 'deny', ruleId: 'env.injection' });
    const c = exec(command);
    expect(c.primary).toBe('destructive');
    expect(c.reasons).toContain(`sets ${name}, which changes what runs`);
    expect(c.exec?.envNames).toContain(name);
  });

  it('every variable that loads code is denied by all three, whatever its case', () => {
    const loaders = [
      ...dangerousEnvNames()
        .filter(([, k]) => k === 'loader')
        .map(([n]) => n),
      'LD_PRELOAD',
      'DYLD_INSERT_LIBRARIES',
      'BASH_FUNC_f%%',
      'GLIBC_TUNABLES',
      'LUA_INIT',
    ];
    for (const name of [...loaders, ...loaders.map((n) => n.toLowerCase())]) {
      expect(isDeniedEnvName(name), name).toBe(true);
      expect(evaluateCommand(`env '${name}=x' true`).decision, name).toBe('deny');
      expect(exec(`env '${name}=x' true`).primary, name).toBe('destructive');
    }
  });

  it('variables that hold a command or change lookup need approval but are not refused inside a command line', () => {
    for (const command of ['GIT_SSH_COMMAND="sh -c id" git fetch', 'PAGER=cat git log', 'PATH=./bin:$PATH make']) {
      expect(evaluateCommand(command).decision, command).toBe('allow');
      expect(exec(command).primary, command).toBe('destructive');
    }
  });

  it('ordinary variables stay ordinary; families refused from the model are not code loaders', () => {
    expect(dangerousEnvKind('CI')).toBeUndefined();
    expect(dangerousEnvKind('NODE_ENV')).toBe('context');
    expect(evaluateCommand('NODE_ENV=production npm run build').decision).toBe('allow');
    expect(exec('NODE_ENV=production make').primary).toBe('exec');
    expect(isDeniedEnvName('NODE_ENV')).toBe(true);
    expect(isDeniedEnvName('https_proxy')).toBe(true);
  });
});
