/**
 * The chat channel contract. A channel (Telegram today; Slack or Discord next) receives messages from a platform,
 * admits only the users its config lists, runs each as a turn of its agent under a `channel` Caller, streams the
 * reply back, and carries that agent's approval requests to its approvers as buttons. The platform-neutral parts
 * live beside this file (approval buttons, the approval text, the streamed reply); a platform adds its wire format.
 */
import type { BulwarkError, Caller, Result, SecurityEvent } from '../core/index.js';
import type { ChannelUser } from '../config/index.js';

declare module '../core/events.js' {
  interface EventMap {
    /** A channel refused an update: unknown sender, bad webhook secret, a button press it did not accept. */
    'channel:refused': SecurityEvent;
    /** A channel admitted a message to its agent, or applied an approver's button press. */
    'channel:accepted': SecurityEvent;
  }
}

/** What a platform's webhook route hands the channel: the raw request, already size-capped. */
export interface ChannelWebhookRequest {
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: Buffer;
  readonly traceId: string;
}

export interface ChannelWebhookAnswer {
  readonly status: number;
  readonly body: string;
}

export interface Channel {
  /** The platform, e.g. `telegram`: the first part of every caller id and audit line of this channel. */
  readonly platform: string;
  /** Starts receiving (long polling, or registers its webhook). A failure names the problem and the fix. */
  start(): Promise<Result<void, BulwarkError>>;
  /** Stops receiving, waits for the turns it started. Idempotent. */
  stop(): Promise<void>;
  /** Present when the channel takes updates over HTTP: the gateway mounts it at `webhookPath`. */
  readonly webhookPath?: string;
  handleWebhook?(request: ChannelWebhookRequest): Promise<ChannelWebhookAnswer>;
}

/** The pipeline's Caller of a channel user: `channel:<platform>:<id>`, owner per the user's config line. */
export function channelCaller(platform: string, user: ChannelUser): Caller {
  return {
    kind: 'channel',
    id: `${platform}:${user.id}`,
    scopes: user.approver ? ['chat', 'approve'] : ['chat'],
    owner: user.owner,
    ...(user.name !== undefined ? { label: user.name } : {}),
  };
}
