import { describe, expect, it } from 'vitest';
import { InjectionRateLimiter } from '../../src/guards/rate-limiter.js';

function clock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('L05 injection rate limiter', () => {
  it('counts a message key once per sender inside the window, again after it', () => {
    const c = clock();
    const rl = new InjectionRateLimiter({ windowMs: 60_000 }, c.now);
    const resent = [1, 2, 3, 4, 5, 6].map(() => rl.record('alice', 'user:0:quoted'));
    expect(resent.map((s) => s.count)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(resent.every((s) => s.level === 'ok')).toBe(true);
    // Another sender's same message, and the same sender's other message, count.
    expect(rl.record('bob', 'user:0:quoted').count).toBe(1);
    expect(rl.record('alice', 'user:2:other').count).toBe(2);
    expect(rl.admit('alice').allowed).toBe(true);
    c.advance(60_001);
    expect(rl.record('alice', 'user:0:quoted').count).toBe(1);
  });

  it('warns at 3, audits at 5 and then limits the sender', () => {
    const c = clock();
    const rl = new InjectionRateLimiter({}, c.now);
    const levels = [1, 2, 3, 4, 5].map(() => rl.record('alice'));
    expect(levels.map((l) => l.level)).toEqual(['ok', 'ok', 'warn', 'warn', 'limited']);
    expect(levels.map((l) => l.crossed)).toEqual([false, false, true, false, true]);
    expect(rl.admit('bob').allowed).toBe(true);
  });

  it('throttles: one message per throttle interval until the window clears', () => {
    const c = clock();
    const rl = new InjectionRateLimiter({ throttleMs: 10_000 }, c.now);
    for (let i = 0; i < 5; i++) rl.record('mallory');
    expect(rl.admit('mallory').allowed).toBe(true);
    const second = rl.admit('mallory');
    expect(second.allowed).toBe(false);
    expect(second.retryAfterMs).toBeGreaterThan(0);
    c.advance(10_000);
    expect(rl.admit('mallory').allowed).toBe(true);
    c.advance(5 * 60 * 1000);
    expect(rl.admit('mallory')).toMatchObject({ allowed: true, count: 0 });
  });

  it('block mode refuses every message until detections slide out of the 5-minute window', () => {
    const c = clock();
    const rl = new InjectionRateLimiter({ action: 'block' }, c.now);
    for (let i = 0; i < 5; i++) {
      rl.record('mallory');
      c.advance(1000);
    }
    expect(rl.admit('mallory').allowed).toBe(false);
    c.advance(5 * 60 * 1000 - 5000 + 1);
    expect(rl.admit('mallory').allowed).toBe(true);
  });

  it('audit-only mode never limits', () => {
    const rl = new InjectionRateLimiter({ action: 'none' });
    for (let i = 0; i < 20; i++) rl.record('x');
    expect(rl.admit('x').allowed).toBe(true);
    expect(rl.record('x').level).toBe('audit');
  });

  it('evicts senders whose window expired (TTL)', () => {
    const c = clock();
    const rl = new InjectionRateLimiter({}, c.now);
    for (let i = 0; i < 100; i++) rl.record(`s${i}`);
    expect(rl.size).toBe(100);
    c.advance(5 * 60 * 1000 + 1);
    rl.record('fresh');
    expect(rl.size).toBe(1);
  });

  it('stays bounded under a flood of 50,000 identities, evicting the oldest', () => {
    const c = clock();
    const rl = new InjectionRateLimiter({}, c.now);
    for (let i = 0; i < 3; i++) rl.record('victim-of-eviction');
    for (let i = 0; i < 50_000; i++) {
      rl.record(`flood-${i}`);
      if (i % 1000 === 0) c.advance(1);
    }
    expect(rl.size).toBe(10_000);
    expect(rl.admit('victim-of-eviction').count).toBe(0);
    expect(rl.admit('flood-49999').count).toBe(1);
  });

  it('a recently active sender survives the flood when it keeps being detected', () => {
    const c = clock();
    const rl = new InjectionRateLimiter({ maxSenders: 100 }, c.now);
    for (let i = 0; i < 1000; i++) {
      rl.record(`f${i}`);
      if (i % 50 === 0) rl.record('persistent');
    }
    expect(rl.size).toBe(100);
    expect(rl.admit('persistent').count).toBe(20);
  });
});
