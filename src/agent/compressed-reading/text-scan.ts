/**
 * One stream of bytes scanned as UTF-8 text with the leak index, piece by piece: text a form may still complete is
 * carried into the next piece, so a value cut by a piece's edge is still found.
 */
import type { LeakScanner } from '../../core/index.js';

/** Most text carried from one piece into the next (a form open at a piece's end is completed there). */
const MAX_CARRY = 16 * 1024;

export class TextScan {
  private readonly decoder = new TextDecoder('utf-8');
  private carry = '';

  constructor(private readonly scanner: LeakScanner) {}

  /** Name of the secret found so far, or undefined. */
  push(bytes: Uint8Array): string | undefined {
    return this.take(this.decoder.decode(bytes, { stream: true }), false);
  }

  /** The stream ended: what is carried is scanned for the last time. */
  end(): string | undefined {
    return this.take(this.decoder.decode(), true);
  }

  private take(decoded: string, last: boolean): string | undefined {
    const text = this.carry + decoded;
    const secret = this.scanner.scan(text)[0]?.secretName;
    if (secret || last) return secret;
    const from = Math.max(this.scanner.openFrom(text), text.length - MAX_CARRY);
    this.carry = text.slice(from);
    return undefined;
  }
}
