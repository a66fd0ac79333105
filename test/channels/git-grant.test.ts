/**
 * A grant for git from the Telegram button, end to end on a real daemon with real bwrap: the first `git commit` is
 * held (exec needs approval for this agent), the approver's "Approve for 10 min" runs it and grants `git` in the
 * workspace; the next commit runs without a prompt, while `git clean -fdx` and `rm -rf src` are still held (and,
 * unanswered, denied at their timeout): the grant never covers a command whose text is destructive, even though with
 * exec effects on the gate classes both as writes (L11.7 judges their deletions). `git push` through the broker to an
 * HTTPS git server is covered end to end in test/e2e/git-push-grant.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { ALICE, startTelegram, waitFor, type TelegramHarness } from './support.js';

let h: TelegramHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'safe.directory=*', ...args], {
    cwd,
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', HOME: cwd, GIT_CONFIG_NOSYSTEM: '1' },
  });
}

const exec = (command: string) => reply.toolCall('exec', { command });

describe('a 10-minute grant for git from a Telegram button', () => {
  it('lets git commit run without prompts; git clean -fdx and rm -rf src are still held', async () => {
    h = await startTelegram(
      scriptFrom([
        exec('git add -A && git commit -qm first'),
        reply.text('committed once'),
        exec('git add -A && git commit -qm second'),
        reply.text('committed twice'),
        exec('git clean -fdx'),
        reply.text('clean answered'),
        exec('rm -rf src'),
        reply.text('rm answered'),
      ]),
      {
        agentExtra: '    approvals: { require: [exec, destructive, credential, config], timeoutMs: 1500 }\n',
      },
    );
    const t = h;
    const ws = t.workspace;
    mkdirSync(path.join(ws, 'src'), { recursive: true });
    writeFileSync(path.join(ws, 'src', 'a.txt'), 'a\n');
    git(ws, 'init', '-q');
    git(ws, 'config', 'user.email', 'agent@example.org');
    git(ws, 'config', 'user.name', 'agent');
    const st = statSync(ws);
    execFileSync('chown', ['-R', `${st.uid}:${st.gid}`, ws]);
    const said = (text: string) => waitFor(text, () => t.bot.messagesTo(ALICE).find((m) => m.text === text), 20_000);

    t.bot.say(ALICE, 'commit');
    const request = await waitFor('the approval message', () =>
      t.bot.messagesTo(ALICE).find((m) => m.replyMarkup !== undefined),
    );
    const grantButton = request.replyMarkup?.inline_keyboard[0]?.find((b) => b.text === 'Approve for 10 min');
    expect(grantButton).toBeDefined();
    t.bot.press(ALICE, grantButton?.callback_data as string, request);
    await said('committed once');

    writeFileSync(path.join(ws, 'src', 'b.txt'), 'b\n');
    execFileSync('chown', ['-R', `${st.uid}:${st.gid}`, ws]);
    t.bot.say(ALICE, 'commit again');
    await said('committed twice');
    expect(git(ws, 'log', '--format=%s').trim().split('\n')).toEqual(['second', 'first']);

    writeFileSync(path.join(ws, 'untracked.txt'), 'keep me\n');
    execFileSync('chown', ['-R', `${st.uid}:${st.gid}`, ws]);
    t.bot.say(ALICE, 'clean up');
    await said('clean answered');
    t.bot.say(ALICE, 'remove src');
    await said('rm answered');
    expect(existsSync(path.join(ws, 'untracked.txt'))).toBe(true);
    expect(existsSync(path.join(ws, 'src', 'a.txt'))).toBe(true);

    const audit = await t.audit();
    expect(audit.find((a) => a.type === 'grant:created')).toMatchObject({
      scope: JSON.stringify({ executable: 'git' }),
      by: `channel:telegram:${ALICE} (alice)`,
    });
    const resolved = audit.filter((a) => a.type === 'approval:resolved').map((a) => a.source);
    // commit: the button; commit again: the grant; git clean -fdx is git, but its text is destructive, so the grant
    // does not cover it: asked, unanswered, denied at the timeout; rm -rf src likewise.
    expect(resolved).toEqual(['operator', 'grant', 'timeout', 'timeout']);
    expect(audit.filter((a) => a.type === 'tool:denied' && a.layer === 'L13')).toHaveLength(2);
    expect(audit.filter((a) => a.type === 'approval:requested')).toHaveLength(3);
  }, 60_000);
});
