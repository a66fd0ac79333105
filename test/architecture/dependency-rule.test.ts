import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { checkFile, checkTree, importsOf } from './dependency-rule.js';

const srcDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src');

describe('L26 dependency rule (DESIGN §4)', () => {
  it('holds for the whole source tree', () => {
    expect(checkTree(srcDir)).toEqual([]);
  });

  it('finds static, re-export, side-effect and dynamic imports', () => {
    const src = `import a from './a.js';\nexport { b } from "../b.js";\nimport './c.js';\nconst d = await import('./d.js');\nimport type { E } from './e.js';`;
    expect(importsOf(src).sort()).toEqual(['../b.js', './a.js', './c.js', './d.js', './e.js']);
  });

  it('rejects an inner room importing an outer one', () => {
    const v = checkFile('core/x.ts', "import { startDaemon } from '../daemon.js';");
    expect(v).toHaveLength(1);
    expect(v[0]?.reason).toMatch(/core \(tier 0\) must not import root/);
  });

  it('rejects imports between different rooms of the same tier', () => {
    expect(checkFile('guards/g.ts', "import { x } from '../secrets/vault.js';")[0]?.reason).toMatch(/tier 2/);
  });

  it('rejects a dynamic import that breaks the rule', () => {
    expect(checkFile('text/t.ts', "const m = await import('../gateway/server.js');")).toHaveLength(1);
  });

  it("rejects reaching into another room's internals instead of its index.ts", () => {
    const v = checkFile('gateway/app.ts', "import { ok } from '../core/result.js';");
    expect(v[0]?.reason).toMatch(/core's internals; import from its public surface core\/index.ts/);
    expect(checkFile('cli/commands/x.ts', "import { z } from '../../exec/sandbox/provider.js';")).toHaveLength(1);
    expect(checkFile('cli/commands/x.ts', "import { z } from '../../exec/index.js';")).toEqual([]);
  });

  it('rejects a file in an unknown room', () => {
    expect(checkFile('misc/x.ts', '')[0]?.reason).toMatch(/not a room/);
  });

  it('allows inward imports and imports inside a room', () => {
    expect(
      checkFile(
        'gateway/app.ts',
        "import { ok } from '../core/index.js';\nimport { y } from './y.js';\nimport { z } from '../agent/index.js';",
      ),
    ).toEqual([]);
  });
});
