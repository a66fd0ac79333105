/**
 * Strict IP address parsing to bytes, so that classification never depends on how an address was written.
 *
 * IPv4 follows the WHATWG URL host parser (the same rules browsers and Node's URL use): 1 to 4 parts,
 * each decimal, octal (leading 0) or hex (0x); the last part fills the remaining bytes. That makes
 * `2130706433`, `0177.1`, `0x7f.0.0.1` and `127.1` all 127.0.0.1 — normalised, never misread.
 * IPv6 is RFC 4291 text form with an optional embedded dotted IPv4 tail and an optional zone id.
 */

export type IpFamily = 4 | 6;

export interface ParsedIp {
  readonly family: IpFamily;
  /** 4 or 16 bytes, network order. */
  readonly bytes: Uint8Array;
}

const MAX_IP_TEXT = 64;

function parseIpv4Part(part: string): number | undefined {
  if (part === '') return undefined;
  let radix = 10;
  let digits = part;
  if (/^0[xX]/.test(part)) {
    radix = 16;
    digits = part.slice(2);
    if (digits === '') return 0;
    if (!/^[0-9a-fA-F]+$/.test(digits)) return undefined;
  } else if (part.length > 1 && part.startsWith('0')) {
    radix = 8;
    digits = part.slice(1);
    if (!/^[0-7]+$/.test(digits)) return undefined;
  } else if (!/^[0-9]+$/.test(digits)) {
    return undefined;
  }
  // Longer than any 32-bit value in any radix: refuse before the number loses precision.
  if (digits.replace(/^0+/, '').length > 11) return undefined;
  const n = parseInt(digits, radix);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** WHATWG IPv4 number forms. Returns undefined when the text is not an IPv4 address. */
export function parseIpv4(text: string): Uint8Array | undefined {
  if (text.length === 0 || text.length > MAX_IP_TEXT) return undefined;
  const parts = text.split('.');
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length === 0 || parts.length > 4) return undefined;
  const nums: number[] = [];
  for (const p of parts) {
    const n = parseIpv4Part(p);
    if (n === undefined) return undefined;
    nums.push(n);
  }
  const last = nums.pop() as number;
  if (nums.some((n) => n > 255)) return undefined;
  if (last >= 256 ** (4 - nums.length)) return undefined;
  let value = last;
  nums.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return Uint8Array.of((value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255);
}

/** Strict dotted-quad (exactly 4 decimal parts, no leading zeros) — the only IPv4 form allowed inside IPv6. */
function parseDottedQuad(text: string): Uint8Array | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i] as string;
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    out[i] = n;
  }
  return out;
}

export function parseIpv6(input: string): Uint8Array | undefined {
  if (input.length === 0 || input.length > MAX_IP_TEXT) return undefined;
  let text = input;
  const zone = text.indexOf('%');
  if (zone !== -1) {
    if (!/^%[A-Za-z0-9_.-]{1,32}$/.test(text.slice(zone))) return undefined;
    text = text.slice(0, zone);
  }
  if (!/^[0-9a-fA-F:.]+$/.test(text)) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const words = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const head = words(halves[0] as string);
  const tail = halves.length === 2 ? words(halves[1] as string) : [];
  const groups: number[] = [];
  const all = [...head, ...tail];
  let v4: Uint8Array | undefined;
  const lastGroup = all[all.length - 1];
  if (lastGroup !== undefined && lastGroup.includes('.')) {
    v4 = parseDottedQuad(lastGroup);
    if (!v4) return undefined;
    if (tail.length > 0) tail.pop();
    else if (halves.length === 2)
      return undefined; // dotted tail before '::'
    else head.pop();
  }
  const parseGroup = (g: string): number | undefined => (/^[0-9a-fA-F]{1,4}$/.test(g) ? parseInt(g, 16) : undefined);
  const headNums = head.map(parseGroup);
  const tailNums = tail.map(parseGroup);
  if ([...headNums, ...tailNums].some((n) => n === undefined)) return undefined;
  const needed = v4 ? 6 : 8;
  const present = headNums.length + tailNums.length;
  if (halves.length === 2) {
    if (present > needed - 1) return undefined;
    groups.push(...(headNums as number[]), ...new Array<number>(needed - present).fill(0), ...(tailNums as number[]));
  } else {
    if (present !== needed) return undefined;
    groups.push(...(headNums as number[]));
  }
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[i * 2] = g >> 8;
    out[i * 2 + 1] = g & 255;
  });
  if (v4) out.set(v4, 12);
  return out;
}

/** Parses an IP literal in any accepted form; IPv6 may be bracketed. */
export function parseIp(text: string): ParsedIp | undefined {
  const t = text.trim();
  if (t.startsWith('[') && t.endsWith(']')) {
    const b = parseIpv6(t.slice(1, -1));
    return b ? { family: 6, bytes: b } : undefined;
  }
  if (t.includes(':')) {
    const b = parseIpv6(t);
    return b ? { family: 6, bytes: b } : undefined;
  }
  const b = parseIpv4(t);
  return b ? { family: 4, bytes: b } : undefined;
}

export function formatIp(ip: ParsedIp): string {
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((ip.bytes[i] as number) << 8) | (ip.bytes[i + 1] as number));
  // Longest run of zero words (length >= 2) becomes '::' (RFC 5952).
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8;) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** True when `bytes` starts with the first `bits` bits of `prefix`. */
export function inPrefix(bytes: Uint8Array, prefix: Uint8Array, bits: number): boolean {
  if (bytes.length !== prefix.length) return false;
  const full = Math.floor(bits / 8);
  for (let i = 0; i < full; i++) if (bytes[i] !== prefix[i]) return false;
  const rest = bits % 8;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return ((bytes[full] as number) & mask) === ((prefix[full] as number) & mask);
}
