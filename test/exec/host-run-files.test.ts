/** Which changes in disposable paths are files the host runs (L11.7 host-run.ts), by name, place and mode. */
import { describe, expect, it } from 'vitest';
import { hostRunFiles, hostRunReason, hostRunsPath } from '../../src/exec/effects/host-run.js';
import { PathGlobs } from '../../src/exec/effects/path-globs.js';
import type { TreeView } from '../../src/exec/host-executed/index.js';
import type { Effect } from '../../src/exec/effects/types.js';

const created = (path: string, mode = 0o644): Effect => ({ path, change: 'created', bytes: 1, mode });

describe('files the host runs in disposable paths', () => {
  it('knows bytecode, startup hooks, virtualenv commands and npm shims by place', () => {
    expect(hostRunsPath('src/__pycache__/m.cpython-311.pyc')).toMatch(/Python loads/);
    expect(hostRunsPath('.venv/lib/python3.11/site-packages/evil.pth')).toMatch(/startup/);
    expect(hostRunsPath('.venv/lib/python3.11/site-packages/sitecustomize.py')).toMatch(/startup/);
    expect(hostRunsPath('.venv/bin/python')).toMatch(/virtualenv command/);
    expect(hostRunsPath('tools/.venv/Scripts/pip.exe')).toMatch(/virtualenv command/);
    expect(hostRunsPath('.venv/pyvenv.cfg')).toMatch(/interpreter/);
    expect(hostRunsPath('packages/a/node_modules/.bin/jest')).toMatch(/npm shim/);
    expect(hostRunsPath('node_modules/left-pad/index.js')).toBeUndefined();
    expect(hostRunsPath('.venv/lib/python3.11/site-packages/pkg/mod.py')).toBeUndefined();
    expect(hostRunsPath('.cache/pip/http/abc')).toBeUndefined();
    // `import sitecustomize` finds a package or an extension module as well as a .py.
    expect(hostRunsPath('.venv/lib/python3.11/site-packages/sitecustomize/__init__.py')).toMatch(/startup/);
    expect(hostRunsPath('.venv/lib/python3.11/site-packages/usercustomize/hook.py')).toMatch(/startup/);
    expect(hostRunsPath('.venv/lib/python3.11/site-packages/sitecustomize.cpython-311-x86_64-linux-gnu.so')).toMatch(
      /startup/,
    );
    expect(hostRunsPath('.venv/lib/python3.11/site-packages/sitecustomizer.py')).toBeUndefined();
  });

  it('counts a link standing for a directory the host runs files from', () => {
    const link = (path: string) => hostRunReason({ path, change: 'symlink', bytes: 0, linkTarget: '../elsewhere' });
    expect(link('.venv/bin')).toMatch(/virtualenv/);
    expect(link('.venv/lib/python3.11/site-packages')).toMatch(/virtualenv/);
    expect(link('node_modules/.bin')).toMatch(/npm shims/);
    expect(link('packages/a/node_modules')).toMatch(/npm shims/);
    expect(link('src/__pycache__')).toMatch(/Python loads code/);
    expect(link('node_modules/left-pad')).toBeUndefined();
    expect(link('dist/latest')).toBeUndefined();
  });

  it('counts a new executable, a symlinked interpreter and an executable bit set; not deletions or plain files', () => {
    expect(hostRunReason(created('target/debug/app', 0o755))).toBe('an executable file');
    expect(hostRunReason(created('dist/bundle.js'))).toBeUndefined();
    expect(hostRunReason({ path: '.venv/bin/python', change: 'symlink', bytes: 0, linkTarget: '/tmp/x' })).toMatch(
      /virtualenv/,
    );
    const before = { ino: 1, size: 1, mtimeMs: 0, mode: 0o644, kind: 'file' as const };
    expect(hostRunReason({ path: 'build/run.sh', change: 'mode', bytes: 0, before, mode: 0o755 })).toMatch(
      /executable bit/,
    );
    expect(hostRunReason({ path: 'build/run.sh', change: 'mode', bytes: 0, before, mode: 0o600 })).toBeUndefined();
    expect(hostRunReason({ path: '__pycache__/m.pyc', change: 'deleted', bytes: 0, before })).toBeUndefined();
    expect(
      hostRunReason({ path: '__pycache__/b.pyc', change: 'renamed', from: '__pycache__/a.pyc', bytes: 0, before }),
    ).toMatch(/Python loads/);
  });
});

describe('a directory moved into a disposable path', () => {
  it('is read for its files the host runs within the run’s hash budget, the rest listed unhashed', async () => {
    // 200 .pth files of 4 MiB (what the view reads of one file at most): 800 MiB, past the 256 MiB budget.
    const names = Array.from({ length: 200 }, (_, i) => `hook${i}.pth`);
    const content = Buffer.alloc(4 * 1024 * 1024, 0x61);
    let read = 0;
    const after: TreeView = {
      exists: () => true,
      isDir: (p) => p === 'node_modules/moved',
      list: (p) => (p === 'node_modules/moved' ? names : []),
      readFile: () => {
        read += content.length;
        return content;
      },
    };
    const before = { ino: 1, size: 0, mtimeMs: 0, mode: 0o755, kind: 'dir' as const };
    const moved: Effect = { path: 'node_modules/moved', change: 'renamed', from: 'moved', bytes: 0, before };
    const files = await hostRunFiles([moved], '/nonexistent-upper', after, new PathGlobs(['node_modules/**']));
    expect(files).toHaveLength(200);
    expect(read).toBeLessThanOrEqual(256 * 1024 * 1024 + content.length);
    expect(files.filter((f) => f.sha256 === undefined).length).toBeGreaterThan(100);
  });
});
