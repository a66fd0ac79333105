/**
 * A fake Telegram Bot API on loopback over HTTPS, speaking the wire format of https://core.telegram.org/bots/api:
 * `POST /bot<token>/<method>` with a JSON body, answered `{"ok":true,"result":…}` or
 * `{"ok":false,"error_code":N,"description":"…"}`. getUpdates long-polls (up to `timeout` seconds) and confirms
 * everything below `offset`; while a webhook is set it answers 409 as Telegram does. Tests queue updates (messages,
 * button presses, or any raw JSON) and read what the bot sent.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { selfSignedServerCertificate } from '../../src/transport/x509.js';

export interface SentMessage {
  readonly chatId: number;
  readonly messageId: number;
  text: string;
  replyMarkup?: { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
  edits: number;
}

export interface ApiCall {
  readonly method: string;
  readonly params: Record<string, unknown>;
}

export interface FakeBotApi {
  readonly url: string;
  readonly port: number;
  /** The server certificate (its own anchor): write it to a file for channels.telegram.caFile. */
  readonly caPem: string;
  readonly calls: ApiCall[];
  readonly messages: SentMessage[];
  readonly answers: Array<{ id: string; text: string }>;
  webhook: { url: string; secretToken?: string } | undefined;
  /** When set, every error description echoes the path it was called on (a hostile or careless server). */
  echoPath: boolean;
  queue(update: Record<string, unknown>): number;
  /** A text message from `userId` in their private chat. */
  say(userId: number, text: string): number;
  /** A button press; returns the callback query id its answer carries. */
  press(userId: number, data: string, message?: SentMessage): string;
  answerTo(callbackId: string): string | undefined;
  /** Queues a raw value as an update (hostile input). */
  raw(value: unknown): void;
  messagesTo(chatId: number): SentMessage[];
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
}

const ok = (result: unknown): Answer => ({ status: 200, body: { ok: true, result } });
const fail = (status: number, description: string): Answer => ({
  status,
  body: { ok: false, error_code: status, description },
});

