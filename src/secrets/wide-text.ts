/**
 * UTF-16 text read as if it were one byte per character (`cat` of a PowerShell 5 `Out-File` or a `.reg` export
 * through a UTF-8 or Latin-1 decoder): every ASCII character followed (or preceded) by a NUL. The leak index reads a
 * copy with the NULs dropped, each character mapped back to itself. Any NUL makes the copy: a count of them was a
 * gate that a value of 6 or 7 characters (6 or 7 NULs) passed, and that a stream, which scans only the text it holds,
 * read differently from the whole text. Ordinary output, with no NUL, costs one `indexOf`.
 */
import { DecodedViewBuilder, type DecodedView } from '../text/index.js';

export function withoutNuls(text: string): DecodedView | undefined {
  if (text.indexOf('\0') < 0) return undefined;
  const out = new DecodedViewBuilder();
  out.reserve(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0) out.add(c, i, i + 1);
  }
  return out.build();
}

/**
 * For a stream: where the shortest ending of `text` that holds `chars` characters other than NUL begins (0 when the
 * text holds fewer). A form read without the NULs spans at most that many of them, however many NULs lie between.
 */
export function nulFreeTailStart(text: string, chars: number): number {
  let kept = 0;
  let i = text.length;
  while (i > 0 && kept < chars) if (text.charCodeAt(--i) !== 0) kept++;
  return i;
}
