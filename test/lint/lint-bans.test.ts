/** L26: each lint ban fires on a violating snippet placed where the ban applies, and not where it is allowed. */
import { describe, expect, it } from 'vitest';
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: root });

async function messages(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(root, filePath) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

const cases: Array<{ name: string; code: string; file: string; expect: RegExp }> = [
  {
    name: 'process.env member access',
    code: 'export const k = process.env.OPENAI_API_KEY;\n',
    file: 'src/agent/x.ts',
    expect: /process\.env is read only/,
  },
  {
    name: 'process["env"]',
    code: "export const k = process['env'];\n",
    file: 'src/agent/x.ts',
    expect: /process\.env is read only/,
  },
  {
    name: 'spreading process.env',
    code: 'export const e = { ...process.env };\n',
    file: 'src/gateway/x.ts',
    expect: /process\.env is read only/,
  },
  {
    name: 'passing the whole process.env',
    code: 'declare function f(x: unknown): void;\nf(process.env);\n',
    file: 'src/cli/x.ts',
    expect: /process\.env is read only/,
  },
  {
    name: 'destructuring env from process',
    code: 'const { env } = process;\nexport { env };\n',
    file: 'src/core/x.ts',
    expect: /process\.env/,
  },
  {
    name: 'importing env from node:process',
    code: "import { env } from 'node:process';\nexport { env };\n",
    file: 'src/core/x.ts',
    expect: /process\.env is read only/,
  },
  {
    name: "reaching into another room's internals",
    code: "import { ok } from '../../core/result.js';\nexport { ok };\n",
    file: 'src/cli/commands/x.ts',
    expect: /through its index\.ts/,
  },
  { name: 'eval', code: 'export const v = eval("1+1");\n', file: 'src/text/x.ts', expect: /no-eval/ },
  {
    name: 'new Function',
    code: 'export const f = new Function("return 1");\n',
    file: 'src/text/x.ts',
    expect: /no-new-func/,
  },
  {
    name: 'empty catch block',
    code: 'try { JSON.parse("x"); } catch { }\n',
    file: 'src/guards/x.ts',
    expect: /empty catch block/,
  },
  {
    name: 'empty catch block with only a comment',
    code: 'try { JSON.parse("x"); } catch {\n  // ignore\n}\n',
    file: 'src/guards/x.ts',
    expect: /empty catch block/,
  },
  {
    name: '.catch(() => {})',
    code: 'declare const p: Promise<void>;\nvoid p.catch(() => {});\n',
    file: 'src/net/x.ts',
    expect: /swallows an error/,
  },
  {
    name: '.catch(() => undefined)',
    code: 'declare const p: Promise<void>;\nvoid p.catch(() => undefined);\n',
    file: 'src/net/x.ts',
    expect: /swallows an error/,
  },
  {
    name: 'child_process import outside exec',
    code: "import { spawn } from 'node:child_process';\nexport { spawn };\n",
    file: 'src/agent/x.ts',
    expect: /child_process is only used in src\/exec/,
  },
  {
    name: 'dynamic child_process import',
    code: "export const m = await import('child_process');\n",
    file: 'src/agent/x.ts',
    expect: /child_process is only used in src\/exec/,
  },
  {
    name: 'createRequire bypass',
    code: "import { createRequire } from 'node:module';\nexport { createRequire };\n",
    file: 'src/agent/x.ts',
    expect: /createRequire/,
  },
  {
    name: 'path.join on input',
    code: "import path from 'node:path';\nexport const p = (u: string) => path.join('/ws', u);\n",
    file: 'src/agent/x.ts',
    expect: /safe-path/,
  },
  {
    name: 'path.resolve on input',
    code: "import path from 'node:path';\nexport const p = (u: string) => path.resolve('/ws', u);\n",
    file: 'src/agent/x.ts',
    expect: /safe-path/,
  },
  {
    name: 'named import of join',
    code: "import { join } from 'node:path';\nexport const p = (u: string) => join('/ws', u);\n",
    file: 'src/agent/x.ts',
    expect: /safe-path/,
  },
  {
    name: 'aliasing node:path to dodge the ban',
    code: "import * as p from 'node:path';\nexport const j = (u: string) => p.join('/ws', u);\n",
    file: 'src/agent/x.ts',
    expect: /import node:path as `path`/,
  },
];

describe('L26 lint security bans', () => {
  for (const c of cases) {
    it(`bans ${c.name}`, async () => {
      const found = await messages(c.code, c.file);
      expect(
        found.some((m) => c.expect.test(m)),
        found.join('\n'),
      ).toBe(true);
    });
  }

  it('allows process.env only in src/config/env.ts', async () => {
    expect(
      (await messages('export const k = process.env.HOME;\n', 'src/config/env.ts')).filter((m) =>
        /process\.env/.test(m),
      ),
    ).toEqual([]);
  });

  it('allows child_process inside src/exec/', async () => {
    const found = await messages("import { spawn } from 'node:child_process';\nexport { spawn };\n", 'src/exec/x.ts');
    expect(found.filter((m) => /child_process is only used/.test(m))).toEqual([]);
  });

  it('allows path.join only in src/core/safe-path.ts', async () => {
    const found = await messages(
      "import path from 'node:path';\nexport const p = (u: string) => path.join('/ws', u);\n",
      'src/core/safe-path.ts',
    );
    expect(found.filter((m) => /safe-path/.test(m))).toEqual([]);
  });

  it("allows another room's index.ts and a room's own files", async () => {
    const code = "import { ok } from '../../core/index.js';\nimport { y } from '../tools/y.js';\nexport { ok, y };\n";
    expect((await messages(code, 'src/agent/gates/x.ts')).filter((m) => /index\.ts/.test(m))).toEqual([]);
  });

  it('still bans swallowed errors in tests', async () => {
    expect(
      (await messages('try { JSON.parse("x"); } catch { }\n', 'test/x.test.ts')).some((m) => /empty catch/.test(m)),
    ).toBe(true);
  });
});
