/**
 * The Telegram channel: long polling (getUpdates) by default, or updates POSTed to its webhook route with the
 * `X-Telegram-Bot-Api-Secret-Token` checked in constant time. A message from a user of `channels.telegram.users`
 * runs as one turn of the channel's agent under that user's Caller (owner per config), one session per chat and
 * user; the reply streams into one message by edits. Anyone else gets nothing, and the refusal is audited.
 * The agent's approval requests go to its approvers as a message with the approval view and inline buttons
 * (Approve once / Approve for N min / Deny); a press counts only from an approver, once, before the request expires,
 * and decides exactly the effect hash the message showed.
 */
import {
  callerKey,
  constantTimeEqual,
  describeCause,
  type BulwarkError,
  type EventBus,
  type SecurityEvent,
  err,
  newTraceId,
  ok,
  type Result,
} from '../../core/index.js';
import type { ChannelUser, TelegramChannelConfig } from '../../config/index.js';
import type { AgentRuntime } from '../../agent/index.js';
import type { ApprovalQueue, PendingApproval, ScopedGrants } from '../../policy/index.js';
import type { Logger } from '../../logging/index.js';
import { channelCaller, type Channel, type ChannelWebhookAnswer, type ChannelWebhookRequest } from '../channel.js';
import { ApprovalButtons, type ButtonChoice, type ButtonPress, type OfferedButton } from '../approval-buttons.js';
import { approvalText } from '../approval-text.js';
import { StreamedReply, type MessageSink } from '../streamed-reply.js';
import type { ChannelStateStore } from '../channel-state-store.js';
import type { BotApi } from './bot-api.js';
import { parseUpdate, type TelegramCallbackQuery, type TelegramMessage } from './updates.js';

export const TELEGRAM = 'telegram';
export const TELEGRAM_WEBHOOK_PATH = '/v1/channels/telegram/webhook';
/** Telegram's own limit for a message text. */
export const TELEGRAM_TEXT_LIMIT = 4096;
const SECRET_HEADER = 'x-telegram-bot-api-secret-token';
const RECENT_UPDATES = 1000;

export interface TelegramChannelDeps {
  readonly config: TelegramChannelConfig;
  readonly api: BotApi;
  readonly runtime: AgentRuntime;
  readonly approvals: Pick<ApprovalQueue, 'onRequested' | 'decide'>;
  readonly grants: Pick<ScopedGrants, 'scopeFor' | 'create'>;
  readonly bus: EventBus;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Which session each chat continues and the update cursor, kept across restarts. */
  readonly state: ChannelStateStore;
  /** L09 over what the channel shows (approval views) on top of their own redaction. */
  readonly redact: (text: string) => string;
  /** The X-Telegram-Bot-Api-Secret-Token value (webhook mode). */
  readonly webhookSecret?: string;
  /** With webhook mode: the public HTTPS URL Telegram posts to; setWebhook is called with it at start. */
  readonly webhookUrl?: string;
  readonly clock?: () => number;
}

interface ShownRequest {
  readonly request: PendingApproval;
  readonly text: string;
  readonly messages: Array<{ chatId: number; messageId: number }>;
}

export class TelegramChannel implements Channel {
  readonly platform = TELEGRAM;
  readonly webhookPath: string | undefined;
  private readonly users: Map<number, ChannelUser>;
  private readonly buttons: ApprovalButtons;
  private readonly chats = new Map<string, Promise<void>>();
  private readonly shown = new Map<string, ShownRequest>();
  private readonly recent = new Set<number>();
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private offset = 0;
  private unsubscribe: Array<() => void> = [];
  private poller: Promise<void> | undefined;
  private stopped: Promise<void> | undefined;

  constructor(private readonly deps: TelegramChannelDeps) {
    this.users = new Map(deps.config.users.map((u) => [u.id, u]));
    this.buttons = new ApprovalButtons(deps.clock ?? Date.now);
    this.webhookPath = deps.config.mode === 'webhook' ? TELEGRAM_WEBHOOK_PATH : undefined;
  }

