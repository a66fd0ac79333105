/**
 * L20 signature checks, one per scheme, over the raw body bytes as received:
 * - github: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>` (signs no timestamp and no id);
 * - stripe: `Stripe-Signature: t=<ts>,v1=<hex>[,v1=…]`, HMAC-SHA256(secret, `${t}.${body}`), the secret used as is;
 * - slack: `X-Slack-Request-Timestamp`, `X-Slack-Signature: v0=<hex HMAC-SHA256(secret, `v0:${ts}:${body}`)>`;
 * - standard-webhooks: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>[ v1,…]`,
 *   HMAC-SHA256(base64-decoded secret after `whsec_`, `${id}.${ts}.${body}`);
 * - generic: `X-Bulwark-Webhook-Id`, `X-Bulwark-Webhook-Timestamp`, `X-Bulwark-Webhook-Signature: v1=<hex>[,v1=…]`,
 *   HMAC-SHA256(secret, `${id}.${ts}.${body}`).
 * Every comparison is constant-time over equal-length digests; a timestamp must lie within ±toleranceSec of now.
 * A valid delivery comes with the key the replay cache must refuse it by (the signed id, or the signature digest).
 * Pure: no clock, no store, no I/O (the clock is the caller's, so tests and `bulwark webhooks verify --now` agree).
 */
import { createHmac } from 'node:crypto';
import { digestEqual, sha256Hex } from '../../core/index.js';
import type { WebhookProvider } from '../../config/index.js';

export interface WebhookDelivery {
  /** Header names in any case; a header sent twice is a list. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  readonly body: Buffer;
}

export interface VerifyOptions {
  readonly secret: string;
  /** Now, in Unix seconds. */
  readonly nowSec: number;
  readonly toleranceSec: number;
}

export type WebhookRefusal =
  | 'missing_signature'
  | 'malformed_signature'
  | 'signature_mismatch'
  | 'missing_timestamp'
  | 'malformed_timestamp'
  | 'timestamp_outside_window'
  | 'missing_id'
  | 'malformed_id'
  | 'duplicate_header'
  | 'bad_secret';

export type VerifyResult =
  | {
      readonly valid: true;
      /** What the replay cache keys on: `id:<signed id>` or `sig:<sha256 of the signature>`. */
      readonly replayKey: string;
      /** True when the key is a signed id (kept past the window); false for a signature digest. */
      readonly signedId: boolean;
      readonly timestamp?: number;
    }
  | { readonly valid: false; readonly reason: WebhookRefusal; readonly detail: string };

const MAX_HEADER = 4096;
const MAX_SIGNATURES = 8;
const HEX64 = /^[0-9a-fA-F]{64}$/;
const TIMESTAMP = /^[0-9]{1,12}$/;
const MESSAGE_ID = /^[\x21-\x7e]{1,256}$/;

type Header = { ok: true; value: string | undefined } | { ok: false; result: VerifyResult };

function fail(reason: WebhookRefusal, detail: string): VerifyResult {
  return { valid: false, reason, detail };
}

function header(d: WebhookDelivery, name: string): Header {
  const want = name.toLowerCase();
  let found: string | readonly string[] | undefined;
  for (const [k, v] of Object.entries(d.headers)) if (k.toLowerCase() === want && v !== undefined) found = v;
  if (found === undefined) return { ok: true, value: undefined };
  if (typeof found !== 'string') {
    if (found.length !== 1) return { ok: false, result: fail('duplicate_header', `${name} was sent more than once`) };
    found = found[0] as string;
  }
  if (found.length > MAX_HEADER) return { ok: false, result: fail('malformed_signature', `${name} is too long`) };
  return { ok: true, value: found.trim() };
}

