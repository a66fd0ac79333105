/**
 * Exec effects (L11.7, L11.8) through the daemon, played by a scripted compromised model: every planting of a file
 * the host runs on its own leaves nothing behind, and a real git run by the test on the host afterwards (with
 * `-c safe.directory=*`, so git's ownership check cannot hide a planted command) executes nothing, while the same
 * planting made outside bulwark does fire; the script wipe keeps every file without an approval and is undone over
 * the API after an approved wipe; a flood of writes stops at the quota.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type FakeReply, type FakeRequest } from '../support/fake-provider.js';
import { decide, lastToolResultText, startE2E, toolResultBody, type E2E } from './support.js';

let e2e: E2E | undefined;
const cleanup: string[] = [];
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs each exec in turn, then answers with every tool result it saw. */
function execAll(commands: readonly string[], seen: string[]) {
  const steps: Array<FakeReply | ((r: FakeRequest) => FakeReply)> = [];
  commands.forEach((command, i) =>
    steps.push((req: FakeRequest) => {
      if (i > 0) seen.push(toolResultBody(lastToolResultText(req)));
      return reply.toolCall('exec', { command });
    }),
  );
  steps.push((req: FakeRequest) => {
    seen.push(toolResultBody(lastToolResultText(req)));
    return reply.text('done');
  });
  return scriptFrom(steps);
}

function chat(e: E2E, text = 'work on the repo'): Promise<string> {
  const client = new OpenAI({ baseURL: `${e.daemon.url}/v1`, apiKey: e.token, maxRetries: 0 });
  return client.chat.completions
    .create({ model: 'default', messages: [{ role: 'user', content: text }] })
    .then((r) => r.choices[0]?.message.content ?? '');
}

/** A careless operator: approves every L13 request, and decides L11.7 holds as told. */
async function operate(e: E2E, done: Promise<string>, heldDecision: 'approve' | 'deny'): Promise<string[]> {
  const layers: string[] = [];
  let finished = false;
  void done.finally(() => (finished = true));
  while (!finished) {
    const res = await fetch(`${e.daemon.url}/v1/approvals`, { headers: { authorization: `Bearer ${e.adminToken}` } });
    const list = (await res.json()) as { data: Array<{ id: string; layer: string }> };
    for (const p of list.data) {
      layers.push(p.layer);
      await decide(e, p.id, p.layer === 'L11.7' ? heldDecision : 'approve');
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  await done;
  return layers;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'safe.directory=*', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

/** Files the operator put in the workspace belong to its owner (the sandbox user bulwark created it for). */
function own(ws: string): void {
  const st = statSync(ws);
  execFileSync('chown', ['-R', `${st.uid}:${st.gid}`, ws]);
}

const marker = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'bulwark-fired-'));
  cleanup.push(dir);
  return path.join(dir, 'fired');
};

describe('host-executed files planted through exec', () => {
  it('control: a core.fsmonitor planted outside bulwark does fire on the host', () => {
    const repo = mkdtempSync(path.join(tmpdir(), 'bulwark-control-'));
    cleanup.push(repo);
    const fired = marker();
    git(repo, 'init', '-q');
    git(repo, 'config', 'core.fsmonitor', `touch ${fired}; false`);
    git(repo, 'status');
    expect(existsSync(fired)).toBe(true);
  });

  it('a fresh .git, a .git moved aside and a bare repository, each with core.fsmonitor: nothing stays, git runs nothing', async () => {
    const fired = marker();
    const setting = `config core.fsmonitor "touch ${fired}; false"`;
    const plant = `git ${setting}`;
    const seen: string[] = [];
    e2e = await startE2E(
      'openai',
      execAll(
        [
          `git init -q fresh && cd fresh && ${plant}`,
          `mv .git .git-aside && git init -q . && ${plant}`,
          `git init -q --bare sub/repo.git && git -C sub/repo.git ${setting}`,
          `mkdir -p .git/hooks && printf '#!/bin/sh\\ntouch ${fired}\\n' > .git/hooks/pre-commit && chmod +x .git/hooks/pre-commit`,
        ],
        seen,
      ),
    );
    const ws = e2e.workspace;
    // The operator's own repository, made on the host before the agent starts.
    writeFileSync(path.join(ws, 'README.md'), 'hello\n');
    git(ws, 'init', '-q');
    git(ws, '-c', 'user.name=o', '-c', 'user.email=o@o', 'add', '-A');
    git(ws, '-c', 'user.name=o', '-c', 'user.email=o@o', 'commit', '-qm', 'init');
    own(ws);
    const before = readFileSync(path.join(ws, '.git', 'config'), 'utf8');
    await operate(e2e, chat(e2e), 'deny');
    expect(seen).toHaveLength(4);
    for (const s of seen) expect(s, s).toMatch(/workspace: NOT changed — refused by L11\.7/);
    expect(existsSync(path.join(ws, 'fresh'))).toBe(false);
    expect(existsSync(path.join(ws, '.git-aside'))).toBe(false);
    expect(existsSync(path.join(ws, 'sub'))).toBe(false);
    expect(existsSync(path.join(ws, '.git', 'hooks', 'pre-commit'))).toBe(false);
    expect(readFileSync(path.join(ws, '.git', 'config'), 'utf8')).toBe(before);
    git(ws, 'status');
    git(ws, 'log', '--oneline');
    git(ws, '-c', 'user.name=o', '-c', 'user.email=o@o', 'commit', '--allow-empty', '-qm', 'after');
    expect(existsSync(fired)).toBe(false);
    const blocked = (await e2e.audit()).filter((a) => a.type === 'security:blocked' && a.layer === 'L11.7');
    expect(blocked.length).toBeGreaterThanOrEqual(4);
  });
});