  async start(): Promise<Result<void, BulwarkError>> {
    const { config, approvals, bus } = this.deps;
    if (config.mode === 'webhook' && this.deps.webhookSecret === undefined)
      return err({
        code: 'channel.config',
        message: 'channels.telegram: mode webhook needs webhookSecret (in the vault)',
      });
    this.unsubscribe.push(approvals.onRequested((p) => this.track(this.offerApproval(p))));
    this.unsubscribe.push(
      bus.on('approval:resolved', (e) => {
        const id = e.payload['requestId'];
        if (typeof id === 'string' && this.shown.has(id)) this.track(this.closeRequest(id, decidedLine(e.payload)));
      }),
    );
    if (config.mode === 'polling') this.poller = this.poll();
    else if (this.deps.webhookUrl !== undefined) {
      const set = await this.deps.api.call<boolean>('setWebhook', {
        url: this.deps.webhookUrl,
        secret_token: this.deps.webhookSecret,
        allowed_updates: ['message', 'callback_query'],
      });
      if (!set.ok)
        this.deps.logger.error({ code: set.error.code }, `telegram: setWebhook failed: ${set.error.message}`);
    }
    this.deps.logger.info(
      { mode: config.mode, agent: config.agent, users: this.users.size },
      'telegram channel started',
    );
    return ok(undefined);
  }

  stop(): Promise<void> {
    this.stopped ??= (async () => {
      this.stopping.abort();
      for (const off of this.unsubscribe) off();
      this.unsubscribe = [];
      await this.poller;
      await Promise.allSettled([...this.running]);
    })();
    return this.stopped;
  }

  async handleWebhook(req: ChannelWebhookRequest): Promise<ChannelWebhookAnswer> {
    const given = req.headers[SECRET_HEADER];
    const secret = this.deps.webhookSecret;
    if (secret === undefined || given === undefined || !constantTimeEqual(given, secret)) {
      this.refused('L20', given === undefined ? 'no secret token header' : 'secret token mismatch', req.traceId);
      return { status: 401, body: '{"ok":false}' };
    }
    let raw: unknown;
    try {
      raw = JSON.parse(req.body.toString('utf8'));
    } catch {
      this.refused(undefined, 'update body is not JSON', req.traceId);
      return { status: 400, body: '{"ok":false}' };
    }
    this.dispatch(raw, req.traceId);
    return { status: 200, body: '{"ok":true}' };
  }

  /** getUpdates in a loop; errors back off (1 s doubling to 30 s) and are logged without the URL. */
  private async poll(): Promise<void> {
    const { api, config, logger } = this.deps;
    const signal = this.stopping.signal;
    let backoff = 1000;
    // Updates before the stored cursor were taken before a restart: asking from there confirms them, so none runs twice.
    this.offset = Math.max(this.offset, (await this.deps.state.cursor(TELEGRAM)) ?? 0);
    while (!signal.aborted) {
      const r = await api.call<unknown>(
        'getUpdates',
        { offset: this.offset, timeout: config.pollTimeoutSec, allowed_updates: ['message', 'callback_query'] },
        { signal, waitSec: config.pollTimeoutSec },
      );
      if (signal.aborted) break;
      if (!r.ok || !Array.isArray(r.value)) {
        logger.warn(
          { code: r.ok ? 'telegram.bad_answer' : r.error.code },
          `telegram: getUpdates failed, retrying in ${backoff / 1000} s: ${r.ok ? 'the result is not a list' : r.error.message}`,
        );
        await sleep(backoff, signal);
        backoff = Math.min(backoff * 2, 30_000);
        continue;
      }
      backoff = 1000;
      const batch = r.value as unknown[];
      const taken = this.offset;
      for (const raw of batch) {
        const id = (raw as { update_id?: unknown } | null)?.update_id;
        if (typeof id === 'number' && Number.isSafeInteger(id) && id >= this.offset) this.offset = id + 1;
      }
      // The cursor is stored before the batch runs: after a crash an update is lost rather than run twice
      // (a repeated message could repeat what the agent did).
      if (this.offset !== taken) await this.storeCursor();
      for (const raw of batch) this.dispatch(raw, newTraceId());
    }
  }

  private async storeCursor(): Promise<void> {
    try {
      await this.deps.state.setCursor(TELEGRAM, this.offset);
    } catch (cause) {
      this.deps.logger.error(
        { err: describeCause(cause) },
        'telegram: the update cursor was not stored; after a restart these updates may run again',
      );
    }
  }

