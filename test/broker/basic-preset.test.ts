/** Preset basic: `Authorization: Basic base64(username:secret)`, replacing whatever the sandbox sent there. */
import { describe, expect, it } from 'vitest';
import { BindingSchema } from '../../src/config/sections/broker.js';
import { injectSecret } from '../../src/broker/bindings.js';

describe('broker preset basic', () => {
  it('puts username:secret into Authorization as HTTP Basic, replacing the placeholder header', () => {
    const b = BindingSchema.parse({
      host: 'git.internal:8443',
      secret: 'GIT_PUSH_TOKEN',
      preset: 'basic',
      username: 'x-access-token',
    });
    const out = injectSecret(
      b,
      { authorization: 'Basic cGxhY2Vob2xkZXI=', accept: '*/*' },
      '/a.git/info/refs',
      's3cret:x',
    );
    expect(out.headers['authorization']).toBe(`Basic ${Buffer.from('x-access-token:s3cret:x').toString('base64')}`);
    expect(out.headers['accept']).toBe('*/*');
    expect(out.pathAndQuery).toBe('/a.git/info/refs');
  });

  it('needs a username, which only preset basic takes, without a colon', () => {
    const base = { host: 'git.internal', secret: 'T' };
    expect(BindingSchema.safeParse({ ...base, preset: 'basic' }).success).toBe(false);
    expect(BindingSchema.safeParse({ ...base, preset: 'bearer', username: 'u' }).success).toBe(false);
    expect(BindingSchema.safeParse({ ...base, preset: 'basic', username: 'a:b' }).success).toBe(false);
    const r = BindingSchema.safeParse({ ...base, preset: 'basic' });
    expect(r.success ? '' : r.error.issues[0]?.message).toContain('preset "basic" needs username');
  });
});
