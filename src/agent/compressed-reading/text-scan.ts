/**
 * One stream of bytes scanned as text with the leak index, piece by piece: text a form may still complete is
 * carried into the next piece, so a value cut by a piece's edge is still found. Read as UTF-8, and also as UTF-16
 * when the stream starts as UTF-16 text does (a byte-order mark, or every other byte 0 as in Latin text): Windows
 * tools write UTF-16 (PowerShell 5's `Out-File`, `.reg` exports), and a run reads it with `iconv` as easily as UTF-8.
 */
import { TextDecoder } from 'node:util';
import type { LeakScanner } from '../../core/index.js';

/** Most text carried from one piece into the next (a form open at a piece's end is completed there). */
const MAX_CARRY = 16 * 1024;

/** Bytes of a stream's first piece looked at to tell UTF-16 text. */
const SNIFF_BYTES = 4096;

/** One decoding of the stream, with what it carries from piece to piece. */
class Decoded {
  private carry = '';

  constructor(
    private readonly scanner: LeakScanner,
    private readonly decoder: TextDecoder,
  ) {}

  push(bytes: Uint8Array): string | undefined {
    return this.take(this.decoder.decode(bytes, { stream: true }), false);
  }

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

/**
 * The UTF-16 byte order `bytes` (a stream's start) reads in, or undefined: a byte-order mark, or most bytes at one
 * parity 0 and few at the other (ASCII text in UTF-16; binary data has zeros at both).
 */
export function utf16Order(bytes: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  const n = Math.min(bytes.length, SNIFF_BYTES) & ~1;
  if (n < 8) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < n; i += 2) {
    if (bytes[i] === 0) evenZero++;
    if (bytes[i + 1] === 0) oddZero++;
  }
  const half = n / 2;
  if (oddZero >= half * 0.7 && evenZero <= half * 0.1) return 'utf-16le';
  if (evenZero >= half * 0.7 && oddZero <= half * 0.1) return 'utf-16be';
  return undefined;
}

export class TextScan {
  private readonly utf8: Decoded;
  /** The stream read as UTF-16, when its first piece looked like UTF-16 text. */
  private utf16: Decoded | undefined;
  private started = false;

  constructor(private readonly scanner: LeakScanner) {
    this.utf8 = new Decoded(scanner, new TextDecoder('utf-8'));
  }

  /** Name of the secret found so far, or undefined. */
  push(bytes: Uint8Array): string | undefined {
    if (!this.started && bytes.length > 0) {
      this.started = true;
      const order = utf16Order(bytes);
      if (order) this.utf16 = new Decoded(this.scanner, new TextDecoder(order));
    }
    return this.utf8.push(bytes) ?? this.utf16?.push(bytes);
  }

  /** The stream ended: what is carried is scanned for the last time. */
  end(): string | undefined {
    return this.utf8.end() ?? this.utf16?.end();
  }
}