function hmac(key: Buffer | string, parts: readonly (string | Buffer)[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** True when any candidate equals `expected`; every candidate is compared (constant time each). */
function anyEqual(expected: Buffer, candidates: readonly Buffer[]): boolean {
  let match = false;
  for (const c of candidates) if (digestEqual(c, expected)) match = true;
  return match;
}

function checkTimestamp(raw: string | undefined, name: string, o: VerifyOptions): number | VerifyResult {
  if (raw === undefined || raw === '') return fail('missing_timestamp', `${name} is missing`);
  if (!TIMESTAMP.test(raw)) return fail('malformed_timestamp', `${name} is not Unix seconds`);
  const ts = Number(raw);
  if (Math.abs(o.nowSec - ts) > o.toleranceSec)
    return fail(
      'timestamp_outside_window',
      `${name} is ${o.nowSec - ts} s from now; at most ${o.toleranceSec} s either way is accepted`,
    );
  return ts;
}

function sigKey(signature: string): string {
  return `sig:${sha256Hex(signature)}`;
}

function github(d: WebhookDelivery, o: VerifyOptions): VerifyResult {
  const h = header(d, 'X-Hub-Signature-256');
  if (!h.ok) return h.result;
  if (h.value === undefined || h.value === '') return fail('missing_signature', 'X-Hub-Signature-256 is missing');
  const m = /^sha256=([0-9a-fA-F]+)$/.exec(h.value);
  if (!m || !HEX64.test(m[1] as string))
    return fail('malformed_signature', 'X-Hub-Signature-256 is not sha256= followed by 64 hex digits');
  const given = Buffer.from(m[1] as string, 'hex');
  if (!anyEqual(hmac(o.secret, [d.body]), [given]))
    return fail('signature_mismatch', 'the signature does not match the body and the secret');
  return { valid: true, replayKey: sigKey((m[1] as string).toLowerCase()), signedId: false };
}

/** `k=v` pairs of a comma-separated header. */
function pairs(value: string): Array<[string, string]> {
  return value
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=');
      return i < 0 ? [p, ''] : [p.slice(0, i).trim(), p.slice(i + 1).trim()];
    });
}

function hexSignatures(values: readonly string[], name: string): Buffer[] | VerifyResult {
  if (values.length === 0) return fail('missing_signature', `${name} has no v1 signature`);
  if (values.length > MAX_SIGNATURES)
    return fail('malformed_signature', `${name} has more than ${MAX_SIGNATURES} signatures`);
  // A malformed candidate cannot match; it is compared as an all-zero digest so that every candidate costs the same.
  return values.map((v) => (HEX64.test(v) ? Buffer.from(v, 'hex') : Buffer.alloc(32)));
}

function stripe(d: WebhookDelivery, o: VerifyOptions): VerifyResult {
  const h = header(d, 'Stripe-Signature');
  if (!h.ok) return h.result;
  if (h.value === undefined || h.value === '') return fail('missing_signature', 'Stripe-Signature is missing');
  const kv = pairs(h.value);
  const ts = kv.filter(([k]) => k === 't').map(([, v]) => v);
  if (ts.length > 1) return fail('malformed_timestamp', 'Stripe-Signature has more than one t=');
  const when = checkTimestamp(ts[0], 'Stripe-Signature t=', o);
  if (typeof when !== 'number') return when;
  const v1 = kv.filter(([k]) => k === 'v1').map(([, v]) => v);
  const sigs = hexSignatures(v1, 'Stripe-Signature');
  if (!Array.isArray(sigs)) return sigs;
  if (!anyEqual(hmac(o.secret, [`${ts[0] as string}.`, d.body]), sigs))
    return fail('signature_mismatch', 'no v1 signature matches the timestamp, the body and the secret');
  return {
    valid: true,
    replayKey: sigKey(`${ts[0] as string}.${sha256Hex(d.body)}`),
    signedId: false,
    timestamp: when,
  };
}

function slack(d: WebhookDelivery, o: VerifyOptions): VerifyResult {
  const s = header(d, 'X-Slack-Signature');
  if (!s.ok) return s.result;
  const t = header(d, 'X-Slack-Request-Timestamp');
  if (!t.ok) return t.result;
  if (s.value === undefined || s.value === '') return fail('missing_signature', 'X-Slack-Signature is missing');
  const when = checkTimestamp(t.value, 'X-Slack-Request-Timestamp', o);
  if (typeof when !== 'number') return when;
  const m = /^v0=([0-9a-fA-F]+)$/.exec(s.value);
  if (!m || !HEX64.test(m[1] as string))
    return fail('malformed_signature', 'X-Slack-Signature is not v0= followed by 64 hex digits');
  if (!anyEqual(hmac(o.secret, [`v0:${t.value as string}:`, d.body]), [Buffer.from(m[1] as string, 'hex')]))
    return fail('signature_mismatch', 'the signature does not match the timestamp, the body and the secret');
  return { valid: true, replayKey: sigKey((m[1] as string).toLowerCase()), signedId: false, timestamp: when };
}

