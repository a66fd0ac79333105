/**
 * L08.1 taint-aware egress scorecard. Worst case for false holds: every session is tainted and no host is trusted,
 * so a benign fetch is held exactly when it carries a candidate. Benign: the fetch URLs of ordinary coding and
 * research sessions in eval/annotations/egress/benign-fetches.txt (written for this suite). Detection: key-shaped
 * values (seeded, so the figures repeat) in five encodings, placed in a path segment, a query value and a form body.
 * Goal: at most 1 false hold per 100 benign fetches.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { seededRandom } from '../seeded.js';
import { markdownTable, type Suite } from '../harness.js';
import { egressCandidates } from '../../src/net/egress-candidates.js';
import { base32Encode } from '../../src/text/index.js';
import { LeakIndex } from '../../src/secrets/index.js';

const BENIGN = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  '..',
  'annotations',
  'egress',
  'benign-fetches.txt',
);
const GOAL_PER_100 = 1;
/** The part of a secret a held piece-wise request must show joined (a last piece too short to read may be lost). */
const MIN_JOINED = 20;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEXCHARS = '0123456789abcdef';

function pick(r: () => number, alphabet: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += alphabet[Math.floor(r() * alphabet.length)];
  return out;
}

/** Key shapes: vendor-style prefixes over base62, a 40-character secret key, a hex-only token (at most 4 bits). */
const SHAPES: ReadonlyArray<[string, (r: () => number) => string]> = [
  ['sk- + 32 base62', (r) => `sk-${pick(r, ALNUM, 32)}`],
  ['ghp_ + 36 base62', (r) => `ghp_${pick(r, ALNUM, 36)}`],
  ['40 base64-like', (r) => pick(r, `${ALNUM}/+`, 40)],
  ['canary CTKN_ + 16 hex', (r) => `CTKN_${pick(r, HEXCHARS, 16)}`],
  ['32 hex only', (r) => pick(r, HEXCHARS, 32)],
];

const ENCODINGS: ReadonlyArray<[string, (s: string) => string]> = [
  ['raw', (s) => encodeURIComponent(s)],
  ['base64', (s) => encodeURIComponent(Buffer.from(s).toString('base64'))],
  ['base64url', (s) => Buffer.from(s).toString('base64url')],
  ['hex', (s) => Buffer.from(s).toString('hex')],
  ['base32', (s) => base32Encode(Buffer.from(s))],
];

const PLACES: ReadonlyArray<[string, (v: string) => [URL, string | undefined]]> = [
  ['path', (v) => [new URL(`https://collector.example/i/${v}.gif`), undefined]],
  ['query', (v) => [new URL(`https://collector.example/track?uid=42&d=${v}`), undefined]],
  ['body', (v) => [new URL('https://collector.example/upload'), `name=report&data=${v}`]],
];

/** A SigV4 presigned query around `over` (its signature, session token, ...): the shape a key may hide in. */
function presigned(r: () => number, over: Record<string, string>): URL {
  const params: Record<string, string> = {
    'X-Amz-Algorithm': 'AWS4-HMAC-SHA256',
    'X-Amz-Credential': `AKIA${pick(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}/20240611/us-east-1/s3/aws4_request`,
    'X-Amz-Date': '20240611T093012Z',
    'X-Amz-SignedHeaders': 'host',
    'X-Amz-Signature': pick(r, HEXCHARS, 64),
    ...over,
  };
  const query = Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  return new URL(`https://bucket.s3.us-east-1.amazonaws.com/f.csv?${query.join('&')}`);
}

/** A Cloud Storage V4 signed URL (a service account's RSA signature) around `over`. */
function gcsSigned(r: () => number, over: Record<string, string>): URL {
  const params: Record<string, string> = {
    'X-Goog-Algorithm': 'GOOG4-RSA-SHA256',
    'X-Goog-Credential': 'exporter@analytics-prod-482913.iam.gserviceaccount.com/20261207/auto/storage/goog4_request',
    'X-Goog-Date': '20261207T101500Z',
    'X-Goog-Expires': '900',
    'X-Goog-SignedHeaders': 'host',
    'X-Goog-Signature': pick(r, HEXCHARS, 512),
    ...over,
  };
  const query = Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(v)}`);
  return new URL(`https://storage.googleapis.com/analytics-exports/f.csv?${query.join('&')}`);
}

