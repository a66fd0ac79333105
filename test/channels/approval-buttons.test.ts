/** Button ids: opaque, at most 64 bytes, single use per request, expiring with it, unknown when forged. */
import { describe, expect, it } from 'vitest';
import { ApprovalButtons } from '../../src/channels/approval-buttons.js';
import type { PendingApproval } from '../../src/policy/index.js';

function pending(id: string, expiresAt: number): PendingApproval {
  return {
    id,
    effectHash: 'ab'.repeat(32),
    createdAt: 0,
    expiresAt,
    waiters: 1,
    view: {
      tool: 'write',
      classes: ['destructive'],
      reasons: ['empties keep.txt'],
      agentId: 'default',
      sessionId: 's',
      cwd: '/w',
      network: { mode: 'none', grants: [] },
      args: '{}',
    },
  };
}

describe('ApprovalButtons', () => {
  it('issues opaque ids that carry neither the request id nor the decision', () => {
    const b = new ApprovalButtons(() => 0);
    const offered = b.offer(pending('apr_000000000000000000000001', 1000), [
      { kind: 'once' },
      { kind: 'grant', minutes: 10 },
      { kind: 'deny' },
    ]);
    expect(new Set(offered.map((o) => o.data)).size).toBe(3);
    for (const o of offered) {
      expect(Buffer.byteLength(o.data)).toBeLessThanOrEqual(64);
      expect(o.data).not.toMatch(/apr_|approve|deny/i);
    }
    const press = b.peek(offered[1]?.data as string);
    expect(press.ok && press.value).toMatchObject({
      requestId: 'apr_000000000000000000000001',
      effectHash: 'ab'.repeat(32),
      choice: { kind: 'grant', minutes: 10 },
    });
  });

  it('one press uses up every button of the request; a forged id and an expired request are refused', () => {
    let now = 0;
    const b = new ApprovalButtons(() => now);
    const [once, , deny] = b.offer(pending('apr_000000000000000000000002', 1000), [
      { kind: 'once' },
      { kind: 'grant', minutes: 5 },
      { kind: 'deny' },
    ]);
    expect(b.peek('b1:AAAAAAAAAAAAAAAAAAAAAA')).toMatchObject({ ok: false, error: { code: 'channel.button_unknown' } });
    expect(b.peek(`${once?.data ?? ''}x`)).toMatchObject({ ok: false, error: { code: 'channel.button_unknown' } });
    b.use(once?.data as string);
    expect(b.peek(deny?.data as string)).toMatchObject({ ok: false, error: { code: 'channel.button_used' } });
    const [late] = b.offer(pending('apr_000000000000000000000003', 1000), [{ kind: 'once' }]);
    now = 1000;
    expect(b.peek(late?.data as string)).toMatchObject({
      ok: false,
      error: { code: 'channel.button_expired', layer: 'L13' },
    });
  });
});
