/**
 * Encoded payloads, decoded and read again (L24 rule `skill.encoded-payload`): base64 and hex blobs (zlib and gzip
 * streams inside them inflated), arrays of character codes, and literals written backwards in files that reverse
 * strings. What a decoded payload would do is read by the same analysers, its facts marked `decoded`.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { findBlobs } from '../../../text/index.js';
import { LineIndex } from './excerpt.js';
import type { CodeLanguage, FactSet } from './facts.js';
import type { TextSite } from './types.js';

const MAX_BLOBS_PER_FILE = 32;
const MAX_DECODED = 64 * 1024;
/** A bracketed list of at least 8 two- or three-digit numbers (checked after the match: a flat class keeps it linear). */
const CHAR_CODES = /\[[\d\s,]{23,24000}\]/g;
const REVERSAL = /\brev\b|\[\s*::\s*-1\s*\]|\.reverse\s*\(\s*\)|\[array\]::Reverse|\.Reverse\(/;
const QUOTED = /(["'])([^"'\n]{12,400})\1/g;

/** Text when the bytes are mostly printable UTF-8 (not an image or random data). */
function printable(bytes: Buffer): string | undefined {
  if (bytes.length < 8) return undefined;
  if (
    (bytes[0] === 0x78 && [0x01, 0x5e, 0x9c, 0xda].includes(bytes[1] ?? 0)) ||
    (bytes[0] === 0x1f && bytes[1] === 0x8b)
  ) {
    try {
      const inflated =
        bytes[0] === 0x1f
          ? gunzipSync(bytes, { maxOutputLength: MAX_DECODED })
          : inflateSync(bytes, { maxOutputLength: MAX_DECODED });
      return printable(inflated);
    } catch (cause) {
      // Not a valid stream after all (random bytes with a lucky header): nothing to read.
      void cause;
      return undefined;
    }
  }
  const s = bytes.toString('utf8');
  let ok = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c >= 0x20 && c !== 0x7f && c !== 0xfffd) || c === 0x0a || c === 0x0d || c === 0x09) ok++;
  }
  return ok / s.length >= 0.9 ? s.slice(0, MAX_DECODED) : undefined;
}

/** Which analyser a decoded text is for. */
export function sniffLanguage(text: string): CodeLanguage {
  if (/\b(?:import\s+\w|from\s+\w+\s+import|def\s+\w+\(|os\.system|exec\(|__import__)/.test(text)) return 'python';
  if (/\b(?:require\s*\(|const\s+\w|=>|child_process|process\.env)/.test(text)) return 'javascript';
  if (/\b(?:Invoke-\w+|iex\b|New-Object|\$env:)/i.test(text)) return 'powershell';
  return 'shell';
}

function decodeBase64(blob: string): Buffer {
  return Buffer.from(blob.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Decodes what looks encoded in `text` and reads each payload as code, its facts marked decoded. */
export function decodePayloads(text: string, site: TextSite, into: FactSet): void {
  const lines = new LineIndex(text);
  const at = (offset: number): TextSite => ({ ...site, line: site.line + lines.lineOf(Math.max(0, offset)) });
  const blobs = findBlobs(text, MAX_BLOBS_PER_FILE);
  let n = 0;
  for (const [list, decode] of [
    [blobs.base64, decodeBase64],
    [blobs.hex, (b: string) => Buffer.from(b.length % 2 ? b.slice(0, -1) : b, 'hex')],
  ] as const) {
    for (const blob of list) {
      if (n++ >= MAX_BLOBS_PER_FILE) return;
      const decoded = printable(decode(blob));
      if (decoded) into.nested(sniffLanguage(decoded), decoded, at(text.indexOf(blob)), true);
    }
  }
  for (const m of text.matchAll(CHAR_CODES)) {
    const codes = m[0]
      .slice(1, -1)
      .split(',')
      .map((c) => Number(c.trim()));
    if (codes.length >= 8 && codes.every((c) => Number.isInteger(c) && c >= 9 && c < 127)) {
      const decoded = String.fromCharCode(...codes.slice(0, MAX_DECODED));
      into.nested(sniffLanguage(decoded), decoded, at(m.index), true);
    }
  }
  if (REVERSAL.test(text))
    for (const m of text.matchAll(QUOTED)) {
      const reversed = [...(m[2] ?? '')].reverse().join('');
      if (/https?:\/\/|\|\s*(?:ba)?sh\b|\b(?:curl|wget)\b/.test(reversed))
        into.nested('shell', reversed, at(m.index), true);
    }
}
