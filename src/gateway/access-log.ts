/**
 * The gateway's access log in bulwark.log. A request whose token verified gets its own line; requests without one
 * (refused, or /health) are only counted — per status, with a few samples — and written as one summary line per
 * window, so a client without a token cannot grow the log by sending requests. Paths are cut to a bounded length
 * everywhere they are logged or audited.
 */
import type { Logger } from 'pino';

export const MAX_LOGGED_PATH = 256;

/** A path as it may appear in a log or audit line: at most MAX_LOGGED_PATH characters, saying how much was cut. */
export function truncatePath(path: string, max = MAX_LOGGED_PATH): string {
  if (path.length <= max) return path;
  let head = path.slice(0, max);
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  return `${head}…(+${path.length - head.length} chars)`;
}

export interface AccessEntry {
  readonly traceId: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  /** The client's counting key (address, /64 or `loopback`). */
  readonly client: string;
}

/** Connection-level counters folded into the summary line (see connection-guard.ts). */
export interface ConnectionCounters {
  readonly open: number;
  readonly evicted: number;
  readonly refused: number;
  readonly timedOut: number;
}

export interface AccessLogOptions {
  readonly windowMs?: number;
  readonly samples?: number;
  /** Counters since the last summary, taken (and reset) at each summary. */
  readonly connections?: () => ConnectionCounters;
}

export class AccessLog {
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private total = 0;
  private byStatus = new Map<number, number>();
  private samples: Array<Omit<AccessEntry, 'traceId'>> = [];
  private windowStart = Date.now();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly logger: Logger,
    private readonly opts: AccessLogOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxSamples = opts.samples ?? 5;
    this.timer = setInterval(() => this.summarise(), this.windowMs);
    this.timer.unref();
  }

  /** A request with a verified token: one line. */
  authenticated(e: AccessEntry): void {
    this.logger.info({ ...e, path: truncatePath(e.path) }, 'http');
  }

  /** A request without a verified token: counted, maybe sampled. */
  anonymous(e: AccessEntry): void {
    this.total += 1;
    this.byStatus.set(e.status, (this.byStatus.get(e.status) ?? 0) + 1);
    if (this.samples.length < this.maxSamples)
      this.samples.push({
        method: e.method,
        path: truncatePath(e.path, 64),
        status: e.status,
        ms: e.ms,
        client: e.client,
      });
  }

  /** Writes the window's summary line, when anything happened, and starts a new window. */
  summarise(): void {
    const connections = this.opts.connections?.();
    const busy = connections !== undefined && connections.evicted + connections.refused + connections.timedOut > 0;
    if (this.total > 0 || busy) {
      this.logger.info(
        {
          windowStartedAt: new Date(this.windowStart).toISOString(),
          unauthenticated: {
            requests: this.total,
            byStatus: Object.fromEntries([...this.byStatus].sort((a, b) => a[0] - b[0])),
            samples: this.samples,
          },
          ...(connections ? { connections } : {}),
        },
        'http summary (requests without a valid token are counted, not logged one by one)',
      );
    }
    this.total = 0;
    this.byStatus = new Map();
    this.samples = [];
    this.windowStart = Date.now();
  }

  close(): void {
    clearInterval(this.timer);
    this.summarise();
  }
}
