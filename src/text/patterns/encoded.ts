/**
 * Encoded payloads. The blob finder (text/blobs.ts) runs on the canonical text because case carries
 * the data; the decoded content goes back through the detection view. `encoded.decode_and_follow`
 * is an ordinary pattern on the view.
 */
import type { PatternDef } from './types.js';

export const ENCODED_PAYLOADS: PatternDef[] = [
  {
    id: 'encoded.decode_and_follow',
    family: 'encoded_payload',
    anchors: ['decode', 'decipher', 'decrypt', 'translate', 'convert'],
    description: 'asks to decode a payload and act on it',
    regex:
      /\b(?:decode|decipher|decrypt|translate|convert)\b[^.\n]{0,40}?\b(?:base64|base-64|hex|rot13|rot-13|caesar|binary|morse|cipher)?[^.\n]{0,20}?\b(?:and|then)\s+(?:follow|execute|run|do|obey|perform|act on|carry out)\b/,
    weight: 0.5,
    severity: 'warning',
  },
];

export const ROT13_HINT = /\brot[\s-]?13\b|\bcaesar\b/;
