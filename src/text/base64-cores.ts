/**
 * The base64 text of a value as it appears inside a larger base64 blob: the value is encoded at each
 * of the three byte alignments and only the characters whose bits come from the value alone are
 * kept, so the value is found wherever it starts in the encoded stream (e.g. `Basic base64("user:" + secret)`).
 */
export function base64Cores(bytes: Buffer, alphabet: 'base64' | 'base64url'): string[] {
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const enc = Buffer.concat([Buffer.alloc(shift), bytes]).toString(alphabet);
    // Characters carrying only bits of the value: [ceil(8*shift/6), floor(8*(shift+n)/6)).
    const from = Math.ceil((8 * shift) / 6);
    const to = Math.floor((8 * (shift + bytes.length)) / 6);
    if (to > from) out.push(enc.slice(from, to));
  }
  return out;
}
