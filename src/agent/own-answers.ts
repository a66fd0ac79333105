/**
 * Answers this daemon delivered, per caller, by digest: a stateless client (the openai SDK, LangChain, Open WebUI)
 * resends them as `assistant` turns. Such a turn passes L04 and L01 like any client message, but L01 does not act
 * on bulwark's own answer to that caller (a model saying "I can't share my system prompt" scores high and would
 * otherwise refuse every later turn of the conversation). Only digests are kept, in memory, at most `max` of them;
 * after a restart a resent answer is judged like any client text.
 */
import { createHash } from 'node:crypto';
import { callerKey, type Caller } from '../core/index.js';

export class OwnAnswers {
  private readonly digests = new Set<string>();

  constructor(private readonly max = 20_000) {}

  private digest(caller: Caller, text: string): string {
    return createHash('sha256')
      .update(`${callerKey(caller)}\0${text.trim()}`)
      .digest('base64url');
  }

  remember(caller: Caller, text: string): void {
    if (text.trim() === '') return;
    const d = this.digest(caller, text);
    this.digests.delete(d); // re-insert: Set order is recency order
    this.digests.add(d);
    if (this.digests.size > this.max) this.digests.delete(this.digests.values().next().value as string);
  }

  /** Whether `text` is an answer this daemon delivered to `caller`. */
  delivered(caller: Caller, text: string): boolean {
    return this.digests.has(this.digest(caller, text));
  }
}
