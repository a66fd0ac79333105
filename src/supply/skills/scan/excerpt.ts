/** Evidence lines for findings: one line, bounded, invisible and control characters shown as escapes. */

const MAX_EXCERPT = 160;

export function excerptOf(text: string, max = MAX_EXCERPT): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || ch === '\r' || ch === '\t') out += ' ';
    else if (cp < 0x20 || cp === 0x7f || (cp >= 0x80 && cp < 0xa0)) out += `\\x${cp.toString(16).padStart(2, '0')}`;
    else if (isHiddenCodePoint(cp)) out += `\\u{${cp.toString(16)}}`;
    else out += ch;
    if (out.length >= max) return `${out.slice(0, max)}…`;
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

/** Zero-width, bidi controls, tag characters and other format characters a reader cannot see. */
export function isHiddenCodePoint(cp: number): boolean {
  return (
    (cp >= 0x200b && cp <= 0x200f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x2069) ||
    cp === 0xfeff ||
    cp === 0x00ad ||
    (cp >= 0xe0000 && cp <= 0xe007f)
  );
}

/** Line numbers of offsets in one text, from its line starts (built once). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }

  /** 0-based line of `offset`. */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** The text of the line that holds `offset`. */
  lineText(offset: number): string {
    const start = this.starts[this.lineOf(offset)] ?? 0;
    const end = this.text.indexOf('\n', start);
    return this.text.slice(start, end < 0 ? this.text.length : end);
  }
}
