/**
 * Reversible transforms a model can apply to a value to get it past a literal match: reversal, rot13 and
 * base32 (RFC 4648). The leak index and the canary index the transformed forms; the egress check decodes
 * base32. Base32 is taken, like base64, at every byte alignment and trimmed to the characters that depend
 * on the value alone, so a value inside a larger base32 blob is found wherever it starts.
 */

/** The text with its code points in reverse order (surrogate pairs stay pairs). */
export function reverseText(s: string): string {
  return [...s].reverse().join('');
}

/** ASCII letters rotated by 13 places, case kept; everything else as it is. */
export function rot13(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(((c - 0x61 + 13) % 26) + 0x61);
    else if (c >= 0x41 && c <= 0x5a) out += String.fromCharCode(((c - 0x41 + 13) % 26) + 0x41);
    else out += s[i];
  }
  return out;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, without padding. */
export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

/** The 5-bit value of a base32 character (either case), or -1. */
function base32Value(c: number): number {
  if (c >= 0x41 && c <= 0x5a) return c - 0x41;
  if (c >= 0x61 && c <= 0x7a) return c - 0x61;
  if (c >= 0x32 && c <= 0x37) return c - 0x32 + 26;
  return -1;
}

/** Bytes of RFC 4648 base32 text (either case, padding allowed at the end); undefined when it is not base32. */
export function base32Decode(text: string): Buffer | undefined {
  const t = text.replace(/=+$/, '');
  if (t.length === 0) return undefined;
  // Written into a buffer of the exact size (5 bits a character, whole bytes only), not an array of numbers.
  const out = Buffer.allocUnsafe(Math.floor((t.length * 5) / 8));
  let n = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < t.length; i++) {
    const v = base32Value(t.charCodeAt(i));
    if (v < 0) return undefined;
    acc = ((acc << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out[n++] = (acc >> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  return out;
}

/** The base32 characters of `bytes` that depend on them alone, at each of the five byte alignments. */
export function base32Cores(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 5; shift++) {
    const padded = new Uint8Array(shift + bytes.length);
    padded.set(bytes, shift);
    const enc = base32Encode(padded);
    const from = Math.ceil((8 * shift) / 5);
    const to = Math.floor((8 * (shift + bytes.length)) / 5);
    if (to > from) out.push(enc.slice(from, to));
  }
  return out;
}
