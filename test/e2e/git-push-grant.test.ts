/**
 * A 10-minute grant for git in the workspace and egress to the git host, end to end on a real daemon with real bwrap
 * and the real broker: a git smart-HTTP server over HTTPS on loopback (its own test CA, trusted by the broker for that
 * host only through broker.upstreamCas, and open past L10 for the broker only through net.allowFor.broker) requires a
 * push token that lives in the vault; the broker injects it, the sandbox only holds a placeholder. The first commit-and-push is held (exec and network need approval for this
 * agent); the operator grants it for 10 minutes from the pending request (POST /v1/approvals/:id/grant). Then
 * `git commit` and `git push` run without a prompt and the commits are in the server's bare repository, while
 * `git clean -fdx` and `rm -rf src` are still held (exec effects on: the grant matcher reads their text, not only
 * the classes the gate gave them).
 */
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, type FakeReply, type FakeRequest } from '../support/fake-provider.js';
import { startGitHttpsServer, type GitHttpsServer } from '../support/git-https-server.js';
import { decide, lastToolResultText, nextApproval, startE2E, toolResultBody, type E2E } from './support.js';

const PUSH_TOKEN = 'glpat-e2e_PushToken_0123456789abcdef';
let e2e: E2E | undefined;
let server: GitHttpsServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await e2e?.close();
  await server?.close();
  e2e = undefined;
  server = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const HOST_GIT_ENV = { PATH: '/usr/bin:/bin', GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'safe.directory=*', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...HOST_GIT_ENV, HOME: cwd },
  });
}

/** One exec per chat message (the user's text names it), then the tool result as the answer. */
const COMMANDS: Record<string, string> = {
  'commit and push': 'git add -A && git commit -qm first && git push -q origin HEAD:main',
  'commit again': 'git add -A && git commit -qm second',
  'push again': 'git push -q origin HEAD:main',
  'clean up': 'git clean -fdx',
  'remove src': 'rm -rf src',
};
function script(req: FakeRequest): FakeReply {
  const user = req.messages.filter((m) => m.role === 'user').at(-1);
  const text = typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
  const command = COMMANDS[text];
  if (req.messages.at(-1)?.role !== 'tool' && command !== undefined) return reply.toolCall('exec', { command });
  return reply.text(`result: ${toolResultBody(lastToolResultText(req))}`);
}

async function chat(e: E2E, content: string): Promise<string> {
  const res = await fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content }] }),
  });
  const body = (await res.json()) as { choices?: Array<{ message?: { content?: string } }> };
  if (res.status !== 200) throw new Error(`chat answered ${res.status}: ${JSON.stringify(body)}`);
  return body.choices?.[0]?.message?.content ?? '';
}

