/**
 * The undo journal keeps the user's files as they were: `rm .env` leaves the pre-image of a file holding a vault
 * value. A real daemon runs the command (bwrap on a copy-on-write view, the operator approves the deletion over the
 * API); the journal's history and diff, over the API and through `bulwark workspace`, show the value redacted. Undo
 * still puts the file back as it was.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { runCliInProcess } from '../support/cli-in-process.js';
import { decide, startE2E, type E2E } from './support.js';

const SECRET = 'sk_live_4eC39HqLyjWDarjtT1zdp7dcQ9vX2mPb';

let e: E2E | undefined;
afterEach(async () => {
  await e?.close();
  e = undefined;
});

describe('the undo journal shown to people', () => {
  it('redacts a vault value in a pre-image: API history and diff, CLI history and diff', async () => {
    e = await startE2E(
      'openai',
      scriptFrom([reply.toolCall('exec', { command: 'rm .env' }), reply.text('done')]),
      undefined,
      {
        owner: true,
        vault: { STRIPE_KEY: SECRET },
        beforeStart: async (dir) => {
          const ws = path.join(dir, 'workspaces', 'default');
          mkdirSync(ws, { recursive: true });
          writeFileSync(path.join(ws, '.env'), `STRIPE_KEY=${SECRET}\n`);
          execFileSync('chown', ['-R', 'bulwark-sandbox:', path.join(dir, 'workspaces')]);
        },
      },
    );
    const admin = { authorization: `Bearer ${e.adminToken}` };
    let done = false;
    const turn = fetch(`${e.daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'tidy up' }] }),
    })
      .then((r) => r.text())
      .finally(() => (done = true));
    // The operator approves what is asked (the credential file named outright, L13; the deletion, L11.7).
    let approved = 0;
    while (!done) {
      const list = (await (await fetch(`${e.daemon.url}/v1/approvals`, { headers: admin })).json()) as {
        data: Array<{ id: string }>;
      };
      for (const p of list.data) {
        await (await decide(e, p.id, 'approve')).text();
        approved++;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    await turn;
    expect(approved).toBeGreaterThan(0);

    const history = await (await fetch(`${e.daemon.url}/v1/workspaces/default/history`, { headers: admin })).text();
    const id = (JSON.parse(history) as { data: Array<{ id: string }> }).data.at(-1)?.id ?? '';
    expect(id).not.toBe('');
    const diff = await (await fetch(`${e.daemon.url}/v1/workspaces/default/diff/${id}`, { headers: admin })).text();
    expect(diff).toContain('STRIPE_KEY=[REDACTED:STRIPE_KEY]');
    const cliDiff = await runCliInProcess(e.dir, ['workspace', 'diff', id]);
    const cliJson = await runCliInProcess(e.dir, ['workspace', 'diff', id, '--json']);
    const cliHistory = await runCliInProcess(e.dir, ['workspace', 'history', '--json']);
    expect(cliDiff.code).toBe(0);
    expect(cliDiff.out).toContain('[REDACTED:STRIPE_KEY]');
    for (const shown of [history, diff, cliDiff.out, cliJson.out, cliHistory.out]) expect(shown).not.toContain(SECRET);

    // What is kept for undo is the file itself.
    const undo = await fetch(`${e.daemon.url}/v1/workspaces/default/undo`, { method: 'POST', headers: admin });
    expect(undo.status).toBe(200);
    expect(readFileSync(path.join(e.workspace, '.env'), 'utf8')).toBe(`STRIPE_KEY=${SECRET}\n`);
  });
});
