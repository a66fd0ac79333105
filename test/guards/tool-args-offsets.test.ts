import { describe, expect, it } from 'vitest';
import { checkToolArgs } from '../../src/guards/tool-args-guard.js';
import { scanOutput } from '../../src/guards/output-guard-scan.js';
import { canaryForms } from '../../src/guards/canary.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { canaryFor } from '../../src/guards/output-guard.js';
import { CANARY_SECRET, CTX, VAULT_VALUE, fakeAwsKeyId, makeGuard } from './helpers.js';

const call = (name: string, args: unknown) => ({
  id: 'c1',
  name,
  arguments: typeof args === 'string' ? args : JSON.stringify(args),
});

function scanner() {
  const leaks = new LeakIndex();
  leaks.register('STRIPE_KEY', VAULT_VALUE);
  const forms = canaryForms(canaryFor(CANARY_SECRET, CTX.sessionId));
  return (text: string) => scanOutput(text, { leakScanner: leaks, canaryForms: forms });
}

describe('tool-call findings point into the arguments', () => {
  it('a secret seen in the raw JSON and again in its decoded strings is one finding at its raw offsets', () => {
    const c = call('stripe_charge', { note: 'İİİ ünïcode first', key: VAULT_VALUE, id: fakeAwsKeyId(5) });
    const r = checkToolArgs(c, scanner(), () => true);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const leak = r.value.findings.filter((f) => f.patternId === 'leak.known_value');
    expect(leak).toHaveLength(1);
    expect(leak[0] && c.arguments.slice(leak[0].start, leak[0].end)).toBe(VAULT_VALUE);
    const aws = r.value.findings.filter((f) => f.patternId === 'secret.aws_access_key_id');
    expect(aws).toHaveLength(1);
    expect(aws[0] && c.arguments.slice(aws[0].start, aws[0].end)).toBe(fakeAwsKeyId(5));
  });

  it('a secret written in \\u escapes is found at the raw offsets of the escapes (the secret view decodes them)', () => {
    const escaped = VAULT_VALUE.replace(/./g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const c = call('stripe_charge', `{"pad":"${'x'.repeat(40)}","key":"${escaped}"}`);
    const r = checkToolArgs(c, scanner(), () => true);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const leak = r.value.findings.filter((f) => f.patternId === 'leak.known_value');
    expect(leak).toHaveLength(1);
    expect(leak[0] && c.arguments.slice(leak[0].start, leak[0].end)).toBe(escaped);
  });

  it('a secret visible only in the decoded strings is reported over the whole arguments, not at a foreign offset', () => {
    // Pieces shorter than a window (12 characters): a longer piece would be found in place, as a partial value.
    const c = call('stripe_charge', {
      pad: 'x'.repeat(40),
      a: VAULT_VALUE.slice(0, 9),
      b: VAULT_VALUE.slice(9, 18),
      c: VAULT_VALUE.slice(18),
    });
    const r = checkToolArgs(c, scanner(), () => true);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const leak = r.value.findings.filter((f) => f.patternId === 'leak.known_value');
    expect(leak).toHaveLength(1);
    expect(leak[0]).toMatchObject({ start: 0, end: c.arguments.length, matchStart: 0, matchEnd: c.arguments.length });
  });

  it('audits one event for one secret in an allowed tool call', async () => {
    const { guard, events } = makeGuard({ allowedSecretTools: { STRIPE_KEY: ['stripe_charge'] } });
    const r = await guard.checkToolCall(call('stripe_charge', { key: VAULT_VALUE }), CTX);
    expect(r.ok).toBe(true);
    expect(
      events.filter((e) => e.type === 'security:output_finding' && e.payload['patternId'] === 'leak.known_value'),
    ).toHaveLength(1);
  });

  it('still refuses the canary hidden behind JSON escapes', async () => {
    const { guard } = makeGuard();
    const c = guard.canary(CTX.sessionId);
    const r = await guard.checkToolCall(call('web_fetch', `{"body":"\\u0043TKN_${c.slice(5)}"}`), CTX);
    expect(!r.ok && r.error.code).toBe('output.canary_in_tool_call');
  });
});
