/**
 * Untrusted text made safe to show to a person deciding on it (an approval on a phone, in a browser or a terminal):
 * every character that moves, hides or reorders text is shown as a visible escape instead — C0/C1 controls (carriage
 * return, escape sequences), line and paragraph separators, bidi controls (U+202E shows `rm -rf` as its mirror
 * image) and the invisible format characters of L04 (zero-width, tags, variation selectors). Newline and tab stay.
 * Pure and dependency-free: the web UI bundles it too.
 */
import { isBidiControl, isInvisible } from './invisible.js';

function hidden(cp: number): boolean {
  if (cp === 0x0a || cp === 0x09) return false;
  return (
    cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || cp === 0x2028 || cp === 0x2029 || isBidiControl(cp) || isInvisible(cp)
  );
}

function escape(cp: number): string {
  return cp > 0xffff ? `\\u{${cp.toString(16)}}` : `\\u${cp.toString(16).padStart(4, '0')}`;
}

export function visibleText(text: string): string {
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    out += hidden(cp) ? escape(cp) : ch;
  }
  return out;
}
