/**
 * UTF-16 text read as if it were one byte per character (`cat` of a PowerShell 5 `Out-File` or a `.reg` export
 * through a UTF-8 or Latin-1 decoder): every ASCII character followed (or preceded) by a NUL. The leak index reads a
 * copy with the NULs dropped, each character mapped back to itself; only text with at least MIN_NULS of them is
 * copied, so ordinary output costs one `indexOf`.
 */
import { DecodedViewBuilder, type DecodedView } from '../text/index.js';

const MIN_NULS = 8;

export function withoutNuls(text: string): DecodedView | undefined {
  let at = text.indexOf('\0');
  if (at < 0) return undefined;
  let nuls = 0;
  for (; at >= 0 && nuls < MIN_NULS; at = text.indexOf('\0', at + 1)) nuls++;
  if (nuls < MIN_NULS) return undefined;
  const out = new DecodedViewBuilder();
  out.reserve(text.length);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0) out.add(c, i, i + 1);
  }
  return out.build();
}
