/**
 * Finds candidate base64 and hex blobs in one linear pass (no regex): maximal runs of the base64
 * alphabet (standard and URL-safe) of at least 20 characters that mix upper case with lower case or
 * digits, and runs of at least 24 hex digits. Runs longer than MAX_BLOB are cut; counts are capped.
 */
export const MIN_BASE64 = 20;
export const MIN_HEX = 24;
export const MAX_BLOB = 8192;

export interface Blobs {
  readonly base64: string[];
  readonly hex: string[];
}

const B64 = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_-') B64[c.charCodeAt(0)] = 1;
const isHexDigit = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

export function findBlobs(text: string, maxEach: number): Blobs {
  const base64: string[] = [];
  const hex: string[] = [];
  let start = -1;
  let upper = false;
  let lowerOrDigit = false;
  let allHex = true;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 0;
    if (c < 128 && B64[c] === 1) {
      if (start < 0) {
        start = i;
        upper = false;
        lowerOrDigit = false;
        allHex = true;
      }
      if (c >= 0x41 && c <= 0x5a) upper = true;
      else if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) lowerOrDigit = true;
      if (!isHexDigit(c)) allHex = false;
      continue;
    }
    if (start < 0) continue;
    let end = i;
    while (end < text.length && text.charCodeAt(end) === 0x3d && end - i < 2) end++; // '=' padding
    const len = i - start;
    if (allHex && len >= MIN_HEX && hex.length < maxEach) hex.push(text.slice(start, start + Math.min(len, MAX_BLOB)));
    else if (len >= MIN_BASE64 && upper && lowerOrDigit && base64.length < maxEach) base64.push(text.slice(start, Math.min(end, start + MAX_BLOB)));
    start = -1;
    if (base64.length >= maxEach && hex.length >= maxEach) break;
  }
  return { base64, hex };
}