export async function startFakeBotApi(token: string): Promise<FakeBotApi> {
  const cert = await selfSignedServerCertificate(['127.0.0.1']);
  if (!cert.ok) throw new Error(cert.error.message);
  const pending: unknown[] = [];
  let nextUpdateId = 1000;
  let nextMessageId = 1;
  let nextCallbackId = 1;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const api: FakeBotApi = {
    url: '',
    port: 0,
    caPem: cert.value.certPem,
    calls: [],
    messages: [],
    answers: [],
    webhook: undefined,
    echoPath: false,
    queue(update) {
      const id = nextUpdateId++;
      pending.push({ update_id: id, ...update });
      wake();
      return id;
    },
    say(userId, text) {
      return api.queue({
        message: {
          message_id: nextMessageId++,
          from: { id: userId, is_bot: false, first_name: `user${userId}` },
          chat: { id: userId, type: 'private' },
          date: Math.floor(Date.now() / 1000),
          text,
        },
      });
    },
    press(userId, data, message) {
      const id = String(nextCallbackId++);
      api.queue({
        callback_query: {
          id,
          from: { id: userId, is_bot: false, first_name: `user${userId}` },
          ...(message
            ? { message: { message_id: message.messageId, chat: { id: message.chatId, type: 'private' }, date: 0 } }
            : {}),
          chat_instance: '42',
          data,
        },
      });
      return id;
    },
    answerTo(callbackId) {
      return api.answers.find((a) => a.id === callbackId)?.text;
    },
    raw(value) {
      pending.push(value);
      wake();
    },
    messagesTo(chatId) {
      return api.messages.filter((m) => m.chatId === chatId);
    },
    close: () =>
      new Promise((resolve) => {
        wake();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  async function getUpdates(params: Record<string, unknown>): Promise<Answer> {
    if (api.webhook) return fail(409, "Conflict: can't use getUpdates method while webhook is active");
    const offset = typeof params['offset'] === 'number' ? params['offset'] : 0;
    const idOf = (u: unknown) => ((u as { update_id?: unknown } | null)?.update_id as number | undefined) ?? Infinity;
    // Everything below offset is confirmed and forgotten.
    for (let i = pending.length - 1; i >= 0; i--) if (idOf(pending[i]) < offset) pending.splice(i, 1);
    const timeoutSec = typeof params['timeout'] === 'number' ? params['timeout'] : 0;
    if (pending.length === 0 && timeoutSec > 0)
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(t);
          waiters.delete(done);
          resolve();
        };
        const t = setTimeout(done, timeoutSec * 1000);
        waiters.add(done);
      });
    // As the real Bot API: updates stay until a later call's offset confirms them. A hostile one without a
    // numeric update_id can never be confirmed: it is handed out once.
    const out = pending.filter((u) => idOf(u) >= offset).slice(0, 100);
    for (const u of out) if (idOf(u) === Infinity) pending.splice(pending.indexOf(u), 1);
    return ok(out);
  }

  function message(chatId: number, text: unknown, markup: unknown): Answer | SentMessage {
    if (typeof text !== 'string' || text.length === 0) return fail(400, 'Bad Request: message text is empty');
    if (text.length > 4096) return fail(400, 'Bad Request: message is too long');
    return {
      chatId,
      messageId: nextMessageId++,
      text,
      edits: 0,
      ...(markup ? { replyMarkup: markup as SentMessage['replyMarkup'] } : {}),
    };
  }

  async function handle(method: string, params: Record<string, unknown>): Promise<Answer> {
    switch (method) {
      case 'getMe':
        return ok({ id: 4242, is_bot: true, first_name: 'bulwark test bot', username: 'bulwark_test_bot' });
      case 'getUpdates':
        return getUpdates(params);
      case 'sendMessage': {
        const chatId = Number(params['chat_id']);
        const m = message(chatId, params['text'], params['reply_markup']);
        if ('status' in m) return m;
        api.messages.push(m);
        return ok({ message_id: m.messageId, chat: { id: chatId, type: 'private' }, date: 0, text: m.text });
      }
      case 'editMessageText': {
        const m = api.messages.find(
          (x) => x.chatId === Number(params['chat_id']) && x.messageId === Number(params['message_id']),
        );
        if (!m) return fail(400, 'Bad Request: message to edit not found');
        const text = params['text'];
        if (text === m.text && params['reply_markup'] === undefined && m.replyMarkup === undefined)
          return fail(
            400,
            'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
          );
        const checked = message(m.chatId, text, undefined);
        if ('status' in checked) return checked;
        m.text = checked.text;
        m.edits++;
        if (params['reply_markup'] !== undefined) m.replyMarkup = params['reply_markup'] as SentMessage['replyMarkup'];
        else delete m.replyMarkup;
        return ok({ message_id: m.messageId, chat: { id: m.chatId, type: 'private' }, date: 0, text: m.text });
      }
      case 'answerCallbackQuery':
        api.answers.push({ id: String(params['callback_query_id']), text: String(params['text'] ?? '') });
        return ok(true);
      case 'setWebhook': {
        const url = params['url'];
        if (typeof url !== 'string' || !url.startsWith('https://'))
          return fail(400, 'Bad Request: bad webhook: An HTTPS URL must be provided for webhook');
        api.webhook = {
          url,
          ...(typeof params['secret_token'] === 'string' ? { secretToken: params['secret_token'] } : {}),
        };
        return ok(true);
      }
      case 'deleteWebhook':
        api.webhook = undefined;
        return ok(true);
      default:
        return fail(404, 'Not Found');
    }
  }

  const server: Server = createServer({ cert: cert.value.certPem, key: cert.value.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const m = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
        let answer: Answer;
        if (req.method !== 'POST' && req.method !== 'GET') answer = fail(405, 'Method Not Allowed');
        else if (!m || m[1] !== token) answer = fail(401, 'Unauthorized');
        else {
          try {
            const text = Buffer.concat(chunks).toString('utf8');
            const params = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            api.calls.push({ method: m[2] as string, params });
            answer = await handle(m[2] as string, params);
          } catch {
            answer = fail(400, "Bad Request: can't parse JSON");
          }
        }
        if (api.echoPath && answer.status !== 200)
          answer = fail(answer.status, `${(answer.body as { description: string }).description} (at ${req.url})`);
        const body = JSON.stringify(answer.body);
        res.writeHead(answer.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return Object.assign(api, { url: `https://127.0.0.1:${port}`, port });
}
