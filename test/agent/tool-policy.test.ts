import { describe, expect, it } from 'vitest';
import { compileToolPolicy, PROFILES, TOOL_GROUPS, type ToolPolicyConfig } from '../../src/policy/tool-policy.js';
import { TOOL_PROFILES } from '../../src/config/schema.js';

// A catalogue shaped like the real one: the built-in fs tools plus tools other rooms add.
const CATALOGUE = [
  { name: 'read', group: 'fs:read' },
  { name: 'ls', group: 'fs:read' },
  { name: 'write', group: 'fs:write' },
  { name: 'edit', group: 'fs:write' },
  { name: 'exec', group: 'runtime' },
  { name: 'web_fetch', group: 'web' },
  { name: 'memory_search', group: 'memory' },
  { name: 'send_message', group: 'messaging' },
  { name: 'sessions_list', group: 'sessions' },
];

function allowed(config: Partial<ToolPolicyConfig> & Pick<ToolPolicyConfig, 'profile'>): string[] {
  const p = compileToolPolicy({ allow: [], deny: [], ...config });
  if (!p.ok) throw new Error(p.error.message);
  return [...p.value.allowedNames(CATALOGUE)].sort();
}

describe('L12 tool profiles', () => {
  it('minimal is exactly exec, read and write', () => {
    expect(allowed({ profile: 'minimal' })).toEqual(['exec', 'read', 'write']);
  });
  it('coding is fs:read, fs:write, runtime, web and memory', () => {
    expect(allowed({ profile: 'coding' })).toEqual([
      'edit',
      'exec',
      'ls',
      'memory_search',
      'read',
      'web_fetch',
      'write',
    ]);
  });
  it('messaging is messaging, fs:read and memory', () => {
    expect(allowed({ profile: 'messaging' })).toEqual(['ls', 'memory_search', 'read', 'send_message']);
  });
  it('supervisor is sessions and fs:read', () => {
    expect(allowed({ profile: 'supervisor' })).toEqual(['ls', 'read', 'sessions_list']);
  });
  it('full is every group', () => {
    expect(allowed({ profile: 'full' })).toEqual(CATALOGUE.map((t) => t.name).sort());
    expect([...PROFILES.full.groups].sort()).toEqual([...TOOL_GROUPS].sort());
  });
  it('every profile of the config schema is defined', () => {
    for (const p of TOOL_PROFILES) expect(PROFILES[p]).toBeDefined();
  });
  it('a tool of an unknown group is allowed by no profile', () => {
    for (const profile of TOOL_PROFILES) {
      const p = compileToolPolicy({ profile, allow: [], deny: [] });
      expect(p.ok && p.value.decide('mystery', 'unknown-group').allowed).toBe(false);
    }
  });
});

describe('L12 allow and deny lists', () => {
  it('allow adds a tool by name or by group', () => {
    expect(allowed({ profile: 'messaging', allow: ['write'] })).toEqual([
      'ls',
      'memory_search',
      'read',
      'send_message',
      'write',
    ]);
    expect(allowed({ profile: 'minimal', allow: ['group:web'] })).toEqual(['exec', 'read', 'web_fetch', 'write']);
  });
  it('deny removes a tool by name or by group', () => {
    expect(allowed({ profile: 'coding', deny: ['exec'] })).not.toContain('exec');
    expect(allowed({ profile: 'coding', deny: ['group:fs:write'] })).toEqual([
      'exec',
      'ls',
      'memory_search',
      'read',
      'web_fetch',
    ]);
  });
  it('deny wins over allow and over the profile', () => {
    expect(allowed({ profile: 'full', allow: ['exec'], deny: ['exec'] })).not.toContain('exec');
    expect(allowed({ profile: 'minimal', allow: ['group:runtime'], deny: ['group:runtime'] })).toEqual([
      'read',
      'write',
    ]);
  });
  it('a denial says why', () => {
    const p = compileToolPolicy({ profile: 'minimal', allow: [], deny: ['write'] });
    if (!p.ok) throw new Error('compile failed');
    const d1 = p.value.decide('write', 'fs:write');
    const d2 = p.value.decide('ls', 'fs:read');
    expect(d1.allowed).toBe(false);
    expect(!d1.allowed && d1.reason).toMatch(/deny/);
    expect(!d2.allowed && d2.reason).toMatch(/profile "minimal"/);
  });
  it('an unknown group in allow or deny is a configuration error, not a silent no-op', () => {
    const a = compileToolPolicy({ profile: 'coding', allow: [], deny: ['group:fs-write'] });
    expect(a.ok).toBe(false);
    expect(!a.ok && a.error.code).toBe('policy.unknown_group');
    expect(!a.ok && a.error.layer).toBe('L12');
    expect(compileToolPolicy({ profile: 'coding', allow: ['group:nope'], deny: [] }).ok).toBe(false);
    expect(compileToolPolicy({ profile: 'coding', allow: [' '], deny: [] }).ok).toBe(false);
  });
  it('names are exact: a near-miss name is not allowed', () => {
    expect(allowed({ profile: 'minimal' })).not.toContain('ls');
    const p = compileToolPolicy({ profile: 'minimal', allow: [], deny: [] });
    expect(p.ok && p.value.decide('Exec', 'runtime').allowed).toBe(false);
    expect(p.ok && p.value.decide('read ', 'fs:read').allowed).toBe(false);
  });
});
