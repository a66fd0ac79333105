/**
 * The encoded forms under which a secret value can appear in text: what the leak index looks for.
 *
 * Base64 forms are taken at the three byte alignments and trimmed to the characters that depend on
 * the value alone, so a secret inside a larger base64 blob (e.g. `Basic base64("user:" + secret)`)
 * is still found wherever it starts.
 */
import { base64Cores } from '../text/base64-cores.js';

export type LeakEncoding = 'raw' | 'base64' | 'base64url' | 'hex' | 'url' | 'json';

export interface EncodedForm {
  readonly encoding: LeakEncoding;
  readonly text: string;
}

/** Shortest form worth indexing: shorter ones would match ordinary text. */
export const MIN_FORM_LENGTH = 6;

/** All distinct forms of `value`, each labelled with its encoding; forms shorter than MIN_FORM_LENGTH are left out. */
export function encodedForms(value: string): EncodedForm[] {
  const bytes = Buffer.from(value, 'utf8');
  const candidates: EncodedForm[] = [{ encoding: 'raw', text: value }];
  for (const t of base64Cores(bytes, 'base64')) candidates.push({ encoding: 'base64', text: t });
  for (const t of base64Cores(bytes, 'base64url')) candidates.push({ encoding: 'base64url', text: t });
  const hex = bytes.toString('hex');
  candidates.push({ encoding: 'hex', text: hex }, { encoding: 'hex', text: hex.toUpperCase() });
  const url = encodeURIComponent(value);
  candidates.push({ encoding: 'url', text: url });
  candidates.push({ encoding: 'url', text: url.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()) });
  candidates.push({ encoding: 'url', text: url.replace(/%20/g, '+') });
  candidates.push({ encoding: 'json', text: JSON.stringify(value).slice(1, -1) });
  // JSON inside JSON (a log line that carries a serialized body): escape twice.
  candidates.push({ encoding: 'json', text: JSON.stringify(JSON.stringify(value).slice(1, -1)).slice(1, -1) });

  const seen = new Set<string>();
  const out: EncodedForm[] = [];
  for (const c of candidates) {
    if (c.text.length < MIN_FORM_LENGTH || seen.has(c.text)) continue;
    seen.add(c.text);
    out.push(c);
  }
  return out;
}