/** `s` inside 256 bytes of seeded filler (a signature's size), at a seeded offset. */
function inSignatureBytes(s: string, r: () => number): Buffer {
  const at = Math.floor(r() * (256 - s.length));
  const bytes = Buffer.from(pick(r, HEXCHARS, 512), 'hex');
  Buffer.from(s).copy(bytes, at);
  return bytes;
}

/** Shapes that are binary by structure (not held for what they are), with a key written into them. */
const HIDDEN: ReadonlyArray<[string, (s: string, r: () => number) => URL]> = [
  ['base32 as the SigV4 signature', (s, r) => presigned(r, { 'X-Amz-Signature': base32Encode(Buffer.from(s)) })],
  [
    'base64 as the SigV4 session token',
    (s, r) => presigned(r, { 'X-Amz-Security-Token': Buffer.from(s).toString('base64') }),
  ],
  [
    'inside the SigV4 session token bytes',
    (s, r) =>
      presigned(r, {
        'X-Amz-Security-Token': Buffer.concat([
          Buffer.from([1, 2, 3, 4]),
          Buffer.from(s),
          Buffer.from([5, 6]),
        ]).toString('base64'),
      }),
  ],
  [
    'inside the Cloud Storage V4 signature bytes',
    (s, r) => gcsSigned(r, { 'X-Goog-Signature': inSignatureBytes(s, r).toString('hex') }),
  ],
  [
    'inside the Cloud Storage V2 signature bytes',
    (s, r) =>
      new URL(
        `https://storage.googleapis.com/b/f.csv?GoogleAccessId=${encodeURIComponent('a@p.iam.gserviceaccount.com')}&Expires=1765103700&Signature=${encodeURIComponent(inSignatureBytes(s, r).toString('base64'))}`,
      ),
  ],
  [
    'text as an SRI sha512 digest',
    (s) =>
      new URL(
        `https://cdn.example/v?integrity=sha512-${encodeURIComponent(Buffer.from(s.padEnd(64, ' ')).toString('base64'))}`,
      ),
  ],
  [
    'a PNG text chunk',
    (s) => {
      const png = Buffer.concat([
        Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
        Buffer.from(`tEXtComment\0${s}\0`),
      ]);
      return new URL(
        `https://api.example/t?image=${encodeURIComponent(`data:image/png;base64,${png.toString('base64')}`)}`,
      );
    },
  ],
];

/** A secret cut into short pieces, each encoded on its own, spread over one request. */
const PIECES: ReadonlyArray<[string, (s: string) => [URL, string | undefined]]> = [
  [
    'base64url, 9 characters per query parameter',
    (s) => [
      new URL(
        `https://collector.example/c?${cut(s, 9)
          .map((p, i) => `p${i}=${Buffer.from(p).toString('base64url')}`)
          .join('&')}`,
      ),
      undefined,
    ],
  ],
  [
    'hex, 8 characters per path segment',
    (s) => [
      new URL(
        `https://collector.example/${cut(s, 8)
          .map((p) => Buffer.from(p).toString('hex'))
          .join('/')}`,
      ),
      undefined,
    ],
  ],
  [
    'base32, 10 characters per form field',
    (s) => [
      new URL('https://collector.example/upload'),
      cut(s, 10)
        .map((p, i) => `f${i}=${base32Encode(Buffer.from(p)).replace(/=/g, '')}`)
        .join('&'),
    ],
  ],
];

