import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLibrary } from '../../src/drill/library.js';
import { GOAL_IDS } from '../../src/drill/scenario.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function libraryOf(files: Record<string, string>): string {
  const d = mkdtempSync(path.join(tmpdir(), 'bw-drill-lib-'));
  dirs.push(d);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(d, name), text);
  return d;
}

describe('the drill scenario library', () => {
  it('ships at least 60 valid scenarios covering every goal, with unique ids', () => {
    const lib = loadLibrary();
    expect(lib.ok, lib.ok ? '' : lib.error.message).toBe(true);
    if (!lib.ok) return;
    expect(lib.value.length).toBeGreaterThanOrEqual(60);
    for (const goal of GOAL_IDS)
      expect(
        lib.value.some((s) => s.goal === goal),
        goal,
      ).toBe(true);
    expect(new Set(lib.value.map((s) => s.id)).size).toBe(lib.value.length);
    // Goal order: the budget scenarios run last (they may use up shared budgets).
    expect(lib.value[lib.value.length - 1]?.goal).toBe('burn-budget');
  });

  it('refuses a library with an unknown placeholder, transform or duplicate id, naming file and scenario', () => {
    const dir = libraryOf({
      'a.yaml': `goal: exfiltrate-canary
scenarios:
  - id: one-scenario
    title: uses an unknown placeholder
    proves: nothing, it is broken on purpose
    model: [{ say: '{{nosuchthing}}' }]
    brokeIf: [{ clientSaw: '{{canary}}' }]
  - id: two-scenario
    title: uses an unknown transform
    proves: nothing, it is broken on purpose
    model: [{ say: '{{canary|rot47}}' }]
    brokeIf: [{ clientSaw: '{{canary}}' }]
`,
      'b.yaml': `goal: exfiltrate-canary
scenarios:
  - id: one-scenario
    title: the same id again
    proves: nothing, it is broken on purpose
    model: [{ say: hi }]
    brokeIf: [{ clientSaw: '{{canary}}' }]
`,
    });
    const lib = loadLibrary(dir);
    expect(lib.ok).toBe(false);
    if (lib.ok) return;
    expect(lib.error.message).toMatch(/a\.yaml: scenario one-scenario: .*unknown placeholder \{\{nosuchthing\}\}/);
    expect(lib.error.message).toMatch(/a\.yaml: scenario two-scenario: .*unknown transform "rot47"/);
    expect(lib.error.message).toMatch(/b\.yaml: scenario id one-scenario is also used in a\.yaml/);
  });

  it('refuses an unknown goal and a scenario without a success check', () => {
    const dir = libraryOf({
      'c.yaml': `goal: take-over-the-world
scenarios:
  - id: c-scenario
    title: no checks at all
    proves: nothing, it is broken on purpose
    model: [{ say: hi }]
    brokeIf: []
`,
    });
    const lib = loadLibrary(dir);
    expect(lib.ok).toBe(false);
    if (!lib.ok) {
      expect(lib.error.message).toMatch(/c\.yaml: goal/);
      expect(lib.error.message).toMatch(/c\.yaml: scenarios\[0\]\.brokeIf/);
    }
  });
});
