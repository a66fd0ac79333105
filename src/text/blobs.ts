/**
 * Finds candidate base64 and hex blobs in one linear pass (no regex, skipping ahead by the minimum length): maximal runs of the base64
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
/** The end of a long run is found natively. */
const NOT_B64 = /[^A-Za-z0-9+/_-]/g;
const isHexDigit = (c: number) => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

export function findBlobs(text: string, maxEach: number): Blobs {
  const base64: string[] = [];
  const hex: string[] = [];
  const n = text.length;
  const isB64 = (k: number) => {
    const c = text.charCodeAt(k);
    return c < 128 && B64[c] === 1;
  };
  // Skip search: a run of >= MIN_BASE64 characters starting at or after `i` covers text[i + MIN_BASE64 - 1],
  // so when that one is outside the alphabet the whole stretch is skipped. text[i - 1] is never in a run.
  let i = 0;
  while (i + MIN_BASE64 <= n) {
    const probe = i + MIN_BASE64 - 1;
    if (!isB64(probe)) {
      i = probe + 1;
      continue;
    }
    let start = probe;
    while (start > i && isB64(start - 1)) start--;
    NOT_B64.lastIndex = probe + 1;
    const stop = NOT_B64.exec(text)?.index ?? n;
    i = stop + 1;
    const len = stop - start;
    if (len < MIN_BASE64) continue;
    let upper = false;
    let lowerOrDigit = false;
    let allHex = true;
    for (let k = start; k < stop && (allHex || !upper || !lowerOrDigit); k++) {
      const c = text.charCodeAt(k);
      if (c >= 0x41 && c <= 0x5a) upper = true;
      else if ((c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)) lowerOrDigit = true;
      if (!isHexDigit(c)) allHex = false;
    }
    let end = stop;
    while (end < n && text.charCodeAt(end) === 0x3d && end - stop < 2) end++; // '=' padding
    if (allHex && len >= MIN_HEX && hex.length < maxEach) hex.push(text.slice(start, start + Math.min(len, MAX_BLOB)));
    else if (len >= MIN_BASE64 && upper && lowerOrDigit && base64.length < maxEach)
      base64.push(text.slice(start, Math.min(end, start + MAX_BLOB)));
    if (base64.length >= maxEach && hex.length >= maxEach) break;
  }
  return { base64, hex };
}
