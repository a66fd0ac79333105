/**
 * The write and edit tools on every path they write: host-executed files are refused (gate L11.7) with the rule and
 * key named, nothing lands; the operator channel — and only it — can allow one exact change, and a change that
 * drifts while the operator decides is refused as stale.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { editTool, writeTool } from '../../src/agent/tools/fs/index.js';
import type { OperatorRequest, Tool, ToolRunContext } from '../../src/agent/tools/tool.js';
import { bulwarkError } from '../../src/core/errors.js';
import { err, ok } from '../../src/core/result.js';

let ws: string;
let ctx: ToolRunContext;

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'bulwark-hostfiles-ws-'));
  mkdirSync(join(ws, '.git', 'objects'), { recursive: true });
  mkdirSync(join(ws, '.git', 'refs'), { recursive: true });
  writeFileSync(join(ws, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(ws, '.git', 'config'), '[core]\n\trepositoryformatversion = 0\n\tbare = false\n');
  ctx = {
    agentId: 'a',
    sessionId: 's',
    traceId: 't',
    caller: { kind: 'token', id: 'u', scopes: ['chat'], owner: false },
    workspace: ws,
    signal: new AbortController().signal,
  };
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

const run = (tool: Tool, args: unknown, c = ctx) => tool.run(args, c);

describe('refused without an operator', () => {
  it('write of .git/config with core.fsmonitor: L11.7, rule and key named, nothing written', async () => {
    const before = readFileSync(join(ws, '.git', 'config'), 'utf8');
    const r = await run(writeTool, { path: '.git/config', content: `${before}\tfsmonitor = touch /tmp/p\n` });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toMatchObject({ code: 'host_file.refused', layer: 'L11.7', status: 403 });
    expect(r.error.message).toContain('[git.config core.fsmonitor]');
    expect(r.error.message).toContain('No operator can be asked here');
    expect(readFileSync(join(ws, '.git', 'config'), 'utf8')).toBe(before);
  });

  it('edit that adds a key to .git/config is refused the same way', async () => {
    const r = await run(editTool, {
      path: '.git/config',
      old_string: '\tbare = false\n',
      new_string: '\tbare = false\n\tpager = id\n',
    });
    expect(r.ok ? '' : r.error.message).toContain('[git.config core.pager]');
    expect(readFileSync(join(ws, '.git', 'config'), 'utf8')).not.toContain('pager');
  });

  it('hooks, .envrc, editor tasks, a .git file pointing outside: none lands', async () => {
    for (const [path, content, rule] of [
      ['.git/hooks/pre-commit', '#!/bin/sh\nid\n', 'git.hooks'],
      ['.envrc', 'id\n', 'direnv'],
      [
        '.vscode/tasks.json',
        '{"tasks":[{"label":"x","command":"id","runOptions":{"runOn":"folderOpen"}}]}',
        'editor.vscode',
      ],
      ['sub/.git', 'gitdir: /tmp\n', 'git.dotgit'],
      [
        'gradle/wrapper/gradle-wrapper.properties',
        'distributionUrl=https\\://example.invalid/g.zip\n',
        'build.gradle-wrapper',
      ],
      ['.mvn/jvm.config', '-javaagent:/tmp/a.jar\n', 'build.maven'],
      ['.mvn/maven.config', '-X\n', 'build.maven'],
      ['.mvn/extensions.xml', '<extensions/>', 'build.maven'],
      ['.mvn/wrapper/maven-wrapper.properties', 'distributionUrl=https://example.invalid/m.zip\n', 'build.maven'],
      ['.bundle/config', 'BUNDLE_PATH: x\n', 'pkg.bundler'],
      ['.tool-versions', 'nodejs path:/tmp/x\n', 'pkg.tool-versions'],
      ['.hg/hgrc', '[extensions]\nx = /tmp/x.py\n', 'vcs.mercurial'],
    ]) {
      const r = await run(writeTool, { path, content });
      expect(r.ok ? '' : r.error.message, path).toContain(`[${rule}`);
      expect(existsSync(join(ws, path as string)), path).toBe(false);
    }
    // The directories the refused write would have created were not created either.
    expect(existsSync(join(ws, '.vscode'))).toBe(false);
    expect(existsSync(join(ws, 'sub'))).toBe(false);
  });

  it('a directory the write would create completes a git directory: judged as its config', async () => {
    mkdirSync(join(ws, 'x', 'refs'), { recursive: true });
    writeFileSync(join(ws, 'x', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(ws, 'x', 'config'), '[core]\n\tfsmonitor = id\n');
    const r = await run(writeTool, { path: 'x/objects/info/packs', content: '' });
    expect(r.ok ? '' : r.error.message).toContain('[git.config core.fsmonitor]');
    expect(existsSync(join(ws, 'x', 'objects'))).toBe(false);
  });

  it('through a symlinked directory the file is judged under both names', async () => {
    mkdirSync(join(ws, 'notes'));
    symlinkSync('notes', join(ws, '.vscode'));
    const r = await run(writeTool, { path: '.vscode/tasks.json', content: '{}' });
    expect(r.ok ? '' : r.error.message).toContain('[editor.vscode]');
    expect(existsSync(join(ws, 'notes', 'tasks.json'))).toBe(false);
  });

  it('everyday files pass', async () => {
    for (const [path, content] of [
      ['.gitattributes', '*.png filter=lfs diff=lfs merge=lfs -text\n'],
      ['.gitignore', 'dist/\n'],
      ['README.md', '# x\n'],
      ['src/main.ts', 'console.log(1);\n'],
      ['.git/info/exclude', '*.log\n'],
    ]) {
      const r = await run(writeTool, { path, content });
      expect(r.ok, path).toBe(true);
      expect(readFileSync(join(ws, path as string), 'utf8')).toBe(content);
    }
    const e = await run(editTool, { path: 'README.md', old_string: '# x', new_string: '# y' });
    expect(e.ok).toBe(true);
  });
});

describe('the operator decides one exact change', () => {
  function withOperator(decide: (req: OperatorRequest) => boolean | Promise<boolean>): {
    ctx: ToolRunContext;
    asked: OperatorRequest[];
  } {
    const asked: OperatorRequest[] = [];
    return {
      asked,
      ctx: {
        ...ctx,
        operator: {
          async ask(req) {
            asked.push(req);
            return (await decide(req))
              ? ok(undefined)
              : err(bulwarkError('approval.denied', 'write was not run: the operator denied it.', { layer: 'L11.7' }));
          },
        },
      },
    };
  }

  it('approved: written, after the operator saw gate, rule, reason and diff', async () => {
    const op = withOperator(() => true);
    const r = await run(writeTool, { path: '.envrc', content: 'export A=1\n' }, op.ctx);
    expect(r.ok).toBe(true);
    expect(readFileSync(join(ws, '.envrc'), 'utf8')).toBe('export A=1\n');
    const [req] = op.asked;
    expect(req?.layer).toBe('L11.7');
    expect(req?.reasons.join('\n')).toMatch(/L11\.7 direnv: \.envrc: .*direnv runs it/);
    expect(req?.diff).toContain('+export A=1');
    expect(req?.preimage).toBe('absent');
    expect(JSON.stringify(req?.subject)).toContain('"rule":"direnv"');
  });

  it('denied: nothing written, the model is told not to retry', async () => {
    const op = withOperator(() => false);
    const r = await run(writeTool, { path: '.envrc', content: 'id\n' }, op.ctx);
    expect(r.ok ? '' : r.error.message).toContain('the operator denied it');
    expect(existsSync(join(ws, '.envrc'))).toBe(false);
  });

  it('a file that changes while the operator decides voids the approval (stale)', async () => {
    writeFileSync(join(ws, '.envrc'), 'export A=1\n');
    const op = withOperator(() => {
      writeFileSync(join(ws, '.envrc'), 'export A=2\n');
      return true;
    });
    const r = await run(writeTool, { path: '.envrc', content: 'export A=3\n' }, op.ctx);
    expect(r.ok ? '' : r.error.code).toBe('host_file.stale');
    expect(readFileSync(join(ws, '.envrc'), 'utf8')).toBe('export A=2\n');
  });

  it('edit: the approval binds the file it was shown on', async () => {
    const op = withOperator(() => {
      writeFileSync(join(ws, '.git', 'config'), '[core]\n\tbare = false\n\tfilemode = true\n');
      return true;
    });
    const r = await run(
      editTool,
      { path: '.git/config', old_string: '\tbare = false\n', new_string: '\tbare = false\n\tpager = id\n' },
      op.ctx,
    );
    expect(r.ok ? '' : r.error.code).toBe('host_file.stale');
    expect(readFileSync(join(ws, '.git', 'config'), 'utf8')).not.toContain('pager');
  });

  it('an ordinary write never asks', async () => {
    const op = withOperator(() => false);
    expect((await run(writeTool, { path: 'a.txt', content: 'x' }, op.ctx)).ok).toBe(true);
    expect(op.asked).toEqual([]);
  });
});

describe("the operator's own config is not the write's", () => {
  const OPERATOR =
    '[core]\n\tbare = false\n\teditor = vim\n[pull]\n\trebase = false\n[alias]\n\tlg = !git log --graph\n';

  it('edit adds user.name to a config with keys the allow-list does not have: passes', async () => {
    writeFileSync(join(ws, '.git', 'config'), OPERATOR);
    const r = await run(editTool, {
      path: '.git/config',
      old_string: '[pull]',
      new_string: '[user]\n\tname = Agent\n[pull]',
    });
    expect(r.ok).toBe(true);
    expect(readFileSync(join(ws, '.git', 'config'), 'utf8')).toContain('name = Agent');
  });

  it('edit adds core.pager there: refused, naming only what it adds', async () => {
    writeFileSync(join(ws, '.git', 'config'), OPERATOR);
    const r = await run(editTool, {
      path: '.git/config',
      old_string: '\teditor = vim\n',
      new_string: '\teditor = vim\n\tpager = id\n',
    });
    expect(r.ok ? '' : r.error.message).toContain('[git.config core.pager]');
    expect(r.ok ? '' : r.error.message).not.toMatch(/alias\.lg|pull\.rebase|core\.editor/);
  });

  it('rewriting an existing operator key to a new value is a new entry', async () => {
    writeFileSync(join(ws, '.git', 'config'), OPERATOR);
    const r = await run(writeTool, {
      path: '.git/config',
      content: OPERATOR.replace('editor = vim', 'editor = touch /tmp/p'),
    });
    expect(r.ok ? '' : r.error.message).toContain('[git.config core.editor]');
  });
});

describe('a `/workspace/…` pointer means what it means to exec (the same judge view)', () => {
  it('a .git file naming the workspace repository through the mount point is written', async () => {
    const r = await run(writeTool, { path: 'sub/.git', content: 'gitdir: /workspace/.git\n' });
    expect(r.ok ? '' : r.error.message).toBe('');
    expect(readFileSync(join(ws, 'sub', '.git'), 'utf8')).toBe('gitdir: /workspace/.git\n');
  });

  it('one naming a planted config through the mount point is judged there: refused for its key', async () => {
    mkdirSync(join(ws, 'notgit'));
    writeFileSync(join(ws, 'notgit', 'config'), '[core]\n\tfsmonitor = touch /tmp/x\n');
    const r = await run(writeTool, { path: 'v/.git', content: 'gitdir: /workspace/notgit\n' });
    expect(r.ok ? '' : r.error.message).toContain('core.fsmonitor');
    expect(existsSync(join(ws, 'v'))).toBe(false);
  });

  it('one leading out of the workspace through the mount point stays refused', async () => {
    const r = await run(writeTool, { path: 'v/.git', content: 'gitdir: /workspace/../etc\n' });
    expect(r.ok ? '' : r.error.message).toMatch(/leads out of the workspace/);
    expect(existsSync(join(ws, 'v'))).toBe(false);
  });
});
