/**
 * A reply streamed into a chat by editing one message: the first text sends it, later text edits it at most once
 * per `intervalMs` (platforms rate-limit edits), and the end writes the final text. Text past the platform's
 * message limit continues in new messages. Platform-neutral: the channel supplies send and edit.
 */
import type { BulwarkError, Result } from '../core/index.js';

export interface MessageSink {
  send(text: string): Promise<Result<number, BulwarkError>>;
  edit(messageId: number, text: string): Promise<Result<void, BulwarkError>>;
}

export class StreamedReply {
  private text = '';
  private shown = '';
  private messageId: number | undefined;
  private lastWrite = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private chain: Promise<void> = Promise.resolve();
  private failure: BulwarkError | undefined;

  constructor(
    private readonly sink: MessageSink,
    private readonly intervalMs: number,
    private readonly maxChars: number,
    private readonly clock: () => number = Date.now,
  ) {}

  append(delta: string): void {
    if (delta === '') return;
    this.text += delta;
    if (this.timer !== undefined) return;
    const wait =
      this.messageId === undefined && this.lastWrite === 0 ? 0 : this.lastWrite + this.intervalMs - this.clock();
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.enqueue(() => this.write(this.preview()));
      },
      Math.max(0, wait),
    );
  }

  /** Writes the final text (or what was streamed, when `final` is empty) and resolves once it is delivered. */
  async finish(final: string): Promise<Result<void, BulwarkError>> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const whole = final !== '' ? final : this.text;
    this.text = whole;
    this.enqueue(async () => {
      const parts = split(whole === '' ? '(no answer)' : whole, this.maxChars);
      await this.write(parts[0] as string);
      for (const part of parts.slice(1)) {
        const sent = await this.sink.send(part);
        if (!sent.ok) this.failure ??= sent.error;
      }
    });
    await this.chain;
    return this.failure ? { ok: false, error: this.failure } : { ok: true, value: undefined };
  }

  private preview(): string {
    return this.text.length > this.maxChars ? `${this.text.slice(0, this.maxChars - 1)}…` : this.text;
  }

  private enqueue(step: () => Promise<void>): void {
    this.chain = this.chain.then(step);
  }

  private async write(text: string): Promise<void> {
    if (text === this.shown || text === '') return;
    this.lastWrite = this.clock();
    if (this.messageId === undefined) {
      const sent = await this.sink.send(text);
      if (sent.ok) this.messageId = sent.value;
      else this.failure ??= sent.error;
    } else {
      const edited = await this.sink.edit(this.messageId, text);
      if (!edited.ok) this.failure ??= edited.error;
    }
    this.shown = text;
  }
}

/** Pieces of at most `max` characters, cut at a newline when one is near the end. */
export function split(text: string, max: number): string[] {
  const out: string[] = [];
  let rest = text;
  while (rest.length > max) {
    const nl = rest.lastIndexOf('\n', max);
    const at = nl > max / 2 ? nl + 1 : max;
    out.push(rest.slice(0, at));
    rest = rest.slice(at);
  }
  out.push(rest);
  return out;
}