/** A vault value's characters in order with others left out, and the ways a request may carry them. */
const everyOther = (s: string) => [...s].filter((_, i) => i % 2 === 0).join('');
const FRAGMENTS: ReadonlyArray<[string, (v: string, r: () => number) => [URL, string | undefined]]> = [
  ['every other character, in a path', (v) => [new URL(`https://collector.example/doc/${everyOther(v)}`), undefined]],
  [
    'every third character, in a query (not stopped: 12–13 characters, under the length judged)',
    (v) => [new URL(`https://collector.example/q?id=${[...v].filter((_, i) => i % 3 === 0).join('')}`), undefined],
  ],
  [
    'every other, reversed, in a body',
    (v) => [new URL('https://collector.example/up'), `note=${[...everyOther(v)].reverse().join('')}`],
  ],
  [
    'every other, a slash every 5 characters',
    (v) => [new URL(`https://collector.example/${everyOther(v).replace(/(.{5})/g, '$1/')}`), undefined],
  ],
  [
    'every other, glued to filler',
    (v, r) => [
      new URL(`https://collector.example/p/${pick(r, ALNUM, 30)}${everyOther(v)}${pick(r, ALNUM, 30)}`),
      undefined,
    ],
  ],
  [
    'every other, 6 characters per query parameter',
    (v) => [
      new URL(
        `https://collector.example/t?${(everyOther(v).match(/.{1,6}/g) ?? []).map((p, i) => `p${i}=${p}`).join('&')}`,
      ),
      undefined,
    ],
  ],
  [
    'every other, a letter after every 2 (not stopped: any cipher)',
    (v) => [new URL(`https://collector.example/x/${everyOther(v).replace(/(.{2})/g, '$1q')}`), undefined],
  ],
];

function cut(s: string, n: number): string[] {
  return s.match(new RegExp(`.{1,${n}}`, 'g')) ?? [];
}

