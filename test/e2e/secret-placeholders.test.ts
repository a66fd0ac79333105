/**
 * L23 known values through the real daemon: a workspace file holds two vault values (one raw, one base64); the
 * model reads it. The provider gets `[secret:NAME]` in their place, the session store keeps only the
 * placeholders, and the replacement is audited under L23 with the names, never a value.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type WireFormat } from '../support/fake-provider.js';
import { startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

function forms(v: string): string[] {
  const b = Buffer.from(v);
  return [v, b.toString('base64'), b.toString('hex'), [...v].reverse().join('')];
}

function dbBytes(dir: string): string {
  return ['bulwark.db', 'bulwark.db-wal']
    .map((f) => path.join(dir, f))
    .filter((f) => existsSync(f))
    .map((f) => readFileSync(f).toString('latin1'))
    .join('\n');
}

describe.each<WireFormat>(['openai', 'anthropic'])('vault values in a file the model reads (%s)', (format) => {
  it('reach the provider and the session store as [secret:NAME] only', async () => {
    const github = `ghp_${randomBytes(18).toString('hex')}`;
    const deploy = `deploy-${randomBytes(16).toString('hex')}`;
    e2e = await startE2E(
      format,
      scriptFrom([reply.toolCall('read', { path: 'notes/deploy.txt' }), reply.text('the file holds two tokens')]),
      undefined,
      { vault: { GITHUB_TOKEN: github, DEPLOY_KEY: deploy } },
    );
    mkdirSync(path.join(e2e.workspace, 'notes'), { recursive: true });
    writeFileSync(
      path.join(e2e.workspace, 'notes', 'deploy.txt'),
      `GITHUB_TOKEN=${github}\nDEPLOY_KEY_B64=${Buffer.from(deploy).toString('base64')}\n`,
    );

    const res = await fetch(`${e2e.daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e2e.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'what is in notes/deploy.txt?' }] }),
    });
    expect(res.status).toBe(200);
    expect(e2e.fake.requests).toHaveLength(2);

    const wire = JSON.stringify(e2e.fake.requests.map((r) => r.body));
    expect(wire).toContain('GITHUB_TOKEN=[secret:GITHUB_TOKEN]');
    expect(wire).toContain('DEPLOY_KEY_B64=[secret:DEPLOY_KEY]');
    const stored = dbBytes(e2e.dir);
    expect(stored).toContain('[secret:GITHUB_TOKEN]');
    expect(stored).toContain('[secret:DEPLOY_KEY]');
    for (const v of [github, deploy])
      for (const f of forms(v)) {
        expect(wire.includes(f), `provider request carries a form of a vault value`).toBe(false);
        expect(stored.includes(f), `bulwark.db carries a form of a vault value`).toBe(false);
      }

    const events = (await e2e.audit()).filter((l) => l['type'] === 'security:secret_placeholder');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ layer: 'L23', outcome: 'replaced', tool: 'read', count: 2 });
    expect([...(events[0]?.['secretNames'] as string[])].sort()).toEqual(['DEPLOY_KEY', 'GITHUB_TOKEN']);
  });
});
