/**
 * `channels.*.input` and `hooks.*.input`: the same shape as agents[].input, validated with the config, and the
 * source of a caller (its hook, its channel's platform) picks its policy.
 */
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../src/config/load.js';
import { sourceInputPolicy } from '../../src/guards/index.js';

const BASE = `channels:
  telegram:
    botToken: { secret: TG_BOT_TOKEN }
    agent: default
    users: [{ id: 1, owner: true }, { id: 2 }]
    INPUT_TG
hooks:
  ci:
    agent: default
    provider: generic
    secret: { secret: HOOK_CI }
    INPUT_HOOK
  other: { agent: default, provider: generic, secret: { secret: HOOK_CI } }
`;

function parse(tg: string, hook: string) {
  return parseConfigText(BASE.replace('INPUT_TG', tg).replace('INPUT_HOOK', hook), 'config.yaml');
}

describe('channels.*.input and hooks.*.input', () => {
  it('are accepted with the shape of agents[].input and pick the policy of the caller’s source', () => {
    const r = parse(
      'input: { actions: { high: reinforce }, ownerActions: { high: block } }',
      'input: { actions: { medium: block, high: block } }',
    );
    expect(r.ok, r.ok ? '' : r.error.message).toBe(true);
    if (!r.ok) return;
    expect(sourceInputPolicy(r.value, { kind: 'channel', id: 'telegram:2' })).toEqual({
      actions: { low: 'pass', medium: 'reinforce', high: 'reinforce' },
      ownerActions: { low: 'pass', medium: 'reinforce', high: 'block' },
    });
    expect(sourceInputPolicy(r.value, { kind: 'hook', id: 'ci' })?.actions).toEqual({
      low: 'pass',
      medium: 'block',
      high: 'block',
    });
    expect(sourceInputPolicy(r.value, { kind: 'hook', id: 'other' })).toBeUndefined();
    expect(sourceInputPolicy(r.value, { kind: 'hook', id: 'constructor' })).toBeUndefined();
    expect(sourceInputPolicy(r.value, { kind: 'token', id: 'ci' })).toBeUndefined();
  });

  it('a bad action or an unknown key is refused with its path', () => {
    const action = parse('input: { actions: { high: explode } }', '');
    expect(action.ok).toBe(false);
    if (!action.ok) expect(action.error.message).toMatch(/channels\.telegram\.input\.actions\.high/);
    const key = parse('', 'input: { action: { high: block } }');
    expect(key.ok).toBe(false);
    if (!key.ok) expect(key.error.message).toMatch(/hooks\.ci\.input/);
  });
});
