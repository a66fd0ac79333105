/**
 * The Telegram channel end to end: a real daemon polls the fake Bot API (HTTPS on loopback, allowed through L10 by
 * net.allow), runs allow-listed users' messages as turns, streams replies by edits, and carries approvals as inline
 * buttons that only an approver can press, once, for exactly the effect shown.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type FakeRequest } from '../support/fake-provider.js';
import { lastToolResultText, toolResultBody } from '../e2e/support.js';
import { ALICE, BOB, BOT_TOKEN, STRANGER, startTelegram, waitFor, type TelegramHarness } from './support.js';

let h: TelegramHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const emptyKeep = () =>
  scriptFrom([
    reply.toolCall('write', { path: 'keep.txt', content: '' }),
    (req: FakeRequest) => reply.text(`tool said: ${toolResultBody(lastToolResultText(req)).slice(0, 60)}`),
  ]);

function seed(t: TelegramHarness): void {
  mkdirSync(t.workspace, { recursive: true });
  writeFileSync(path.join(t.workspace, 'keep.txt'), 'original');
}

describe('telegram channel', () => {
  it("an allow-listed user's message reaches the agent and the reply streams by edits", async () => {
    const chunks = ['Hello ', 'from ', 'the ', 'agent, ', 'streamed ', 'in ', 'many ', 'small ', 'pieces.'];
    h = await startTelegram(scriptFrom([reply.text(chunks.join(''), { chunks, chunkDelayMs: 400 })]));
    h.bot.say(ALICE, 'hi there');
    const t = h;
    const answer = await waitFor('the final answer', () =>
      t.bot.messagesTo(ALICE).find((m) => m.text === chunks.join('')),
    );
    // Sent once with the first text, then edited as the rest streamed in (each write a prefix of the answer).
    expect(answer.edits).toBeGreaterThan(0);
    const writes = t.bot.calls.filter((c) => c.method === 'sendMessage' || c.method === 'editMessageText');
    for (const w of writes) expect(chunks.join('').startsWith(String(w.params['text']))).toBe(true);
    expect(writes.filter((w) => w.method === 'sendMessage')).toHaveLength(1);
    expect(t.fake.requests[0]?.messages.at(-1)).toMatchObject({ role: 'user', content: 'hi there' });
    const accepted = (await t.audit()).find((a) => a.type === 'channel:accepted');
    expect(accepted).toMatchObject({ sender: `channel:telegram:${ALICE}`, outcome: 'message' });
  });

  it('after a restart a chat continues its session and no update taken before it runs again', async () => {
    h = await startTelegram(
      scriptFrom([reply.text('first answer'), reply.text('second answer'), reply.text('third answer')]),
    );
    const t = h;
    const first = t.bot.say(ALICE, 'remember the word heliotrope');
    await waitFor('the first answer', () => t.bot.messagesTo(ALICE).find((m) => m.text === 'first answer'));
    await t.restart();
    // The new daemon's first getUpdates asks from the stored cursor, which confirms what the old one took.
    const polls = () => t.bot.calls.filter((c) => c.method === 'getUpdates');
    const before = polls().length;
    await waitFor('a poll by the new daemon', () => polls().length > before);
    expect(polls()[before]?.params['offset']).toBe(first + 1);
    t.bot.say(ALICE, 'which word?');
    await waitFor('the second answer', () => t.bot.messagesTo(ALICE).find((m) => m.text === 'second answer'));
    expect(t.fake.requests).toHaveLength(2);
    const history = JSON.stringify(t.fake.requests[1]?.messages);
    expect(history).toContain('remember the word heliotrope');
    expect(history).toContain('first answer');
    // /new starts over, also after a restart.
    t.bot.say(ALICE, '/new');
    await waitFor('the reset notice', () =>
      t.bot.messagesTo(ALICE).find((m) => m.text === 'Started a new conversation.'),
    );
    await t.restart();
    t.bot.say(ALICE, 'fresh start');
    await waitFor('the third request', () => t.fake.requests.length === 3);
    expect(JSON.stringify(t.fake.requests[2]?.messages)).not.toContain('heliotrope');
  });

  it('a stranger gets nothing, and the refusal is audited', async () => {
    h = await startTelegram(scriptFrom([reply.text('never')]));
    h.bot.say(STRANGER, 'let me in');
    h.bot.say(BOB, 'hello');
    const t = h;
    await waitFor('the reply to bob', () => t.bot.messagesTo(BOB).length > 0);
    expect(t.bot.messagesTo(STRANGER)).toEqual([]);
    expect(t.fake.requests).toHaveLength(1);
    const refused = (await t.audit()).filter((a) => a.type === 'channel:refused');
    expect(refused).toEqual([
      expect.objectContaining({
        layer: 'L18',
        sender: `channel:telegram:${STRANGER}`,
        reason: expect.stringContaining('users'),
      }),
    ]);
  });

  it('a destructive call waits for buttons: a non-approver and a forged id are refused, the approver runs exactly that effect once', async () => {
    h = await startTelegram(emptyKeep());
    seed(h);
    const t = h;
    t.bot.say(ALICE, 'empty keep.txt');
    const request = await waitFor('the approval message', () =>
      t.bot.messagesTo(ALICE).find((m) => m.replyMarkup !== undefined),
    );
    const buttons = request.replyMarkup?.inline_keyboard.flat() ?? [];
    expect(buttons.map((b) => b.text)).toEqual(['Approve once', 'Approve for 10 min', 'Deny']);
    for (const b of buttons) expect(Buffer.byteLength(b.callback_data)).toBeLessThanOrEqual(64);
    expect(request.text).toContain('tool: write');
    expect(request.text).toContain('keep.txt');
    const once = buttons[0]?.callback_data as string;

    const byBob = t.bot.press(BOB, once, request);
    const forged = t.bot.press(ALICE, 'b1:AAAAAAAAAAAAAAAAAAAAAA', request);
    const requestId = t.bot.press(ALICE, 'apr_0123456789abcdef01234567', request);
    await waitFor('three answers', () => t.bot.answers.length >= 3);
    expect(t.bot.answerTo(byBob)).toMatch(/not an approver/);
    expect(t.bot.answerTo(forged)).toMatch(/not issued/);
    expect(t.bot.answerTo(requestId)).toMatch(/not issued/);
    expect(readFileSync(path.join(t.workspace, 'keep.txt'), 'utf8')).toBe('original');

    const approved = t.bot.press(ALICE, once, request);
    await waitFor('the tool result', () => t.bot.messagesTo(ALICE).find((m) => m.text.startsWith('tool said:')));
    expect(readFileSync(path.join(t.workspace, 'keep.txt'), 'utf8')).toBe('');
    expect(t.bot.answerTo(approved)).toBe('Approved once');
    // The approval message lost its buttons and says who decided.
    await waitFor('the updated request', () => request.replyMarkup === undefined);
    expect(request.text).toMatch(new RegExp(`Approved by channel:telegram:${ALICE} \\(alice\\)$`));

    const replayed = t.bot.press(ALICE, once, request);
    expect(await waitFor('the replay answer', () => t.bot.answerTo(replayed))).toMatch(/already decided/);

    const audit = await t.audit();
    const requested = audit.find((a) => a.type === 'approval:requested');
    const resolved = audit.filter((a) => a.type === 'approval:resolved');
    expect(resolved).toHaveLength(1);
    expect(resolved[0]).toMatchObject({
      outcome: 'approve',
      source: 'operator',
      effectHash: requested?.effectHash,
      by: `channel:telegram:${ALICE} (alice)`,
    });
    expect(request.text).toContain(`sha256:${String(requested?.effectHash).slice(0, 16)}`);
    const refusals = audit.filter((a) => a.type === 'channel:refused').map((a) => [a.layer, a.code ?? 'approver']);
    expect(refusals.sort()).toEqual([
      ['L13', 'approver'],
      ['L13', 'channel.button_unknown'],
      ['L13', 'channel.button_unknown'],
      ['L13', 'channel.button_used'],
    ]);
    expect(audit.filter((a) => a.type === 'tool:executed' && a.tool === 'write')).toHaveLength(1);
  });

  it('a press after the request expired is refused and runs nothing', async () => {
    h = await startTelegram(emptyKeep(), { approvalsTimeoutMs: 1000 });
    seed(h);
    const t = h;
    t.bot.say(ALICE, 'empty keep.txt');
    const request = await waitFor('the approval message', () =>
      t.bot.messagesTo(ALICE).find((m) => m.replyMarkup !== undefined),
    );
    const once = request.replyMarkup?.inline_keyboard[0]?.[0]?.callback_data as string;
    await waitFor('the timeout', () => request.replyMarkup === undefined && /Denied \(timeout\)$/.test(request.text));
    const late = t.bot.press(ALICE, once, request);
    expect(await waitFor('the answer', () => t.bot.answerTo(late))).toMatch(/already decided|expired/);
    expect(readFileSync(path.join(t.workspace, 'keep.txt'), 'utf8')).toBe('original');
  });

  it('Approve for N minutes makes a grant that covers the same effect next time', async () => {
    h = await startTelegram(
      scriptFrom([
        reply.toolCall('write', { path: 'keep.txt', content: '' }),
        reply.text('first done'),
        reply.toolCall('write', { path: 'keep.txt', content: '' }),
        reply.text('second done'),
      ]),
    );
    seed(h);
    const t = h;
    t.bot.say(ALICE, 'empty keep.txt');
    const request = await waitFor('the approval message', () =>
      t.bot.messagesTo(ALICE).find((m) => m.replyMarkup !== undefined),
    );
    const grant = request.replyMarkup?.inline_keyboard[0]?.[1]?.callback_data as string;
    t.bot.press(ALICE, grant, request);
    await waitFor('the first answer', () => t.bot.messagesTo(ALICE).find((m) => m.text === 'first done'));
    writeFileSync(path.join(t.workspace, 'keep.txt'), 'again');
    t.bot.say(ALICE, 'empty it again');
    await waitFor('the second answer', () => t.bot.messagesTo(ALICE).find((m) => m.text === 'second done'));
    expect(readFileSync(path.join(t.workspace, 'keep.txt'), 'utf8')).toBe('');
    const audit = await t.audit();
    expect(audit.filter((a) => a.type === 'approval:requested')).toHaveLength(1);
    expect(audit.find((a) => a.type === 'grant:created')).toMatchObject({ by: `channel:telegram:${ALICE} (alice)` });
    expect(audit.filter((a) => a.type === 'approval:resolved').map((a) => a.source)).toEqual(['operator', 'grant']);
  });

  it('the command that needs approval is shown before harmless ones; when they do not all fit, only Deny is offered', async () => {
    const harmless = Array.from({ length: 22 }, (_, i) => `cat notes${i}.txt`);
    const asking = Array.from({ length: 14 }, (_, i) => `python3 -c 'print(${i})'`);
    h = await startTelegram(
      scriptFrom([
        reply.toolCall('exec', {
          command: [...harmless, `python3 -c 'import shutil;shutil.rmtree("src")'`].join('; '),
        }),
        reply.toolCall('exec', { command: [...harmless, ...asking].join('; ') }),
        reply.text('gave up'),
      ]),
    );
    const t = h;
    t.bot.say(ALICE, 'tidy up');
    const labels = (m: { replyMarkup?: { inline_keyboard: Array<Array<{ text: string }>> } }) =>
      m.replyMarkup?.inline_keyboard.flat().map((b) => b.text) ?? [];
    const deny = (m: (typeof t.bot.messages)[number]) =>
      t.bot.press(ALICE, m.replyMarkup?.inline_keyboard.flat().find((b) => b.text === 'Deny')?.callback_data ?? '', m);
    const first = await waitFor('the first approval message', () =>
      t.bot.messagesTo(ALICE).find((m) => m.replyMarkup !== undefined),
    );
    expect(first.text).toMatch(/^run \[destructive\]: python3 -c 'import shutil;shutil.rmtree\("src"\)'$/m);
    expect(first.text).toContain('… and 18 more command(s)');
    expect(labels(first)).toContain('Approve once');
    deny(first);
    const second = await waitFor('the second approval message', () =>
      t.bot.messagesTo(ALICE).find((m) => m !== first && m.replyMarkup !== undefined),
    );
    expect(labels(second)).toEqual(['Deny']);
    expect(second.text).toContain('2 of them needing approval');
    expect(second.text).toMatch(/bulwark approvals show apr_\w+/);
    deny(second);
    await waitFor('the end of the turn', () => t.bot.messagesTo(ALICE).find((m) => m.text === 'gave up'));
    const resolved = (await t.audit()).filter((a) => a.type === 'approval:resolved');
    expect(resolved.map((a) => a.outcome)).toEqual(['deny', 'deny']);
  });

  it('hostile updates: malformed ones are refused, an oversized text and a group chat never reach the agent, unknown fields are ignored', async () => {
    h = await startTelegram(scriptFrom([reply.text('only this one')]));
    const t = h;
    t.bot.raw({ update_id: 1, message: 'not an object' });
    t.bot.raw({ update_id: 2, message: { message_id: 1, chat: { id: ALICE, type: 'private' }, from: { id: 'x' } } });
    t.bot.raw('not even an object');
    t.bot.raw({
      update_id: 3,
      message: { message_id: 2, from: { id: ALICE }, chat: { id: ALICE, type: 'private' }, text: 'x'.repeat(200_000) },
    });
    t.bot.raw({
      update_id: 5,
      message: { message_id: 9, from: { id: ALICE }, chat: { id: -100123, type: 'supergroup' }, text: 'in a group' },
    });
    t.bot.raw({
      update_id: 4,
      brand_new_field: { nested: [1, 2, 3] },
      message: {
        message_id: 3,
        from: { id: ALICE, is_bot: false, future: true },
        chat: { id: ALICE, type: 'private', extra: 'x' },
        text: 'hello',
        entities: [{ type: 'bold', offset: 0, length: 5 }],
      },
    });
    await waitFor('the answer', () => t.bot.messagesTo(ALICE).find((m) => m.text === 'only this one'));
    expect(t.bot.messagesTo(ALICE).some((m) => /limit is 4096/.test(m.text))).toBe(true);
    expect(t.fake.requests).toHaveLength(1);
    expect(JSON.stringify(t.fake.requests[0]?.messages)).not.toContain('xxxxxxxxxx');
    const refused = (await t.audit()).filter((a) => a.type === 'channel:refused').map((a) => String(a.reason));
    expect(refused.filter((r) => r.startsWith('malformed update'))).toHaveLength(3);
    expect(refused.some((r) => r.includes('200000 characters'))).toBe(true);
    expect(refused).toContain('a supergroup chat, not a private one');
    expect(t.bot.messages.filter((m) => m.chatId < 0)).toEqual([]);
  });

  it('the bot token never appears in the log or the audit, also when L10 refuses the Bot API', async () => {
    h = await startTelegram(scriptFrom([]), { allowNet: false });
    const t = h;
    await waitFor(
      'the refusal in the log',
      () => readFileSync(t.daemon.logFile, 'utf8').includes('getUpdates failed'),
      15_000,
    );
    const audit = await t.audit();
    expect(audit.some((a) => a.type === 'security:ssrf_blocked')).toBe(true);
    const logs = await t.logs();
    expect(logs).not.toContain(BOT_TOKEN);
    expect(logs).not.toContain(BOT_TOKEN.split(':')[1] as string);
    expect(t.bot.calls).toEqual([]);
  });

  it('the token stays out of the log when the Bot API echoes the URL in its errors', async () => {
    h = await startTelegram(emptyKeep());
    const t = h;
    t.bot.echoPath = true;
    t.bot.webhook = { url: 'https://elsewhere.example/' };
    await waitFor(
      'a refused getUpdates in the log',
      () => readFileSync(t.daemon.logFile, 'utf8').includes('409'),
      15_000,
    );
    t.bot.webhook = undefined;
    seed(t);
    t.bot.say(ALICE, 'empty keep.txt');
    await waitFor('the approval message', () => t.bot.messagesTo(ALICE).find((m) => m.replyMarkup !== undefined));
    const logs = await t.logs();
    expect(logs).not.toContain(BOT_TOKEN);
    expect(logs).not.toContain(BOT_TOKEN.split(':')[1] as string);
  });
});

describe('telegram webhook mode', () => {
  it('registers its webhook, checks X-Telegram-Bot-Api-Secret-Token, and refuses malformed bodies', async () => {
    h = await startTelegram(scriptFrom([reply.text('via webhook')]), { mode: 'webhook' });
    const t = h;
    expect(t.bot.webhook).toEqual({
      url: 'https://bot.example.org/v1/channels/telegram/webhook',
      secretToken: 'hook-secret_0123456789abcdef',
    });
    const url = `${t.daemon.url}/v1/channels/telegram/webhook`;
    const update = JSON.stringify({
      update_id: 77,
      message: { message_id: 1, from: { id: ALICE }, chat: { id: ALICE, type: 'private' }, text: 'hi' },
    });
    const post = (body: string, secret?: string) =>
      fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}),
        },
        body,
      });
    expect((await post(update)).status).toBe(401);
    expect((await post(update, 'hook-secret_0123456789abcdeX')).status).toBe(401);
    expect((await post('{"update_id": 78, "message": ', t.bot.webhook?.secretToken)).status).toBe(400);
    expect(t.fake.requests).toHaveLength(0);
    expect((await post(update, t.bot.webhook?.secretToken)).status).toBe(200);
    await waitFor('the answer', () => t.bot.messagesTo(ALICE).find((m) => m.text === 'via webhook'));
    // The same update delivered again is not run again.
    expect((await post(update, t.bot.webhook?.secretToken)).status).toBe(200);
    const audit = await t.audit();
    expect(audit.filter((a) => a.type === 'channel:refused').map((a) => [a.layer ?? '-', a.reason])).toEqual([
      ['L20', 'no secret token header'],
      ['L20', 'secret token mismatch'],
      ['-', 'update body is not JSON'],
      ['-', 'update 77 was already handled'],
    ]);
    expect(t.fake.requests).toHaveLength(1);
    expect(t.bot.calls.some((c) => c.method === 'getUpdates')).toBe(false);
  });
});
