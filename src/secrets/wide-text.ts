/**
 * Text with control characters between its characters. UTF-16 read as if it were one byte per character (`cat` of a
 * PowerShell 5 `Out-File` or a `.reg` export through a UTF-8 or Latin-1 decoder) puts a NUL after (or before) every
 * ASCII character; a model can put any other control character there as well (`h\x01u\x01n…`), which a terminal or a
 * chat client shows as nothing. The leak index reads a copy with the control characters dropped (C0 but tab, line
 * feed and carriage return; DEL; C1), each character mapped back to itself. Any one of them makes the copy: a count
 * of NULs was a gate that a value of 6 or 7 characters passed, and that a stream, which scans only the text it holds,
 * read differently from the whole text. Ordinary output, with none, costs one walk that copies nothing.
 */
import { DecodedViewBuilder, type DecodedView } from '../text/index.js';

const isControl = (c: number) =>
  c < 0x09 || c === 0x0b || c === 0x0c || (c > 0x0d && c < 0x20) || (c >= 0x7f && c < 0xa0);

export function withoutControls(text: string): DecodedView | undefined {
  let first = 0;
  while (first < text.length && !isControl(text.charCodeAt(first))) first++;
  if (first === text.length) return undefined;
  const out = new DecodedViewBuilder();
  out.reserve(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!isControl(c)) out.add(c, i, i + 1);
  }
  return out.build();
}

/**
 * For a stream: where the shortest ending of `text` that holds `chars` characters other than those withoutControls
 * drops begins (0 when the text holds fewer). A form read in that copy spans at most that many of them, however many
 * control characters lie between.
 */
export function controlFreeTailStart(text: string, chars: number): number {
  let kept = 0;
  let i = text.length;
  while (i > 0 && kept < chars) if (!isControl(text.charCodeAt(--i))) kept++;
  return i;
}
