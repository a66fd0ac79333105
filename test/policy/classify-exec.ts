import { classifyAction } from '../../src/policy/index.js';

/** L27's classification of an exec call running `command` in a workspace at /srv/ws. */
export const classifyExec = (command: string) =>
  classifyAction({
    tool: 'exec',
    declared: 'exec',
    argsJson: JSON.stringify({ command }),
    workspace: '/srv/ws',
    scratch: [],
  });
