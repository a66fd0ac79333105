/**
 * L13: an approval binds the exec network mode the daemon really runs. An approval given while
 * exec.network was none must not cover the same command once the daemon runs with host or broker
 * egress, and the operator sees the mode and its grants before deciding.
 */
import { describe, expect, it } from 'vitest';
import { createAssess } from '../../src/agent/gates/action-assessment.js';
import { renderApproval } from '../../src/cli/commands/approvals.js';
import { buildEffect, buildView } from '../../src/policy/approval-effect.js';
import { classifyAction } from '../../src/policy/action-classifier.js';
import { ApprovalsConfigSchema } from '../../src/config/sections/approvals.js';
import { effectHash, type Effect, type NetworkGrant } from '../../src/policy/effect-hash.js';
import { networkGrantFor } from '../../src/policy/network-grant.js';

const broker = {
  bindings: [{ host: 'API.Anthropic.com' }, { host: 'api.openai.com:443' }],
  egressAllow: ['pypi.org'],
};

describe('L13 network grant from exec.network', () => {
  it('maps each exec network mode to its grant', () => {
    expect(networkGrantFor('none', broker)).toEqual({ mode: 'none', grants: [] });
    expect(networkGrantFor('host', broker)).toEqual({ mode: 'host', grants: ['*'] });
    expect(networkGrantFor('broker', broker)).toEqual({
      mode: 'broker',
      grants: ['api.anthropic.com', 'api.openai.com:443', 'pypi.org'],
    });
    expect(networkGrantFor('broker')).toEqual({ mode: 'broker', grants: [] });
  });

  it('gives a different effect hash for none, host and broker, and for other broker hosts', () => {
    const base: Effect = {
      tool: 'exec',
      args: { command: 'curl x' },
      cwd: '/w',
      network: networkGrantFor('none'),
      agentId: 'a',
      sessionId: 's',
    };
    const hashes = [
      effectHash(base),
      effectHash({ ...base, network: networkGrantFor('host') }),
      effectHash({ ...base, network: networkGrantFor('broker', broker) }),
      effectHash({ ...base, network: networkGrantFor('broker', { ...broker, egressAllow: ['evil.example'] }) }),
    ];
    expect(new Set(hashes).size).toBe(hashes.length);
  });

  it('controls bind the configured mode: the same exec call under host is another effect than under none', () => {
    const hashUnder = (grant: NetworkGrant): string => {
      const assess = createAssess({
        approvalsConfig: () => ApprovalsConfigSchema.parse({ require: ['exec', 'destructive'] }),
        tool: () => ({ actionClass: 'exec' }),
        workspace: () => '/w',
        network: () => grant,
      });
      return assess('exec', JSON.stringify({ command: 'ls' }), {
        agentId: 'a',
        sessionId: 's',
        caller: { owner: true },
      }).hash;
    };
    expect(hashUnder(networkGrantFor('host'))).not.toBe(hashUnder(networkGrantFor('none')));
    expect(hashUnder(networkGrantFor('broker', broker))).not.toBe(hashUnder(networkGrantFor('none')));
    expect(hashUnder(networkGrantFor('host'))).toBe(hashUnder(networkGrantFor('host')));
  });

  it('the operator view (`bulwark approvals show`) shows the mode and its grants', () => {
    const argsJson = JSON.stringify({ command: 'curl https://example.com' });
    const c = classifyAction({ tool: 'exec', declared: 'exec', argsJson, scratch: [], workspace: '/w' });
    for (const [grant, shown] of [
      [networkGrantFor('host'), /network {4}host \(grants: \*\)/],
      [
        networkGrantFor('broker', broker),
        /network {4}broker \(grants: api\.anthropic\.com, api\.openai\.com:443, pypi\.org\)/,
      ],
      [networkGrantFor('none'), /network {4}none\n/],
    ] as const) {
      const { effect, hash } = buildEffect(c, {
        tool: 'exec',
        argsJson,
        agentId: 'a',
        sessionId: 's',
        workspace: '/w',
        network: grant,
      });
      const view = buildView(c, effect);
      // As the CLI receives it from GET /v1/approvals/:id (JSON).
      const wire = JSON.parse(
        JSON.stringify({
          id: 'apr_1',
          status: 'pending',
          effectHash: hash,
          createdAt: 'now',
          expiresAt: 'later',
          waiters: 1,
          view,
        }),
      ) as Parameters<typeof renderApproval>[0];
      const text = renderApproval(wire);
      expect(text).toMatch(shown);
    }
  });
});
