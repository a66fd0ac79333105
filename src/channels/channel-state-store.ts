/**
 * What a channel keeps across restarts: which session each conversation continues, and how far it has read its
 * platform's update stream. Without the first, a restart starts every chat over; without the second, updates that
 * arrived before the stop are delivered (and run) again. Methods reject with a store failure when the backend fails.
 */
export interface ChannelStateStore {
  /** The session a conversation (`<chat>:<user>` on Telegram) continues, if any. */
  session(platform: string, conversation: string): Promise<string | undefined>;
  setSession(platform: string, conversation: string, sessionId: string): Promise<void>;
  /** The conversation starts over (`/new`, or its session is gone). */
  forgetSession(platform: string, conversation: string): Promise<void>;
  /** The first update not yet taken (Telegram's getUpdates offset), if one was stored. */
  cursor(platform: string): Promise<number | undefined>;
  setCursor(platform: string, cursor: number): Promise<void>;
}
