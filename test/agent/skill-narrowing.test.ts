/** allowed-tools narrowing per session: intersection only, aliases mapped, skill tools kept, sessions apart. */
import { describe, expect, it } from 'vitest';
import { allowedToolSet, SkillNarrowing } from '../../src/agent/skills.js';

describe('SkillNarrowing', () => {
  it('narrows nothing until a skill with allowed-tools is activated, then only what it lists', () => {
    const n = new SkillNarrowing();
    expect(n.allows('s1', 'write')).toBe(true);
    n.narrow('s1', []);
    expect(n.allows('s1', 'write')).toBe(true);
    n.narrow('s1', ['Bash', 'Read']);
    expect(n.allows('s1', 'exec')).toBe(true);
    expect(n.allows('s1', 'read')).toBe(true);
    expect(n.allows('s1', 'write')).toBe(false);
    expect(n.allows('s1', 'skill_read')).toBe(true);
    expect(n.allows('s2', 'write')).toBe(true);
  });

  it('a second skill only narrows further, never adds back', () => {
    const n = new SkillNarrowing();
    n.narrow('s', ['Bash', 'Read']);
    n.narrow('s', ['Read', 'Write', 'WebFetch']);
    expect(n.allows('s', 'read')).toBe(true);
    expect(n.allows('s', 'exec')).toBe(false);
    expect(n.allows('s', 'write')).toBe(false);
    expect(n.allows('s', 'web_fetch')).toBe(false);
  });

  it('maps the names skills published for other agents use, and keeps unknown names as written', () => {
    expect([...allowedToolSet(['Bash', 'WebFetch', 'Edit', 'memory_save', 'Glob'])].sort()).toEqual([
      'edit',
      'exec',
      'glob',
      'memory_save',
      'web_fetch',
    ]);
  });
});
