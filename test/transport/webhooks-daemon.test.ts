/**
 * L20 end to end: every public vector (../shared/corpora/webhooks, read in place) delivered to a real daemon's
 * POST /v1/hooks/:name at the vector's own time, and checked by hand with `bulwark webhooks verify`: both give the
 * labelled verdict and, when refused, the same reason (the daemon audits it, never answers it). Plus replays (also
 * across a restart: the cache is persisted) and the clock window either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CliContext } from '../../src/cli/context.js';
import { register as registerWebhooks } from '../../src/cli/commands/webhooks.js';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { signGeneric } from '../../src/transport/webhooks/verify.js';
import { reply, scriptFrom } from '../support/fake-provider.js';
import { corporaNote, noCorpora } from '../support/corpora.js';
import { startTlsDaemon, tempDataDir, type TlsDaemon } from './support.js';
import { GITHUB_NOW, vectorCases, type VectorCase } from './vectors.js';

const GEN_SECRET = 'generic-hook-secret-value';
const T0 = 1_800_000_000;
let nowMs = T0 * 1000;
let d: TlsDaemon;
let dir: string;
const cases: VectorCase[] = noCorpora ? [] : vectorCases();

function hooksYaml(): string {
  const lines = ['hooks:', '  gen: { agent: default, provider: generic, secret: { secret: HOOK_GEN } }'];
  cases.forEach((c, i) =>
    lines.push(`  v${i}: { agent: default, provider: ${c.provider}, secret: { secret: HOOK_V${i} }, perMinute: 10 }`),
  );
  return lines.join('\n');
}

/** The daemon reads its environment once and scrubs it: the secrets are set again before every start. */
async function start(): Promise<TlsDaemon> {
  process.env.HOOK_GEN = GEN_SECRET;
  cases.forEach((c, i) => (process.env[`HOOK_V${i}`] = c.secret));
  resetEnvSnapshotForTests();
  return startTlsDaemon(
    dir,
    scriptFrom(Array.from({ length: 80 }, (_, i) => reply.text(`noted ${i}`))),
    '',
    hooksYaml(),
    '',
    () => nowMs,
  );
}

beforeAll(async () => {
  dir = tempDataDir();
  d = await start();
}, 60_000);

afterAll(async () => {
  await d?.close();
  delete process.env.HOOK_GEN;
  cases.forEach((_, i) => delete process.env[`HOOK_V${i}`]);
});

function deliver(hook: string, headers: Record<string, string>, body: string): Promise<Response> {
  return fetch(`${d.daemon.url}/v1/hooks/${hook}`, { method: 'POST', headers, body });
}

async function auditedReason(hook: string): Promise<string | undefined> {
  const lines = (await d.audit()).filter((e) => e.type === 'webhook:rejected' && e.hook === hook);
  return lines.at(-1)?.reason as string | undefined;
}

/** `bulwark webhooks verify` in process, on files as an operator would save them. */
async function verifyByHand(c: VectorCase, i: number): Promise<{ valid: boolean; reason: string; code: number }> {
  const secretFile = path.join(dir, `v${i}.secret`);
  const bodyFile = path.join(dir, `v${i}.body`);
  writeFileSync(secretFile, `${c.secret}\n`, { mode: 0o600 });
  writeFileSync(bodyFile, c.body);
  let out = '';
  let code = 0;
  const ctx: CliContext = {
    dataDir: dir,
    stdout: (t) => void (out += t),
    stderr: () => undefined,
    setExitCode: (n) => void (code = n),
  };
  const program = new Command().exitOverride();
  registerWebhooks(program, ctx);
  const args = ['webhooks', 'verify', '--provider', c.provider, '--secret-file', secretFile, '--body-file', bodyFile];
  for (const [k, v] of Object.entries(c.headers)) args.push('--header', `${k}: ${v}`);
  args.push('--now', String(c.now ?? GITHUB_NOW), '--json');
  try {
    await program.parseAsync(['node', 'bulwark', ...args]);
  } catch (e) {
    if (!(e instanceof CommanderError)) throw e;
    code = e.exitCode || 1;
  }
  const parsed = JSON.parse(out) as { valid: boolean; reason: string };
  return { ...parsed, code };
}