  private dispatch(raw: unknown, traceId: string): void {
    const parsed = parseUpdate(raw);
    if (!parsed.ok) {
      this.refused(undefined, `malformed update: ${parsed.reason}`, traceId);
      return;
    }
    const u = parsed.update;
    if (this.recent.has(u.update_id)) {
      this.refused(undefined, `update ${u.update_id} was already handled`, traceId);
      return;
    }
    this.recent.add(u.update_id);
    if (this.recent.size > RECENT_UPDATES) this.recent.delete(this.recent.values().next().value as number);
    if (u.message) this.onMessage(u.message, traceId);
    else if (u.callback_query) this.track(this.onPress(u.callback_query, traceId));
  }

  private onMessage(m: TelegramMessage, traceId: string): void {
    const user = m.from ? this.users.get(m.from.id) : undefined;
    if (!user || !m.from) {
      // Strangers get no answer at all: an answer would confirm the bot serves someone.
      this.refused('L18', 'sender is not in channels.telegram.users', traceId, m.from?.id, m.chat.id);
      return;
    }
    if (m.chat.type !== 'private') {
      // In a group every member would read the agent's answers (and the owner's data in them): private chats only.
      this.refused('L18', `a ${m.chat.type.slice(0, 20)} chat, not a private one`, traceId, user.id, m.chat.id);
      return;
    }
    const chatId = m.chat.id;
    const key = `${chatId}:${user.id}`;
    const previous = this.chats.get(key) ?? Promise.resolve();
    // One turn per chat at a time; a failed one was logged by track() and does not stop the next.
    const run = () => this.converse(m, user, traceId);
    const next = previous.then(run, run);
    this.chats.set(key, next);
    this.track(
      next.finally(() => {
        if (this.chats.get(key) === next) this.chats.delete(key);
      }),
    );
  }

  private async converse(m: TelegramMessage, user: ChannelUser, traceId: string): Promise<void> {
    const { config, runtime } = this.deps;
    const chatId = m.chat.id;
    const key = `${chatId}:${user.id}`;
    const say = (text: string) => this.send(chatId, text);
    if (m.text === undefined) {
      await say('Only text messages reach the agent.');
      return;
    }
    if (m.text.length > TELEGRAM_TEXT_LIMIT) {
      this.refused(
        undefined,
        `message of ${m.text.length} characters is over ${TELEGRAM_TEXT_LIMIT}`,
        traceId,
        user.id,
        chatId,
      );
      await say(`That message has ${m.text.length} characters; the limit is ${TELEGRAM_TEXT_LIMIT}.`);
      return;
    }
    const { state } = this.deps;
    if (m.text.trim() === '/new') {
      await state.forgetSession(TELEGRAM, key);
      await say('Started a new conversation.');
      return;
    }
    const caller = channelCaller(TELEGRAM, user);
    this.deps.bus.emit('channel:accepted', {
      traceId,
      agentId: config.agent,
      sender: callerKey(caller),
      outcome: 'message',
      chat: chatId,
    });
    const reply = new StreamedReply(this.sink(chatId), config.editIntervalMs, TELEGRAM_TEXT_LIMIT, this.deps.clock);
    const sessionId = await state.session(TELEGRAM, key);
    let final = '';
    let started: string | undefined;
    let failure: BulwarkError | undefined;
    for await (const e of runtime.runTurn({
      agentId: config.agent,
      ...(sessionId !== undefined ? { sessionId } : {}),
      messages: [{ role: 'user', content: m.text }],
      caller,
      traceId,
      signal: this.stopping.signal,
    })) {
      if (e.type === 'session') started = e.sessionId;
      else if (e.type === 'text_delta') reply.append(e.text);
      else if (e.type === 'done') final = e.text;
      else if (e.type === 'error') failure = e.error;
    }
    if (failure?.code.startsWith('session.')) await state.forgetSession(TELEGRAM, key);
    else if (started !== undefined && started !== sessionId) await state.setSession(TELEGRAM, key, started);
    const delivered = await reply.finish(failure ? `Not answered: ${this.deps.redact(failure.message)}` : final);
    if (!delivered.ok)
      this.deps.logger.warn(
        { traceId, code: delivered.error.code },
        `telegram: reply not delivered: ${delivered.error.message}`,
      );
  }