function standardSecret(secret: string): Buffer | undefined {
  const b64 = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return undefined;
  const key = Buffer.from(b64, 'base64');
  return key.length >= 16 && key.length <= 128 ? key : undefined;
}

function idAndTimestamp(
  d: WebhookDelivery,
  o: VerifyOptions,
  idName: string,
  tsName: string,
): { id: string; ts: string; when: number } | VerifyResult {
  const id = header(d, idName);
  if (!id.ok) return id.result;
  const t = header(d, tsName);
  if (!t.ok) return t.result;
  if (id.value === undefined || id.value === '') return fail('missing_id', `${idName} is missing`);
  if (!MESSAGE_ID.test(id.value)) return fail('malformed_id', `${idName} must be 1-256 printable ASCII characters`);
  const when = checkTimestamp(t.value, tsName, o);
  if (typeof when !== 'number') return when;
  return { id: id.value, ts: t.value as string, when };
}

function standardWebhooks(d: WebhookDelivery, o: VerifyOptions): VerifyResult {
  const key = standardSecret(o.secret);
  if (!key) return fail('bad_secret', 'the secret is not a base64 key (whsec_…) of 16-128 bytes');
  const s = header(d, 'webhook-signature');
  if (!s.ok) return s.result;
  if (s.value === undefined || s.value === '') return fail('missing_signature', 'webhook-signature is missing');
  const it = idAndTimestamp(d, o, 'webhook-id', 'webhook-timestamp');
  if (!('id' in it)) return it;
  const v1 = s.value
    .split(/\s+/)
    .filter(Boolean)
    .flatMap((p) => (p.startsWith('v1,') ? [p.slice(3)] : []));
  if (v1.length === 0) return fail('missing_signature', 'webhook-signature has no v1 signature');
  if (v1.length > MAX_SIGNATURES)
    return fail('malformed_signature', `webhook-signature has more than ${MAX_SIGNATURES} signatures`);
  const sigs = v1.map((v) => {
    const b = /^[A-Za-z0-9+/]{43}=$/.test(v) ? Buffer.from(v, 'base64') : undefined;
    return b && b.length === 32 ? b : Buffer.alloc(32);
  });
  if (!anyEqual(hmac(key, [`${it.id}.${it.ts}.`, d.body]), sigs))
    return fail('signature_mismatch', 'no v1 signature matches the id, the timestamp, the body and the secret');
  return { valid: true, replayKey: `id:${it.id}`, signedId: true, timestamp: it.when };
}

function generic(d: WebhookDelivery, o: VerifyOptions): VerifyResult {
  const s = header(d, 'X-Bulwark-Webhook-Signature');
  if (!s.ok) return s.result;
  if (s.value === undefined || s.value === '')
    return fail('missing_signature', 'X-Bulwark-Webhook-Signature is missing');
  const it = idAndTimestamp(d, o, 'X-Bulwark-Webhook-Id', 'X-Bulwark-Webhook-Timestamp');
  if (!('id' in it)) return it;
  const v1 = pairs(s.value.replace(/\s+/g, ','))
    .filter(([k]) => k === 'v1')
    .map(([, v]) => v);
  const sigs = hexSignatures(v1, 'X-Bulwark-Webhook-Signature');
  if (!Array.isArray(sigs)) return sigs;
  if (!anyEqual(hmac(o.secret, [`${it.id}.${it.ts}.`, d.body]), sigs))
    return fail('signature_mismatch', 'no v1 signature matches the id, the timestamp, the body and the secret');
  return { valid: true, replayKey: `id:${it.id}`, signedId: true, timestamp: it.when };
}

const VERIFIERS: Readonly<Record<WebhookProvider, (d: WebhookDelivery, o: VerifyOptions) => VerifyResult>> = {
  github,
  stripe,
  slack,
  'standard-webhooks': standardWebhooks,
  generic,
};

export function verifyWebhook(provider: WebhookProvider, d: WebhookDelivery, o: VerifyOptions): VerifyResult {
  if (o.secret.length === 0) return fail('bad_secret', 'the secret is empty');
  return VERIFIERS[provider](d, o);
}

/** The generic scheme's header value for a delivery (for senders, tests and the docs). */
export function signGeneric(secret: string, id: string, timestampSec: number, body: Buffer | string): string {
  return `v1=${hmac(secret, [`${id}.${timestampSec}.`, body]).toString('hex')}`;
}
