/**
 * L20 on the public signature vectors (../shared/corpora/webhooks, read in place): every case verifies as labelled,
 * at the case's own `now`; plus the generic scheme, replay keys, the window's edges and headers sent twice.
 */
import { describe, expect, it } from 'vitest';
import { corporaNote, noCorpora } from '../support/corpora.js';
import { signGeneric, verifyWebhook } from '../../src/transport/webhooks/verify.js';
import { GITHUB_NOW, vectorCases, type VectorCase } from './vectors.js';

describe('L20 signature vectors', () => {
  it.skipIf(noCorpora)(`every corpus case verifies as labelled ${corporaNote}`, () => {
    const cases = vectorCases();
    expect(cases.length).toBeGreaterThanOrEqual(25);
    const wrong = cases.filter((c) => {
      const v = verifyWebhook(
        c.provider,
        { headers: c.headers, body: Buffer.from(c.body, 'utf8') },
        { secret: c.secret, nowSec: c.now ?? GITHUB_NOW, toleranceSec: 300 },
      );
      return v.valid !== c.expected_valid;
    });
    expect(wrong.map((c) => `${c.provider}: ${c.name}`)).toEqual([]);
    // Both outcomes occur for every provider: the test cannot pass by answering one way.
    for (const p of ['github', 'slack', 'stripe', 'standard-webhooks'])
      expect(new Set(cases.filter((c) => c.provider === p).map((c) => c.expected_valid))).toEqual(
        new Set([true, false]),
      );
  });

  it('generic: v1=<hex HMAC-SHA256(secret, id.ts.body)>, one of several signatures may match', () => {
    const body = Buffer.from('{"event":"build.done","id":42}');
    const sig = signGeneric('s3cret-value', 'd-1', 1_700_000_000, body);
    const headers = {
      'X-Bulwark-Webhook-Id': 'd-1',
      'X-Bulwark-Webhook-Timestamp': '1700000000',
      'X-Bulwark-Webhook-Signature': `v1=${'0'.repeat(64)},${sig}`,
    };
    const opts = { secret: 's3cret-value', nowSec: 1_700_000_000, toleranceSec: 300 };
    const ok = verifyWebhook('generic', { headers, body }, opts);
    expect(ok).toMatchObject({ valid: true, replayKey: 'id:d-1', signedId: true });
    expect(
      verifyWebhook('generic', { headers, body: Buffer.from('{"event":"build.done","id":43}') }, opts),
    ).toMatchObject({
      valid: false,
      reason: 'signature_mismatch',
    });
    expect(
      verifyWebhook('generic', { headers: { ...headers, 'X-Bulwark-Webhook-Id': 'd-2' }, body }, opts),
    ).toMatchObject({ valid: false, reason: 'signature_mismatch' });
    // The window's edges: 300 s either way accepted, 301 refused.
    expect(verifyWebhook('generic', { headers, body }, { ...opts, nowSec: 1_700_000_300 }).valid).toBe(true);
    expect(verifyWebhook('generic', { headers, body }, { ...opts, nowSec: 1_699_999_700 }).valid).toBe(true);
    expect(verifyWebhook('generic', { headers, body }, { ...opts, nowSec: 1_700_000_301 })).toMatchObject({
      reason: 'timestamp_outside_window',
    });
    expect(verifyWebhook('generic', { headers, body }, { ...opts, nowSec: 1_699_999_699 })).toMatchObject({
      reason: 'timestamp_outside_window',
    });
    expect(
      verifyWebhook('generic', { headers, body }, { ...opts, toleranceSec: 30, nowSec: 1_700_000_031 }).valid,
    ).toBe(false);
  });

  it('a header sent twice, a missing id, a non-numeric timestamp and an empty secret are refused with their reason', () => {
    const body = Buffer.from('x');
    const opts = { secret: 'k', nowSec: 1_700_000_000, toleranceSec: 300 };
    const sig = signGeneric('k', 'a', 1_700_000_000, body);
    const base = {
      'x-bulwark-webhook-id': 'a',
      'x-bulwark-webhook-timestamp': '1700000000',
      'x-bulwark-webhook-signature': sig,
    };
    expect(
      verifyWebhook('generic', { headers: { ...base, 'x-bulwark-webhook-id': ['a', 'b'] }, body }, opts),
    ).toMatchObject({
      reason: 'duplicate_header',
    });
    expect(verifyWebhook('generic', { headers: { ...base, 'x-bulwark-webhook-id': '' }, body }, opts)).toMatchObject({
      reason: 'missing_id',
    });
    expect(
      verifyWebhook('generic', { headers: { ...base, 'x-bulwark-webhook-timestamp': '17e8' }, body }, opts),
    ).toMatchObject({ reason: 'malformed_timestamp' });
    expect(verifyWebhook('generic', { headers: base, body }, { ...opts, secret: '' })).toMatchObject({
      reason: 'bad_secret',
    });
    expect(verifyWebhook('github', { headers: {}, body }, opts)).toMatchObject({ reason: 'missing_signature' });
  });

  it.skipIf(noCorpora)(`GitHub (no signed time or id) is keyed on the signature digest ${corporaNote}`, () => {
    const c = vectorCases().find((x) => x.provider === 'github' && x.expected_valid) as VectorCase;
    const v = verifyWebhook(
      'github',
      { headers: c.headers, body: Buffer.from(c.body) },
      {
        secret: c.secret,
        nowSec: 1,
        toleranceSec: 300,
      },
    );
    expect(v).toMatchObject({ valid: true, signedId: false });
    expect(v.valid && v.replayKey.startsWith('sig:')).toBe(true);
  });
});