  /**
   * The buttons this request gets: approve once, approve for N minutes when a grant can cover it, deny. Only deny when
   * the message could not show everything that needs approval: nobody approves what they were not shown.
   */
  private choices(p: PendingApproval, complete: boolean): ButtonChoice[] {
    if (!complete) return [{ kind: 'deny' }];
    const grantable = this.deps.grants.scopeFor(p.view).ok;
    return [
      { kind: 'once' },
      ...(grantable ? this.deps.config.grantMinutes.map((minutes) => ({ kind: 'grant' as const, minutes })) : []),
      { kind: 'deny' },
    ];
  }

  private async offerApproval(p: PendingApproval): Promise<void> {
    if (p.view.agentId !== this.deps.config.agent) return;
    const approvers = this.deps.config.users.filter((u) => u.approver);
    if (approvers.length === 0) return;
    const { text, complete } = approvalText(p, this.deps.redact, TELEGRAM_TEXT_LIMIT);
    const shown: ShownRequest = { request: p, text, messages: [] };
    this.shown.set(p.id, shown);
    const choices = this.choices(p, complete);
    for (const user of approvers) {
      const offered = this.buttons.offer(p, choices);
      // A private chat's id is its user's id: the request reaches each approver directly.
      const sent = await this.deps.api.call<{ message_id: number }>('sendMessage', {
        chat_id: user.id,
        text,
        reply_markup: keyboard(offered),
      });
      if (sent.ok && typeof sent.value?.message_id === 'number')
        shown.messages.push({ chatId: user.id, messageId: sent.value.message_id });
      else if (!sent.ok)
        this.deps.logger.warn(
          { requestId: p.id, code: sent.error.code },
          `telegram: approval request not delivered to an approver: ${sent.error.message}`,
        );
    }
  }

  private async onPress(q: TelegramCallbackQuery, traceId: string): Promise<void> {
    const { config } = this.deps;
    const user = this.users.get(q.from.id);
    const answer = (text: string) =>
      this.deps.api.call<boolean>('answerCallbackQuery', { callback_query_id: q.id, text, show_alert: false });
    if (!user?.approver) {
      this.refused('L13', `not an approver of agent ${config.agent}`, traceId, q.from.id, q.message?.chat.id);
      await answer('You are not an approver for this agent.');
      return;
    }
    const caller = channelCaller(TELEGRAM, user);
    const by = `${callerKey(caller)}${user.name !== undefined ? ` (${user.name})` : ''}`;
    const data = q.data ?? '';
    // Peek, apply, use: no await in between, so two presses cannot both pass.
    const press = this.buttons.peek(data);
    const applied = press.ok ? this.apply(press.value, by) : press;
    if (!applied.ok) {
      this.refused('L13', applied.error.message, traceId, user.id, q.message?.chat.id, applied.error.code);
      await answer(applied.error.message.slice(0, 190));
      return;
    }
    this.buttons.use(data);
    const p = press.ok ? press.value : undefined;
    this.deps.bus.emit('channel:accepted', {
      traceId,
      layer: 'L13',
      agentId: config.agent,
      sender: callerKey(caller),
      outcome: p?.choice.kind === 'grant' ? `grant-${p.choice.minutes}m` : (p?.choice.kind ?? 'unknown'),
      requestId: p?.requestId,
      effectHash: p?.effectHash,
    });
    // The request's messages are updated from its approval:resolved event, like a decision made elsewhere.
    await answer(applied.value);
  }

  /** Applies a press (synchronously). The decision names the effect hash the message showed. */
  private apply(press: ButtonPress, by: string): Result<string, BulwarkError> {
    const { approvals, grants, config } = this.deps;
    if (press.agentId !== config.agent)
      return err({ code: 'channel.button_agent', message: 'this button belongs to another agent', layer: 'L13' });
    const reason = 'Telegram button';
    if (press.choice.kind === 'deny') {
      const r = approvals.decide(press.requestId, 'deny', by, reason, press.effectHash);
      return r.ok ? ok('Denied') : r;
    }
    if (press.choice.kind === 'once') {
      const r = approvals.decide(press.requestId, 'approve', by, reason, press.effectHash);
      return r.ok ? ok('Approved once') : r;
    }
    const shown = this.shown.get(press.requestId);
    if (!shown)
      return err({ code: 'approval.not_pending', message: 'this request is no longer pending', layer: 'L13' });
    const scope = grants.scopeFor(shown.request.view);
    if (!scope.ok) return scope;
    const decided = approvals.decide(press.requestId, 'approve', by, reason, press.effectHash);
    if (!decided.ok) return decided;
    const minutes = press.choice.minutes;
    const grant = grants.create(
      {
        agentId: press.agentId,
        scope: scope.value,
        minutes,
        reason: `approve for ${minutes} min on request ${press.requestId}`,
      },
      by,
    );
    return grant.ok
      ? ok(`Approved, and for ${minutes} min`)
      : ok(`Approved once (no grant: ${grant.error.message.slice(0, 120)})`);
  }

