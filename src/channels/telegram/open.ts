/**
 * Builds the Telegram channel from its config: the bot token (and webhook secret) read once from the vault in the
 * channels' own L07 scope, the Bot API client over L10 with its own connection pool (and `caFile`'s extra trust
 * anchors), and the channel itself. Nothing here starts receiving: the composition root calls start().
 */
import { absoluteFrom, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import { readTextFileBounded, type TelegramChannelConfig } from '../../config/index.js';
import { pooledPinnedTransport, type SsrfGuard } from '../../net/index.js';
import { createBotApi } from './bot-api.js';
import { TelegramChannel, type TelegramChannelDeps } from './telegram-channel.js';

export interface OpenTelegramDeps extends Omit<TelegramChannelDeps, 'api' | 'webhookSecret' | 'config'> {
  readonly config: TelegramChannelConfig;
  /** Reads a vault value in the channels' scope (audited as secret:accessed). */
  readonly secret: (name: string) => Result<string, BulwarkError>;
  readonly guard: SsrfGuard;
  /** Relative caFile paths are read from here. */
  readonly dataDir: string;
}

export interface OpenedTelegram {
  readonly channel: TelegramChannel;
  /** Stops the channel, then closes its connections. */
  close(): Promise<void>;
}

export function openTelegramChannel(deps: OpenTelegramDeps): Result<OpenedTelegram, BulwarkError> {
  const { config } = deps;
  const token = deps.secret(config.botToken.secret);
  if (!token.ok) return token;
  if (!/^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$/.test(token.value))
    return err({
      code: 'channel.bad_token',
      message: `the vault value ${config.botToken.secret} does not look like a Telegram bot token (digits:characters, from @BotFather); set it with bulwark secrets set ${config.botToken.secret}`,
    });
  let webhookSecret: string | undefined;
  if (config.webhookSecret) {
    const s = deps.secret(config.webhookSecret.secret);
    if (!s.ok) return s;
    // Telegram's secret_token: 1-256 characters of A-Z, a-z, 0-9, _ and -.
    if (!/^[A-Za-z0-9_-]{16,256}$/.test(s.value))
      return err({
        code: 'channel.bad_secret',
        message: `the vault value ${config.webhookSecret.secret} must be 16-256 characters of A-Z a-z 0-9 _ - (Telegram's secret_token alphabet)`,
      });
    webhookSecret = s.value;
  }
  let ca: string | undefined;
  if (config.caFile !== undefined) {
    const read = readTextFileBounded(absoluteFrom(deps.dataDir, config.caFile), 1024 * 1024, 'channel.ca_file');
    if (!read.ok) return read;
    ca = read.value;
  }
  const pool = pooledPinnedTransport({ maxPools: 4, connectionsPerPool: 4, ...(ca !== undefined ? { ca } : {}) });
  const api = createBotApi({
    apiBase: config.apiBase,
    token: token.value,
    guard: deps.guard,
    transport: pool.transport,
  });
  const channel = new TelegramChannel({ ...deps, api, ...(webhookSecret !== undefined ? { webhookSecret } : {}) });
  return ok({
    channel,
    close: async () => {
      await channel.stop();
      await pool.close();
    },
  });
}