/** Every file under `dir` whose bytes contain `needle`. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) hits.push(...filesContaining(p, needle));
    else if (st.isFile() && readFileSync(p).includes(needle)) hits.push(p);
  }
  return hits;
}

describe('a 10-minute grant for git and the git host, pushing through the broker to an HTTPS git server', () => {
  it('the host has git http-backend (this test needs it)', () => {
    expect(spawnSync('git', ['http-backend'], { env: { ...HOST_GIT_ENV, REQUEST_METHOD: 'GET' } }).error).toBe(
      undefined,
    );
  });

  it('commit and push run without prompts after the grant; git clean -fdx and rm -rf src are still held', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'bulwark-git-server-'));
    dirs.push(root);
    // As git hosts take a push token: HTTP Basic with a fixed user name and the token as the password.
    const required = `Basic ${Buffer.from(`x-access-token:${PUSH_TOKEN}`).toString('base64')}`;
    const srv = await startGitHttpsServer(root, required);
    server = srv;
    const bare = srv.bareRepo('project');
    const caFile = path.join(root, 'git-ca.pem');
    writeFileSync(caFile, srv.caPem);
    const hostPort = `127.0.0.1:${srv.port}`;

    // The server requires the token: without it git is refused before http-backend runs.
    // (Asynchronously: the server runs in this process.)
    const anonymous = await new Promise<number | null>((resolve) =>
      execFile(
        'git',
        ['ls-remote', srv.url('project')],
        { env: { ...HOST_GIT_ENV, HOME: root, GIT_SSL_CAINFO: caFile } },
        (error) => resolve(error ? (typeof error.code === 'number' ? error.code : -1) : 0),
      ),
    );
    expect(anonymous).not.toBe(0);
    expect(srv.requests.at(-1)).toMatchObject({ authorized: false });

    e2e = await startE2E(
      'openai',
      script,
      '{ profile: coding }\n    approvals: { require: [exec, network, destructive, credential, config], timeoutMs: 60000 }\n    secrets: [GIT_PUSH_TOKEN]',
      {
        vault: { GIT_PUSH_TOKEN: PUSH_TOKEN },
        owner: true,
        extraYaml: `broker:
  enabled: true
  bindings: [{ host: "${hostPort}", secret: GIT_PUSH_TOKEN, preset: basic, username: x-access-token }]
  upstreamCas: [{ host: "${hostPort}", caFile: ${caFile} }]
exec: { network: broker }
net: { allowFor: { broker: ["${hostPort}"] } }`,
      },
    );
    const e = e2e;
    const ws = e.workspace;
    mkdirSync(path.join(ws, 'src'), { recursive: true });
    writeFileSync(path.join(ws, 'src', 'a.txt'), 'a\n');
    git(ws, 'init', '-q', '-b', 'main');
    git(ws, 'config', 'user.email', 'agent@example.org');
    git(ws, 'config', 'user.name', 'agent');
    git(ws, 'remote', 'add', 'origin', srv.url('project'));
    // The workspace belongs to the sandbox user, as the daemon made it: git refuses a repository another user owns.
    const owner = statSync(ws);
    const own = () => execFileSync('chown', ['-R', `${owner.uid}:${owner.gid}`, ws]);
    own();

    // 1. Held; the operator approves it for 10 minutes from the pending request.
    const first = chat(e, 'commit and push');
    const pending = await nextApproval(e, 30_000);
    expect(pending.view.classes).toEqual(expect.arrayContaining(['exec', 'network']));
    const shown = (await (
      await fetch(`${e.daemon.url}/v1/approvals/${pending.id}`, {
        headers: { authorization: `Bearer ${e.adminToken}` },
      })
    ).json()) as { effectHash: string };
    const granted = await fetch(`${e.daemon.url}/v1/approvals/${pending.id}/grant`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ effectHash: shown.effectHash, minutes: 10 }),
    });
    expect(granted.status).toBe(200);
    const grant = ((await granted.json()) as { grant?: { scope: unknown; expiresAt: string } }).grant;
    expect(grant?.scope).toEqual({ executable: 'git', hosts: [hostPort] });
    const answer = await first;
    expect(answer, answer).not.toMatch(/fatal|error|denied/i);
    expect(git(bare, 'log', '--format=%s', 'main').trim()).toBe('first');

    // 2. No prompt: the grant covers the commit and the push (the push goes through the broker to the HTTPS server).
    writeFileSync(path.join(ws, 'src', 'b.txt'), 'b\n');
    own();
    await chat(e, 'commit again');
    await chat(e, 'push again');
    expect(git(bare, 'log', '--format=%s', 'main').trim().split('\n')).toEqual(['second', 'first']);

    // 3. Still held (denied by the operator here): git clean -fdx and rm -rf src, though git is granted.
    writeFileSync(path.join(ws, 'untracked.txt'), 'keep me\n');
    own();
    for (const text of ['clean up', 'remove src']) {
      const turn = chat(e, text);
      const held = await nextApproval(e, 30_000);
      expect(held.view.args).toContain(COMMANDS[text]);
      expect((await decide(e, held.id, 'deny')).status).toBe(200);
      await turn;
    }
    expect(readFileSync(path.join(ws, 'untracked.txt'), 'utf8')).toBe('keep me\n');
    expect(readFileSync(path.join(ws, 'src', 'a.txt'), 'utf8')).toBe('a\n');

    const audit = await e.audit();
    const resolved = audit.filter((a) => a['type'] === 'approval:resolved').map((a) => [a['source'], a['outcome']]);
    expect(resolved).toEqual([
      ['operator', 'approve'],
      ['grant', 'approve'],
      ['grant', 'approve'],
      ['operator', 'deny'],
      ['operator', 'deny'],
    ]);
    expect(audit.filter((a) => a['type'] === 'approval:requested')).toHaveLength(3);
    // The token went upstream from the broker only: every authorized request carried it (HTTP Basic, preset basic).
    const pushes = srv.requests.filter((r) => r.authorized);
    expect(pushes.map((r) => r.path)).toEqual(
      expect.arrayContaining(['/project.git/info/refs?service=git-receive-pack', '/project.git/git-receive-pack']),
    );
    expect(audit.filter((a) => a['type'] === 'broker:inject').length).toBe(pushes.length);
    // The sandbox never saw it: not in the workspace (git config, credentials), not in any log or audit line.
    const log = readFileSync(e.daemon.logFile, 'utf8');
    for (const form of [PUSH_TOKEN, required]) {
      expect(filesContaining(ws, form)).toEqual([]);
      expect(JSON.stringify(audit)).not.toContain(form);
      expect(log).not.toContain(form);
    }
  }, 180_000);
});
