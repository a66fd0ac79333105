/**
 * What a file is, from its first bytes: an executable (ELF, PE, Mach-O, compiled Python), an archive, a known
 * media or font format, text (valid UTF-8 without NUL), or other data. Skills are text; anything else is judged
 * by kind, never read as text.
 */
export type BinaryKind =
  | { readonly kind: 'executable' | 'archive' | 'media'; readonly format: string }
  | { readonly kind: 'text' }
  | { readonly kind: 'data' };

function starts(b: Uint8Array, ...sig: number[]): boolean {
  return sig.every((v, i) => b[i] === v);
}

function isText(b: Uint8Array): boolean {
  const head = b.subarray(0, 64 * 1024);
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.length < b.length ? trimPartial(head) : head);
    return true;
  } catch (cause) {
    void cause; // invalid UTF-8: not text
    return false;
  }
}

/** Drops a multi-byte sequence cut at the end of a prefix, so a valid file is not judged by a cut character. */
function trimPartial(b: Uint8Array): Uint8Array {
  const end = b.length;
  for (let k = 1; k <= 3 && end - k >= 0; k++) {
    const c = b[end - k] ?? 0;
    if ((c & 0xc0) === 0xc0) return b.subarray(0, end - k);
    if ((c & 0x80) === 0) break;
  }
  return b.subarray(0, end);
}

export function binaryKind(b: Uint8Array): BinaryKind {
  if (starts(b, 0x7f, 0x45, 0x4c, 0x46)) return { kind: 'executable', format: 'ELF' };
  if (starts(b, 0x4d, 0x5a)) return { kind: 'executable', format: 'PE (Windows)' };
  if (
    starts(b, 0xfe, 0xed, 0xfa, 0xce) ||
    starts(b, 0xfe, 0xed, 0xfa, 0xcf) ||
    starts(b, 0xce, 0xfa, 0xed, 0xfe) ||
    starts(b, 0xcf, 0xfa, 0xed, 0xfe) ||
    starts(b, 0xca, 0xfe, 0xba, 0xbe)
  )
    return { kind: 'executable', format: 'Mach-O' };
  if (b.length >= 16 && b[2] === 0x0d && b[3] === 0x0a && !isText(b))
    return { kind: 'executable', format: 'compiled Python' };
  if (starts(b, 0x50, 0x4b, 0x03, 0x04) || starts(b, 0x50, 0x4b, 0x05, 0x06)) return { kind: 'archive', format: 'zip' };
  if (starts(b, 0x1f, 0x8b)) return { kind: 'archive', format: 'gzip' };
  if (starts(b, 0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return { kind: 'archive', format: '7z' };
  if (starts(b, 0x52, 0x61, 0x72, 0x21)) return { kind: 'archive', format: 'rar' };
  if (starts(b, 0xfd, 0x37, 0x7a, 0x58, 0x5a)) return { kind: 'archive', format: 'xz' };
  if (starts(b, 0x42, 0x5a, 0x68)) return { kind: 'archive', format: 'bzip2' };
  if (b.length > 262 && String.fromCharCode(...b.subarray(257, 262)) === 'ustar')
    return { kind: 'archive', format: 'tar' };
  if (starts(b, 0x89, 0x50, 0x4e, 0x47)) return { kind: 'media', format: 'PNG' };
  if (starts(b, 0xff, 0xd8, 0xff)) return { kind: 'media', format: 'JPEG' };
  if (starts(b, 0x47, 0x49, 0x46, 0x38)) return { kind: 'media', format: 'GIF' };
  if (starts(b, 0x52, 0x49, 0x46, 0x46) && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP')
    return { kind: 'media', format: 'WebP' };
  if (starts(b, 0x00, 0x00, 0x01, 0x00)) return { kind: 'media', format: 'ICO' };
  if (starts(b, 0x25, 0x50, 0x44, 0x46)) return { kind: 'media', format: 'PDF' };
  if (starts(b, 0x77, 0x4f, 0x46)) return { kind: 'media', format: 'WOFF' };
  if (starts(b, 0x00, 0x01, 0x00, 0x00) || starts(b, 0x4f, 0x54, 0x54, 0x4f)) return { kind: 'media', format: 'font' };
  return isText(b) ? { kind: 'text' } : { kind: 'data' };
}
