/**
 * How much one model answer may carry. A provider — or whatever answers at its URL — that keeps streaming past the
 * answer's max_tokens is not answering: unbounded, its tool-call arguments (kept until the call is complete) or its
 * text grew the daemon's memory until V8's string limit (R17: 225 → 814 MiB in 35 s), and several such turns at once
 * would get the daemon killed. No tokenizer in use writes anywhere near CHARS_PER_TOKEN characters per token, so an
 * answer past the bound is cut off as overlong, with what was received counted for the bill (L21).
 */
import { ProviderError } from './provider-error.js';

const CHARS_PER_TOKEN = 32;
/** Small max_tokens settings still leave room for a short answer with a tool call. */
const FLOOR = 256 * 1024;

/** The most characters (text, reasoning and tool-call arguments together) one answer of `maxTokens` may carry. */
export function answerCharsBound(maxTokens: number): number {
  return Math.max(FLOOR, maxTokens * CHARS_PER_TOKEN);
}

export function overlongAnswer(providerId: string, maxTokens: number): ProviderError {
  return new ProviderError(
    'overlong',
    providerId,
    `provider "${providerId}" sent more than ${answerCharsBound(maxTokens)} characters for one answer, far past its max_tokens (${maxTokens}); the answer was cut off and what arrived is counted`,
  );
}

/** Tool-call arguments a provider keeps until each call is complete, counted against the answer's bound. */
export class PendingArguments {
  private chars = 0;
  private readonly bound: number;

  constructor(maxTokens: number) {
    this.bound = answerCharsBound(maxTokens);
  }

  /** Counts a piece; true once the answer is past its bound (the caller yields what it kept as unshown, then throws). */
  over(piece: string): boolean {
    this.chars += piece.length;
    return this.chars > this.bound;
  }
}