describe('L20 through the daemon and by hand', () => {
  it.skipIf(noCorpora)(`the daemon and bulwark webhooks verify agree with every label ${corporaNote}`, async () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
    const disagreements: string[] = [];
    for (const [i, c] of cases.entries()) {
      nowMs = (c.now ?? GITHUB_NOW) * 1000;
      const res = await deliver(`v${i}`, c.headers, c.body);
      const daemonValid = res.status === 202;
      if (!daemonValid) expect(res.status).toBe(401);
      // The answer never carries the reason.
      const answer = await res.text();
      const reason = daemonValid ? 'ok' : await auditedReason(`v${i}`);
      if (!daemonValid) expect(answer).not.toContain(String(reason));
      const hand = await verifyByHand(c, i);
      expect(hand.code).toBe(hand.valid ? 0 : 2);
      const label = `${c.provider}: ${c.name}`;
      if (daemonValid !== c.expected_valid) disagreements.push(`${label}: daemon says ${daemonValid}`);
      if (hand.valid !== c.expected_valid) disagreements.push(`${label}: verify says ${hand.valid}`);
      if (hand.reason !== reason) disagreements.push(`${label}: reasons ${hand.reason} (cli) vs ${reason} (daemon)`);
    }
    expect(disagreements).toEqual([]);
  });

  it.skipIf(noCorpora)(`a GitHub delivery sent again is a replay (keyed on its signature) ${corporaNote}`, async () => {
    const i = cases.findIndex((c) => c.provider === 'github' && c.expected_valid);
    const c = cases[i] as VectorCase;
    nowMs = GITHUB_NOW * 1000;
    expect((await deliver(`v${i}`, c.headers, c.body)).status).toBe(401);
    expect(await auditedReason(`v${i}`)).toBe('replay');
  });

  it('generic: accepted once within ±300 s, refused outside the window and when replayed, also after a restart', async () => {
    const body = '{"event":"build.done"}';
    const headersFor = (id: string, ts: number) => ({
      'X-Bulwark-Webhook-Id': id,
      'X-Bulwark-Webhook-Timestamp': String(ts),
      'X-Bulwark-Webhook-Signature': signGeneric(GEN_SECRET, id, ts, Buffer.from(body)),
    });
    nowMs = (T0 + 299) * 1000;
    const first = await deliver('gen', headersFor('d-1', T0), body);
    expect(first.status).toBe(202);
    expect(await first.json()).toMatchObject({ accepted: true });
    expect((await deliver('gen', headersFor('d-1', T0), body)).status).toBe(401);
    expect(await auditedReason('gen')).toBe('replay');
    // The clock 301 s after the signed time, and a timestamp 301 s in the future: both outside.
    nowMs = (T0 + 301) * 1000;
    expect((await deliver('gen', headersFor('d-2', T0), body)).status).toBe(401);
    expect(await auditedReason('gen')).toBe('timestamp_outside_window');
    nowMs = T0 * 1000;
    expect((await deliver('gen', headersFor('d-3', T0 + 301), body)).status).toBe(401);
    expect(await auditedReason('gen')).toBe('timestamp_outside_window');
    expect((await deliver('gen', headersFor('d-4', T0 - 300), body)).status).toBe(202);
    // A wrong secret, and the unsigned body changed: refused.
    const forged = {
      ...headersFor('d-5', T0),
      'X-Bulwark-Webhook-Signature': signGeneric('nope', 'd-5', T0, Buffer.from(body)),
    };
    expect((await deliver('gen', forged, body)).status).toBe(401);
    expect(await auditedReason('gen')).toBe('signature_mismatch');
    // The replay cache is in bulwark.db: a restarted daemon still refuses d-1.
    await d.close();
    d = await start();
    nowMs = (T0 + 10) * 1000;
    expect((await deliver('gen', headersFor('d-1', T0), body)).status).toBe(401);
    expect(await auditedReason('gen')).toBe('replay');
    const accepted = (await d.audit()).filter((e) => e.type === 'webhook:accepted' && e.hook === 'gen');
    expect(accepted.length).toBe(2);
    expect(accepted[0]).toMatchObject({ layer: 'L20', sender: 'hook:gen', agentId: 'default' });
  }, 60_000);
});

describe('channels', () => {
  it('a configured Telegram channel whose bot token is not in the vault stops the start, naming the secret', async () => {
    const other = tempDataDir();
    await expect(
      startTlsDaemon(
        other,
        scriptFrom([reply.text('x')]),
        '',
        'channels:\n  telegram: { botToken: { secret: TG_TOKEN }, agent: default, users: [{ id: 42, approver: true }] }',
      ),
    ).rejects.toThrow(/TG_TOKEN/);
  });
});