  /** The request's messages lose their buttons and say how it was decided. */
  private async closeRequest(requestId: string, line: string): Promise<void> {
    const shown = this.shown.get(requestId);
    if (!shown) return;
    this.shown.delete(requestId);
    this.buttons.close(requestId);
    for (const m of shown.messages) {
      const r = await this.deps.api.call<unknown>('editMessageText', {
        chat_id: m.chatId,
        message_id: m.messageId,
        text: `${shown.text}\n\n${line}`.slice(0, TELEGRAM_TEXT_LIMIT),
      });
      if (!r.ok)
        this.deps.logger.warn(
          { requestId, code: r.error.code },
          `telegram: approval message not updated: ${r.error.message}`,
        );
    }
  }

  private sink(chatId: number): MessageSink {
    return {
      send: async (text) => {
        const r = await this.deps.api.call<{ message_id?: unknown }>('sendMessage', { chat_id: chatId, text });
        if (!r.ok) return r;
        const id = r.value?.message_id;
        return typeof id === 'number'
          ? ok(id)
          : err({ code: 'telegram.bad_answer', message: 'sendMessage returned no message_id' });
      },
      edit: async (messageId, text) => {
        const r = await this.deps.api.call<unknown>('editMessageText', {
          chat_id: chatId,
          message_id: messageId,
          text,
        });
        return r.ok ? ok(undefined) : r;
      },
    };
  }

  private async send(chatId: number, text: string): Promise<void> {
    const r = await this.sink(chatId).send(text);
    if (!r.ok) this.deps.logger.warn({ code: r.error.code }, `telegram: message not delivered: ${r.error.message}`);
  }

  private refused(
    layer: 'L13' | 'L18' | 'L20' | undefined,
    reason: string,
    traceId: string,
    userId?: number,
    chatId?: number,
    code?: string,
  ): void {
    this.deps.bus.emit('channel:refused', {
      traceId,
      ...(layer ? { layer } : {}),
      agentId: this.deps.config.agent,
      outcome: 'refused',
      reason,
      ...(userId !== undefined ? { sender: `channel:${TELEGRAM}:${userId}` } : {}),
      ...(chatId !== undefined ? { chat: chatId } : {}),
      ...(code !== undefined ? { code } : {}),
    });
  }

  /** Keeps a background task until it ends, so stop() can wait for it; a failure is logged, never dropped. */
  private track(task: Promise<void>): void {
    const t = task.catch((cause: unknown) =>
      this.deps.logger.error({ err: describeCause(cause) }, 'telegram: a task failed'),
    );
    this.running.add(t);
    void t.finally(() => this.running.delete(t));
  }
}

function keyboard(buttons: readonly OfferedButton[]): {
  inline_keyboard: Array<Array<{ text: string; callback_data: string }>>;
} {
  const row = (bs: readonly OfferedButton[]) => bs.map((b) => ({ text: b.label, callback_data: b.data }));
  return {
    inline_keyboard: [
      row(buttons.filter((b) => b.choice.kind !== 'deny')),
      row(buttons.filter((b) => b.choice.kind === 'deny')),
    ],
  };
}

/** How a request was decided, for the last line of its messages. */
function decidedLine(e: SecurityEvent): string {
  const verdict = e.outcome === 'approve' ? 'Approved' : e.outcome === 'deny' ? 'Denied' : String(e.outcome);
  const by = typeof e['by'] === 'string' ? e['by'] : undefined;
  return by !== undefined ? `${verdict} by ${by}` : `${verdict} (${String(e['source'])})`;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
