/**
 * `net.allowFor.channels`: a loopback Bot API opened to the Telegram channel alone. The channel polls it and answers
 * through it, while the agent's `web_fetch` to the very same host:port is refused by L10 (with `net.allow` it would
 * have been let through: the exception was global).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type FakeRequest } from '../support/fake-provider.js';
import { lastToolResultText, toolResultBody } from '../e2e/support.js';
import { ALICE, startTelegram, waitFor, type TelegramHarness } from './support.js';

let h: TelegramHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('net.allowFor.channels', () => {
  it('the channel reaches its loopback Bot API; web_fetch to the same host:port is refused by L10', async () => {
    let target = '';
    h = await startTelegram(
      scriptFrom([
        () => reply.toolCall('web_fetch', { url: target }),
        (req: FakeRequest) => reply.text(`fetched: ${toolResultBody(lastToolResultText(req))}`),
      ]),
      { allowNetForChannelsOnly: true },
    );
    const t = h;
    target = `${t.bot.url}/`;
    t.bot.say(ALICE, 'fetch the bot api');
    const answer = await waitFor(
      'the answer',
      () => t.bot.messagesTo(ALICE).find((m) => m.text.startsWith('fetched:')),
      20_000,
    );
    expect(answer.text).toContain('L10 refused');
    const audit = await t.audit();
    expect(audit.find((a) => a.type === 'security:ssrf_blocked')).toMatchObject({
      layer: 'L10',
      host: '127.0.0.1',
      port: t.bot.port,
    });
  }, 60_000);
});
