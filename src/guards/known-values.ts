/**
 * Known secret values in a piece of text, in raw offsets: the leak index over the raw text and over its secret
 * view (escapes decoded, invisible characters out, look-alikes folded), each hit once. A base64 or base32 hit
 * covers only the characters that depend on the value alone; the few characters around it still carry some of
 * its bits (and the padding), so the span is widened over them. Used by L02 (responses, tool arguments), L15
 * (memory writes) and the known-value placeholders of L23.1.
 */
import type { LeakHit, LeakScanner } from '../core/index.js';
import { secretView, type SecretView } from './output-guard-view.js';

const BASE64 = /[A-Za-z0-9+/=]/;
const BASE64URL = /[A-Za-z0-9_=-]/;
const BASE32 = /[A-Za-z2-7=]/;

/** Characters on each side that may still carry bits of the value: 3 in base64 (4 per 3 bytes), 7 in base32. */
function widen(raw: string, start: number, end: number, alphabet: RegExp, reach: number): [number, number] {
  const inAlphabet = (c: string | undefined) => c !== undefined && alphabet.test(c);
  let s = start;
  let e = end;
  while (s > 0 && start - s < reach && inAlphabet(raw[s - 1])) s--;
  while (e < raw.length && e - end < reach && inAlphabet(raw[e])) e++;
  return [s, e];
}

function widened(raw: string, h: LeakHit): [number, number] {
  if (h.encoding === 'base64') return widen(raw, h.start, h.end, BASE64, 3);
  if (h.encoding === 'base64url') return widen(raw, h.start, h.end, BASE64URL, 3);
  if (h.encoding === 'base32') return widen(raw, h.start, h.end, BASE32, 7);
  return [h.start, h.end];
}

/** Every known value in `raw`, in raw offsets (widened for base64 and base32), without repeats. */
export function findKnownValues(raw: string, leaks: LeakScanner, view: SecretView = secretView(raw)): LeakHit[] {
  const out: LeakHit[] = [];
  const seen = new Set<string>();
  const add = (h: LeakHit, s: number, e: number) => {
    const key = `${s}:${e}:${h.secretName}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ ...h, start: s, end: e });
  };
  // The view first: where both find a value at one span, the view names the encoding the way a reader sees it
  // (`\u0073…` decoded is the raw value).
  if (view.text !== raw) {
    for (const h of leaks.scan(view.text)) {
      const [s, e] = view.toRaw(h.start, h.end);
      add(h, ...widened(raw, { ...h, start: s, end: e }));
    }
  }
  for (const h of leaks.scan(raw)) add(h, ...widened(raw, h));
  return out.sort((a, b) => a.start - b.start);
}
