import { describe, expect, it } from 'vitest';
import { CANARY_SESSIONS } from '../../src/guards/output-guard.js';
import { CTX, makeGuard } from './helpers.js';

// Each session's canary matchers are about 1 MB of heap and compiled pattern code once they have run: a guard
// that kept one per session it ever served ran a daemon (and the memory-poisoning eval) out of memory.
describe('output guard per-session state', () => {
  it('keeps the canaries of the recent sessions only, however many sessions it has served', () => {
    const { guard } = makeGuard();
    const sessions = 300;
    for (let i = 0; i < sessions; i++) guard.systemPrompt('base', { ...CTX, sessionId: `s-${i}` });
    // At most 64 MB of matchers, whatever the traffic.
    expect(guard.cached().canaries).toBeLessThanOrEqual(64);
    expect(guard.cached().canaries).toBe(CANARY_SESSIONS);
    expect(guard.cached().prompts).toBe(sessions);
  });

  it('still catches the canary of a session whose matchers were dropped', () => {
    const { guard, events } = makeGuard();
    const first = { ...CTX, sessionId: 'first' };
    const token = guard.canary('first');
    for (let i = 0; i < 2 * CANARY_SESSIONS; i++) guard.canary(`other-${i}`);
    const r = guard.scanText(`the marker is ${token}`, first);
    if (!r.ok) throw new Error(r.error.message);
    expect(r.value.text).not.toContain(token.slice(5));
    expect(events.some((e) => e.type === 'security:canary_leak')).toBe(true);
  });

  it('shares one prompt fingerprint across the sessions of a prompt', () => {
    const { guard } = makeGuard();
    for (let i = 0; i < 3; i++) {
      const ctx = { ...CTX, agentId: 'other', sessionId: `p-${i}` };
      guard.systemPrompt('You are a helpful agent for the sessions test, answering briefly and politely.', ctx);
      expect(guard.scanText('a plain answer', ctx).ok).toBe(true);
    }
    expect(guard.cached().fingerprints).toBe(1);
  });
});
