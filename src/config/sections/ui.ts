/** Config of the web control UI the daemon serves at `/`: `server.ui: { enabled, sessionHours, idleMinutes, maxSessions }`. */
import { z } from 'zod';

export const UiConfigSchema = z
  .strictObject({
    /** Serve the UI (`/`, `/ui/*`) and accept its session cookie; off: only bearer tokens, as before. */
    enabled: z.boolean().default(true),
    /** A login lasts at most this long, used or not. */
    sessionHours: z.number().min(0.05).max(168).default(12),
    /** A login nobody used for this long ends. */
    idleMinutes: z.number().int().min(1).max(10_080).default(60),
    /** Logins held at once; the oldest ends to make room. */
    maxSessions: z.number().int().min(1).max(10_000).default(256),
  })
  .refine((u) => u.idleMinutes <= u.sessionHours * 60, {
    message: 'idleMinutes must not be longer than sessionHours',
    path: ['idleMinutes'],
  });
export type UiConfig = z.infer<typeof UiConfigSchema>;
