/**
 * The view the output guard's secret detectors read: NFKC per character and every invisible format
 * character removed, with the case kept (secret formats and entropy are case-sensitive, so the
 * lower-cased detection view of L04 does not suit them). Each view offset maps back to the raw
 * text, so a secret split by zero-width characters or written in full-width forms is redacted in
 * the raw text it came from.
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/u;
const PLAIN = /^[\t\n\r\x20-\x7e]*$/;

export interface SecretView {
  readonly text: string;
  /** Raw [start, end) of the view span [start, end). */
  toRaw(start: number, end: number): [number, number];
}

class IdentityView implements SecretView {
  constructor(readonly text: string) {}
  toRaw(start: number, end: number): [number, number] {
    return [start, end];
  }
}

class MappedView implements SecretView {
  constructor(
    readonly text: string,
    private readonly starts: Int32Array,
    private readonly ends: Int32Array,
    private readonly rawLength: number,
  ) {}
  toRaw(start: number, end: number): [number, number] {
    if (start >= this.text.length) return [this.rawLength, this.rawLength];
    const s = this.starts[start] ?? this.rawLength;
    const e = end <= start ? s : (this.ends[Math.min(end, this.text.length) - 1] ?? this.rawLength);
    return [s, Math.max(s, e)];
  }
}

export function secretView(raw: string): SecretView {
  if (PLAIN.test(raw)) return new IdentityView(raw);
  let text = '';
  const starts: number[] = [];
  const ends: number[] = [];
  for (let i = 0; i < raw.length; ) {
    const cp = raw.codePointAt(i) ?? 0;
    const size = cp > 0xffff ? 2 : 1;
    const ch = raw.slice(i, i + size);
    if (!INVISIBLE.test(ch)) {
      const n = cp < 0x80 ? ch : ch.normalize('NFKC');
      text += n;
      for (let k = 0; k < n.length; k++) {
        starts.push(i);
        ends.push(i + size);
      }
    }
    i += size;
  }
  return new MappedView(text, Int32Array.from(starts), Int32Array.from(ends), raw.length);
}