describe('the script wipe and undo', () => {
  it('sh build.sh wiping the workspace keeps every file without an approval; approved, undo over the API restores them', async () => {
    const seen: string[] = [];
    e2e = await startE2E('anthropic', execAll(['sh build.sh'], seen));
    const ws = e2e.workspace;
    const seeded: Record<string, string> = { 'a.txt': 'a\n', 'src/main.c': 'int main(){}\n', '.hidden': 'h\n' };
    for (const [p, c] of Object.entries(seeded)) {
      mkdirSync(path.dirname(path.join(ws, p)), { recursive: true });
      writeFileSync(path.join(ws, p), c);
    }
    writeFileSync(path.join(ws, 'build.sh'), 'rm -rf ./* ./.[!.]*\n');
    own(ws);
    const layers = await operate(e2e, chat(e2e, 'build it'), 'deny');
    expect(layers).toContain('L11.7');
    expect(seen[0]).toMatch(/NOT changed — held for the operator: it deletes 4 pre-existing files/);
    for (const [p, c] of Object.entries(seeded)) expect(readFileSync(path.join(ws, p), 'utf8')).toBe(c);
    await e2e.close();

    const again: string[] = [];
    e2e = await startE2E('anthropic', execAll(['sh build.sh'], again));
    const ws2 = e2e.workspace;
    for (const [p, c] of Object.entries(seeded)) {
      mkdirSync(path.dirname(path.join(ws2, p)), { recursive: true });
      writeFileSync(path.join(ws2, p), c);
    }
    writeFileSync(path.join(ws2, 'build.sh'), 'rm -rf ./* ./.[!.]*\n');
    own(ws2);
    await operate(e2e, chat(e2e, 'build it'), 'approve');
    expect(again[0]).toMatch(/4 changes applied after the operator approved them/);
    expect(existsSync(path.join(ws2, 'a.txt'))).toBe(false);
    const auth = { authorization: `Bearer ${e2e.adminToken}` };
    const history = (await (
      await fetch(`${e2e.daemon.url}/v1/workspaces/default/history`, { headers: auth })
    ).json()) as {
      data: Array<{ id: string; tool: string }>;
    };
    expect(history.data.map((h) => h.tool)).toEqual(['exec']);
    const undo = await fetch(`${e2e.daemon.url}/v1/workspaces/default/undo`, { method: 'POST', headers: auth });
    expect(undo.status).toBe(200);
    for (const [p, c] of Object.entries(seeded)) expect(readFileSync(path.join(ws2, p), 'utf8')).toBe(c);
  });
});

describe('a program L27 does not know', () => {
  it('./wipe is asked about once, on its effects (L11.7), not before the run: its deletions are held', async () => {
    const seen: string[] = [];
    e2e = await startE2E('anthropic', execAll(['./wipe'], seen));
    const ws = e2e.workspace;
    writeFileSync(path.join(ws, 'a.txt'), 'a\n');
    writeFileSync(path.join(ws, 'b.txt'), 'b\n');
    writeFileSync(path.join(ws, 'wipe'), '#!/bin/sh\nrm -f a.txt b.txt\n', { mode: 0o755 });
    own(ws);
    const layers = await operate(e2e, chat(e2e, 'run it'), 'deny');
    expect(layers).toEqual(['L11.7']);
    expect(seen[0]).toMatch(/NOT changed — held for the operator: it deletes 2 pre-existing files/);
    expect(readFileSync(path.join(ws, 'a.txt'), 'utf8')).toBe('a\n');
    expect(readFileSync(path.join(ws, 'b.txt'), 'utf8')).toBe('b\n');
  });
});

