/** The channels room's public surface: everything other rooms use from it, and nothing else. */
export { channelCaller, type Channel, type ChannelWebhookAnswer, type ChannelWebhookRequest } from './channel.js';
export { openTelegramChannel, type OpenedTelegram } from './telegram/open.js';
export { TELEGRAM_WEBHOOK_PATH } from './telegram/telegram-channel.js';
export type { ChannelStateStore } from './channel-state-store.js';
export { SqliteChannelStateStore } from './sqlite-channel-state-store.js';
export { channelLayers } from './layer-report.js';
