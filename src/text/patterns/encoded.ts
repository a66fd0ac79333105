/**
 * Encoded payloads. The blob finders (base64, hex) run on the canonical text because case carries
 * the data; the decoded content goes back through the detection view. `encoded.decode_and_follow`
 * is an ordinary pattern on the view.
 */
import type { PatternDef } from './types.js';

export const ENCODED_PAYLOADS: PatternDef[] = [
  { id: 'encoded.decode_and_follow', family: 'encoded_payload', description: 'asks to decode a payload and act on it',
    regex: /\b(?:decode|decipher|decrypt|translate|convert)\b[^.\n]{0,40}?\b(?:base64|base-64|hex|rot13|rot-13|caesar|binary|morse|cipher)?[^.\n]{0,20}?\b(?:and|then)\s+(?:follow|execute|run|do|obey|perform|act on|carry out)\b/, weight: 0.5, severity: 'warning' },
];

/** Blob locators (canonical text, case-sensitive). Bounded lengths keep them linear. */
export const BASE64_BLOB = /[A-Za-z0-9+/_-]{20,8192}={0,2}/g;
export const HEX_BLOB = /\b[0-9A-Fa-f]{24,8192}\b/g;
export const ROT13_HINT = /\brot[\s-]?13\b|\bcaesar\b/;