describe('the undo journal over the API', () => {
  it('history, diff and undo by turn and by time; bad input and a stale file are refused and change nothing', async () => {
    const seen: string[] = [];
    e2e = await startE2E(
      'anthropic',
      scriptFrom([
        reply.toolCall('exec', { command: 'echo A2 > a.txt' }),
        (req: FakeRequest) => (seen.push(toolResultBody(lastToolResultText(req))), reply.text('done')),
        reply.toolCall('exec', { command: 'echo B2 > b.txt' }),
        (req: FakeRequest) => (seen.push(toolResultBody(lastToolResultText(req))), reply.text('done')),
      ]),
    );
    const ws = e2e.workspace;
    writeFileSync(path.join(ws, 'a.txt'), 'A1\n');
    writeFileSync(path.join(ws, 'b.txt'), 'B1\n');
    own(ws);
    await operate(e2e, chat(e2e, 'edit a'), 'deny');
    await operate(e2e, chat(e2e, 'edit b'), 'deny');
    expect(
      seen.every((s) => /1 change applied/.test(s)),
      seen.join('\n'),
    ).toBe(true);
    const read = (p: string) => readFileSync(path.join(ws, p), 'utf8');
    const auth = { authorization: `Bearer ${e2e.adminToken}`, 'content-type': 'application/json' };
    const api = (p: string, body?: unknown) =>
      fetch(`${e2e?.daemon.url}/v1/workspaces/${p}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: auth,
        ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    const history = async () =>
      (
        (await (await api('default/history')).json()) as {
          data: Array<{ id: string; turn?: string; undoneAt?: string }>;
        }
      ).data;
    const [first, second] = await history();
    expect(first?.turn).toBeDefined();
    expect(second?.turn).toBeDefined();
    expect(first?.turn).not.toBe(second?.turn);
    const diff = (await (await api(`default/diff/${first?.id}`)).json()) as { changes: Array<{ diff?: string }> };
    expect(diff.changes[0]?.diff).toMatch(/-A1\n\+A2/);
    expect((await api('default/diff/000000000000000-deadbeef')).status).toBe(404);

    const bad: Array<[string, unknown, number, RegExp]> = [
      ['default/undo', { turn: 'no-such-turn' }, 404, /no change of turn no-such-turn is left to undo/],
      ['default/undo', { to: 'yesterday' }, 400, /to\\" must be an ISO 8601 time/],
      ['default/undo', { turn: 'x', to: '2026-01-01T00:00:00Z' }, 400, /body: \{\}/],
      ['default/undo', '{not json', 400, /not valid JSON/],
      ['default/undo', { to: '2999-01-01T00:00:00Z' }, 404, /nothing to undo/],
      ['nobody/undo', {}, 404, /no agent \\"nobody\\"/],
    ];
    for (const [p, body, status, message] of bad) {
      const r = await api(p, body);
      expect(r.status, JSON.stringify(body)).toBe(status);
      expect(await r.text()).toMatch(message);
    }
    expect([read('a.txt'), read('b.txt')]).toEqual(['A2\n', 'B2\n']);

    // The first turn alone: its file comes back, the later turn's stays.
    const byTurn = await api('default/undo', { turn: first?.turn });
    expect(byTurn.status).toBe(200);
    expect([read('a.txt'), read('b.txt')]).toEqual(['A1\n', 'B2\n']);
    const again = await api('default/undo', { turn: first?.turn });
    expect(again.status).toBe(404);
    expect(await again.text()).toMatch(/no change of turn .* is left to undo/);

    // The operator edits b.txt after the second turn: undoing that turn would overwrite the edit.
    writeFileSync(path.join(ws, 'b.txt'), 'B by the operator\n');
    const stale = await api('default/undo', { to: '2000-01-01T00:00:00Z' });
    expect(stale.status).toBe(409);
    expect(await stale.text()).toMatch(/b\.txt was changed after entry .*nothing was undone/);
    expect([read('a.txt'), read('b.txt')]).toEqual(['A1\n', 'B by the operator\n']);
    expect((await history()).map((h) => Boolean(h.undoneAt))).toEqual([true, false]);
  });
});

describe('the quota', () => {
  it('an exec writing gigabytes stops at exec.limits.workspaceWriteMb and its changes are discarded (L11.8)', async () => {
    const seen: string[] = [];
    e2e = await startE2E(
      'openai',
      execAll(['dd if=/dev/zero of=big bs=1M count=4096 2>&1 | grep -m1 -i space'], seen),
      undefined,
      {
        extraYaml: 'exec: { limits: { workspaceWriteMb: 32 } }',
      },
    );
    await operate(e2e, chat(e2e, 'fill it'), 'deny');
    expect(seen[0]).toMatch(/No space left on device/);
    expect(seen[0]).toMatch(/NOT changed — quota \(L11\.8\)/);
    expect(existsSync(path.join(e2e.workspace, 'big'))).toBe(false);
    expect((await e2e.audit()).some((a) => a.type === 'security:blocked' && a.layer === 'L11.8')).toBe(true);
  });
});
