/**
 * `approvals.strangers` (issue 19): parsing, and what L27 decides for a non-owner caller's call in each mode —
 * the owner's calls, memory tools and skill tools are untouched.
 */
import { describe, expect, it } from 'vitest';
import { createAssess } from '../../src/agent/gates/action-assessment.js';
import { parseConfigText } from '../../src/config/load.js';
import { ApprovalsConfigSchema } from '../../src/config/sections/approvals.js';
import type { ActionClass } from '../../src/config/index.js';

const YAML = (strangers: string) => `agents:\n  - id: a\n    approvals: { strangers: ${strangers} }\n`;

describe('approvals.strangers in config', () => {
  it('is ask unless set; allow and deny are taken', () => {
    expect(ApprovalsConfigSchema.parse({}).strangers).toBe('ask');
    for (const mode of ['ask', 'allow', 'deny']) {
      const r = parseConfigText(YAML(mode), 'config.yaml');
      expect(r.ok && r.value.agents[0]?.approvals.strangers).toBe(mode);
    }
  });

  it.each(['yes', 'ASK', 'true', '[ask]', '""', 'require'])('refuses %s with the values it takes', (bad) => {
    const r = parseConfigText(YAML(bad), 'config.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toContain('agents[0].approvals.strangers');
      expect(r.error.message).toContain('must be one of ask, allow, deny');
    }
  });
});

const OWNER = { owner: true };
const STRANGER = { owner: false };

function assessFor(
  strangers: 'ask' | 'allow' | 'deny',
  declared: Record<string, ActionClass>,
  shared = new Set<string>(),
) {
  const cfg = ApprovalsConfigSchema.parse({ strangers });
  const assess = createAssess({
    approvalsConfig: () => cfg,
    tool: (_a, name) => ({
      ...(declared[name] !== undefined ? { actionClass: declared[name] } : {}),
      ...(shared.has(name) ? { sharedReadOnly: true as const } : {}),
    }),
    workspace: () => '/nonexistent-ws',
    network: () => ({ mode: 'none', grants: [] }),
  });
  return (tool: string, args: object, caller: { owner: boolean }) =>
    assess(tool, JSON.stringify(args), { agentId: 'a', sessionId: 's', caller });
}

describe("L27 for a stranger's tool calls", () => {
  const declared: Record<string, ActionClass> = {
    read: 'read',
    web_fetch: 'network',
    memory_search: 'memory',
    skill_read: 'read',
  };
  const shared = new Set(['skill_read']);

  it('ask: every workspace, network or unknown (MCP) call waits for the operator, with the reason shown', () => {
    const assess = assessFor('ask', declared, shared);
    for (const [tool, args] of [
      ['read', { path: 'notes/a.md' }],
      ['web_fetch', { url: 'https://example.org/' }],
      ['mcp_srv_do', { x: 1 }],
    ] as const) {
      const a = assess(tool, args, STRANGER);
      expect(a.decision, tool).toBe('approve');
      expect(a.classification.reasons.at(-1)).toContain('approvals.strangers: ask');
      expect(assess(tool, args, OWNER).decision === 'approve', tool).toBe(tool === 'mcp_srv_do');
    }
  });

  it('memory and skill tools stay as they are', () => {
    const assess = assessFor('ask', declared, shared);
    expect(assess('memory_search', { query: 'x' }, STRANGER).decision).toBe('allow');
    expect(assess('skill_read', { name: 's', path: 'a.md' }, STRANGER).decision).toBe('allow');
  });

  it('deny refuses them; allow leaves them to the agent lists', () => {
    expect(assessFor('deny', declared)('read', { path: 'a' }, STRANGER).decision).toBe('deny');
    expect(assessFor('deny', declared)('read', { path: 'a' }, OWNER).decision).toBe('allow');
    expect(assessFor('allow', declared)('read', { path: 'a' }, STRANGER).decision).toBe('allow');
  });

  it('the hash of the effect does not depend on who asks (the reason is shown, not bound)', () => {
    const assess = assessFor('ask', declared);
    expect(assess('read', { path: 'a' }, STRANGER).hash).toBe(assess('read', { path: 'a' }, OWNER).hash);
  });
});