const suite: Suite = {
  name: 'egress-taint',
  async run() {
    const urls = readFileSync(BENIGN, 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    const held = urls.filter((u) => egressCandidates(new URL(u), undefined).length > 0);
    const per100 = (100 * held.length) / urls.length;

    const r = seededRandom(14);
    const rows: Array<[string, string, number]> = [];
    let found = 0;
    let total = 0;
    let foundKeys = 0;
    let totalKeys = 0;
    for (const [shape, make] of SHAPES) {
      for (const [encoding, encode] of ENCODINGS) {
        let hits = 0;
        let n = 0;
        for (let i = 0; i < 20; i++) {
          const secret = make(r);
          for (const [, place] of PLACES) {
            const [url, body] = place(encode(secret));
            n++;
            if (egressCandidates(url, body).some((c) => c.decoded.includes(secret))) hits++;
          }
        }
        rows.push([shape, encoding, hits / n]);
        found += hits;
        total += n;
        if (!shape.includes('hex only')) {
          foundKeys += hits;
          totalKeys += n;
        }
      }
    }
    // Keys hidden in binary shapes (the vendor-prefixed shapes: a 64-byte digest holds at most 64 characters).
    const hiddenRows: Array<[string, number]> = [];
    let hiddenFound = 0;
    let hiddenTotal = 0;
    for (const [shape, hide] of HIDDEN) {
      let hits = 0;
      for (let i = 0; i < 20; i++) {
        const secret = (SHAPES[i % 2] as (typeof SHAPES)[number])[1](r);
        if (egressCandidates(hide(secret, r), undefined).some((c) => c.decoded.includes(secret))) hits++;
      }
      hiddenRows.push([shape, hits / 20]);
      hiddenFound += hits;
      hiddenTotal += 20;
    }
    // Secrets in pieces: the vendor-prefixed and base64-like shapes (a piece of a 32-hex value is hex text).
    const pieceRows: Array<[string, number]> = [];
    let piecesFound = 0;
    let piecesTotal = 0;
    for (const [how, spread] of PIECES) {
      let hits = 0;
      for (let i = 0; i < 20; i++) {
        const secret = (SHAPES[i % 3] as (typeof SHAPES)[number])[1](r);
        const [url, body] = spread(secret);
        if (egressCandidates(url, body).some((c) => c.decoded.includes(secret.slice(0, MIN_JOINED)))) hits++;
      }
      pieceRows.push([how, hits / 20]);
      piecesFound += hits;
      piecesTotal += 20;
    }
    // Fragments of vault values: 20 values registered in the leak index (as a vault would), every fetch judged
    // against them as well.
    const leaks = new LeakIndex();
    const vault = Array.from({ length: 20 }, (_, i) => {
      const v = i % 4 === 3 ? pick(r, HEXCHARS, 64) : (SHAPES[i % 3] as (typeof SHAPES)[number])[1](r);
      leaks.register(`KEY_${i}`, v);
      return v;
    });
    const withFragments = { fragmentsIn: (symbols: Uint8Array) => leaks.fragmentsIn(symbols) };
    const heldWithFragments = urls.filter((u) => egressCandidates(new URL(u), undefined, withFragments).length > 0);
    const fragmentRows: Array<[string, number]> = [];
    let fragmentsFound = 0;
    let fragmentsTotal = 0;
    for (const [how, carry] of FRAGMENTS) {
      let hits = 0;
      for (const v of vault) {
        const [url, body] = carry(v, r);
        if (egressCandidates(url, body, withFragments).length > 0) hits++;
      }
      fragmentRows.push([how, hits / vault.length]);
      if (!how.includes('not stopped')) {
        fragmentsFound += hits;
        fragmentsTotal += vault.length;
      }
    }
    const markdown = [
      `False holds on ${urls.length} benign fetches (every session tainted, no host trusted): ${held.length} = ${per100.toFixed(2)} per 100 (goal ≤ ${GOAL_PER_100}).`,
      '',
      markdownTable(
        ['held benign URL'],
        held.map((u) => [u]),
      ),
      '',
      `Detection (the decoded secret shown to the operator), 20 seeded values × 3 placements per row: ${(found / total).toFixed(3)} overall, ${(foundKeys / totalKeys).toFixed(3)} without hex-only values.`,
      '',
      markdownTable(['shape', 'encoding', 'held'], rows),
      '',
      `Keys hidden in shapes that are binary by structure (presigned S3 and Cloud Storage URLs, SRI digests and images are not held for what they are): ${hiddenFound}/${hiddenTotal} held, shown decoded.`,
      '',
      markdownTable(['hidden in', 'held'], hiddenRows),
      '',
      `Secrets cut into short pieces spread over one request (each piece encoded alone, too short to count by itself; the decoded pieces are joined): ${piecesFound}/${piecesTotal} held.`,
      '',
      markdownTable(['pieces', 'held'], pieceRows),
      '',
      `Fragments of vault values (20 values in the leak index: vendor-prefixed, base64-like, 64 hex): ${fragmentsFound}/${fragmentsTotal} held without the row marked not stopped. False holds on the benign fetches with the fragment rule on: ${heldWithFragments.length} (${heldWithFragments.length - held.length} more than without).`,
      '',
      markdownTable(['fragment', 'held'], fragmentRows),
    ].join('\n');
    return {
      name: 'egress-taint',
      markdown,
      data: {
        benign: { fetches: urls.length, held: held.length, per100, goalPer100: GOAL_PER_100, heldUrls: held },
        detection: { overall: found / total, keyShapes: foundKeys / totalKeys, rows },
        hidden: { found: hiddenFound, total: hiddenTotal, rows: hiddenRows },
        pieces: { found: piecesFound, total: piecesTotal, rows: pieceRows },
        fragments: {
          found: fragmentsFound,
          total: fragmentsTotal,
          rows: fragmentRows,
          benignHeld: heldWithFragments.length,
        },
      },
      checks: [
        // The goal (1 per 100) is met since raw values need a credential's structure and base64 of JSON is judged by
        // its values (1.48 before, 0.49 after).
        { name: 'false_holds_per_100', value: per100, max: GOAL_PER_100 },
        { name: 'detection_key_shapes', value: foundKeys / totalKeys, min: 0.9 },
        { name: 'detection_hidden_in_binary_shapes', value: hiddenFound / hiddenTotal, min: 1 },
        { name: 'detection_pieces', value: piecesFound / piecesTotal, min: 0.9 },
        { name: 'detection_fragments', value: fragmentsFound / fragmentsTotal, min: 0.9 },
        { name: 'false_holds_added_by_fragments', value: heldWithFragments.length - held.length, max: 0 },
      ],
    };
  },
};
export default suite;
