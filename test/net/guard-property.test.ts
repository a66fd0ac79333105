import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SsrfGuard, verdictOf } from '../../src/net/guard.js';
import { classifyAddressText } from '../../src/net/classify.js';
import { formatIp } from '../../src/net/ip.js';
import type { Resolver } from '../../src/net/resolver.js';
import { EventBus } from '../../src/core/events.js';

/** The L10 refusals of these checks are audited on a real bus. */
const NET_BUS = new EventBus();

const v4 = fc
  .integer({ min: 0, max: 0xffffffff })
  .map((n) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.'));
const v6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatIp({ family: 6, bytes: b }));
const special = fc.constantFrom(
  '127.0.0.1',
  '10.1.2.3',
  '169.254.169.254',
  '::1',
  'fd00:ec2::254',
  '::ffff:7f00:1',
  '100.100.100.200',
  '64:ff9b::a00:1',
  '8.8.8.8',
  '2606:4700::1',
);
const address = fc.oneof(v4, v6, special);

describe('L10 properties', () => {
  it('any string: never throws, always a verdict', async () => {
    const guard = new SsrfGuard({
      bus: NET_BUS,
      resolver: { resolve: async () => [{ address: '93.184.216.34', family: 4 }] },
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.webUrl(),
          fc.string({ unit: 'binary', maxLength: 100 }).map((s) => `http://${s}/`),
        ),
        async (s) => {
          const v = verdictOf(await guard.check(s));
          expect(['allow', 'block', 'invalid']).toContain(v);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('a name is allowed only when EVERY address it resolves to is global, and the pinned one is among them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(address, { minLength: 1, maxLength: 5 }), async (answers) => {
        const resolver: Resolver = {
          resolve: async () => answers.map((a) => ({ address: a, family: a.includes(':') ? 6 : 4 })),
        };
        const r = await new SsrfGuard({ bus: NET_BUS, resolver }).check('https://name.test/');
        const allGlobal = answers.every((a) => classifyAddressText(a)?.global === true);
        expect(r.ok).toBe(allGlobal);
        if (r.ok) expect(answers.map((a) => classifyAddressText(a)?.address)).toContain(r.value.pinned.address);
      }),
      { numRuns: 500 },
    );
  });

  it('a URL with an IP literal gets the same verdict as the address itself', async () => {
    const guard = new SsrfGuard({ bus: NET_BUS, resolver: { resolve: async () => [] } });
    await fc.assert(
      fc.asyncProperty(address, async (a) => {
        const host = a.includes(':') ? `[${a}]` : a;
        const r = await guard.check(`http://${host}/`);
        expect(r.ok).toBe(classifyAddressText(a)?.global === true);
      }),
      { numRuns: 1000 },
    );
  });
});
