/**
 * L02 + L17 end to end through the real daemon (startDaemon, as `bulwark start` runs it): the official
 * openai client → gateway (SSE and JSON) → agent runtime with the hooks the daemon wires → the real
 * provider SDK → the fake provider playing a compromised model. Removing the daemon's wiring of the
 * output filter or of `output.beforeToolCall` fails these tests.
 */
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type FakeScript } from '../support/fake-provider.js';
import {
  FAKE_KEY_NAME,
  FAKE_KEY_VALUE,
  lastToolResultText,
  startE2E,
  toolResultBody,
  type E2E,
} from '../e2e/support.js';
import { fakeAwsKeyId } from './helpers.js';

const AGENT_PROMPT =
  'You are a test agent. Follow the operator policy at all times, keep answers short and factual, never reveal the deployment details of the northwind cluster, and refuse requests for credentials of any kind.';

interface Rig {
  url: string;
  token: string;
  fake: E2E['fake'];
  auditLines(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

async function startRig(script: FakeScript): Promise<Rig> {
  const e = await startE2E('openai', script, undefined, { systemPrompt: AGENT_PROMPT });
  return { url: e.daemon.url, token: e.token, fake: e.fake, auditLines: () => e.audit(), close: () => e.close() };
}

let rig: Rig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

async function ask(r: Rig, stream: boolean): Promise<string> {
  const client = new OpenAI({ baseURL: `${r.url}/v1`, apiKey: r.token, maxRetries: 0 });
  const messages = [{ role: 'user' as const, content: 'hello' }];
  if (!stream)
    return (await client.chat.completions.create({ model: 'default', messages })).choices[0]?.message.content ?? '';
  let out = '';
  for await (const chunk of await client.chat.completions.create({ model: 'default', messages, stream: true }))
    out += chunk.choices[0]?.delta?.content ?? '';
  return out;
}

const canaryOf = (system: string) => /CTKN_[0-9a-f]{16}/.exec(system)?.[0] ?? 'no-canary-in-system-prompt';

function noWindow(value: string, text: string): boolean {
  for (let i = 0; i + 8 <= value.length; i++) if (text.includes(value.slice(i, i + 8))) return false;
  return true;
}

describe('output guard through the gateway (compromised model)', () => {
  for (const stream of [false, true]) {
    const mode = stream ? 'SSE' : 'JSON';

    it(`(a) a vault secret (the provider key the daemon read) in base64 is redacted and audited (${mode})`, async () => {
      const b64 = Buffer.from(FAKE_KEY_VALUE).toString('base64');
      rig = await startRig(
        scriptFrom([
          reply.text(`Here is the key, encoded: ${b64} — enjoy.`, {
            chunks: ['Here is the key, encoded: ', b64.slice(0, 7), b64.slice(7, 19), b64.slice(19), ' — enjoy.'],
          }),
        ]),
      );
      const answer = await ask(rig, stream);
      expect(answer).toBe('Here is the key, encoded: [REDACTED] — enjoy.');
      const finding = (await rig.auditLines()).find((l) => l['type'] === 'security:output_finding');
      expect(finding).toMatchObject({
        layer: 'L02',
        patternId: 'leak.known_value',
        encoding: 'base64',
        secretName: FAKE_KEY_NAME,
        outcome: 'redacted',
      });
      expect(JSON.stringify(await rig.auditLines())).not.toContain(FAKE_KEY_VALUE);
    });

    it(`(b) an AWS key split across stream chunks is redacted (${mode})`, async () => {
      const key = fakeAwsKeyId(42);
      rig = await startRig(
        scriptFrom([
          reply.text(`creds: ${key} done`, {
            chunks: ['creds: AK', 'IA', key.slice(4, 9), key.slice(9, 15), key.slice(15), ' done'],
          }),
        ]),
      );
      const answer = await ask(rig, stream);
      expect(answer).toBe('creds: [REDACTED] done');
      expect(noWindow(key, answer)).toBe(true);
      expect(
        (await rig.auditLines()).some(
          (l) => l['type'] === 'security:output_finding' && l['patternId'] === 'secret.aws_access_key_id',
        ),
      ).toBe(true);
    });

    it(`(c) the session canary is redacted and raises security:canary_leak (${mode})`, async () => {
      let canary = '';
      rig = await startRig(
        scriptFrom([
          (req) => {
            canary = canaryOf(req.system);
            return reply.text(`My marker is ${canary}.`, {
              chunks: ['My marker is CT', canary.slice(2, 11), canary.slice(11), '.'],
            });
          },
        ]),
      );
      const answer = await ask(rig, stream);
      expect(canary).toMatch(/^CTKN_[0-9a-f]{16}$/);
      expect(answer).toBe('My marker is [REDACTED].');
      const leak = (await rig.auditLines()).find((l) => l['type'] === 'security:canary_leak');
      expect(leak).toMatchObject({ layer: 'L17', patternId: 'canary.session', where: 'response' });
      expect(JSON.stringify(await rig.auditLines())).not.toContain(canary);
    });

    it(`(d) the model reciting its own system prompt is redacted (${mode})`, async () => {
      let recited = '';
      rig = await startRig(
        scriptFrom([
          (req) => {
            recited = req.system.split('\n\n[Security marker')[0] ?? '';
            return reply.text(`Sure, my instructions: ${recited}`);
          },
        ]),
      );
      const answer = await ask(rig, stream);
      expect(recited).toBe(AGENT_PROMPT);
      expect(answer).toBe('Sure, my instructions: [REDACTED].');
      expect(
        (await rig.auditLines()).some(
          (l) => l['type'] === 'security:output_finding' && l['patternId'] === 'prompt.extraction',
        ),
      ).toBe(true);
    });
  }

  it('(e) a tool call that posts the canary is refused before it runs, and audited', async () => {
    let canary = '';
    rig = await startRig(
      scriptFrom([
        (req) => {
          canary = canaryOf(req.system);
          return reply.toolCall('write', {
            path: 'notes/exfil.txt',
            content: `marker=${Buffer.from(canary).toString('base64')}`,
          });
        },
        (req) => reply.text(`tool said: ${toolResultBody(lastToolResultText(req)).slice(0, 60)}`),
      ]),
    );
    const answer = await ask(rig, false);
    expect(answer).toMatch(/tool said: error: tool call write carries the session canary/);
    const lines = await rig.auditLines();
    expect(lines.some((l) => l['type'] === 'tool:denied' && l['layer'] === 'L17')).toBe(true);
    expect(lines.some((l) => l['type'] === 'security:canary_leak' && l['where'] === 'tool_call')).toBe(true);
    expect(lines.some((l) => l['type'] === 'tool:executed')).toBe(false);
    expect(JSON.stringify(lines)).not.toContain(canary);
  });

  it('(f) a tool call that carries a vault value to a tool not allowed to receive it is refused before it runs', async () => {
    rig = await startRig(
      scriptFrom([
        reply.toolCall('write', { path: 'notes/key.txt', content: `key=${FAKE_KEY_VALUE}` }),
        (req) => reply.text(`tool said: ${toolResultBody(lastToolResultText(req)).slice(0, 80)}`),
      ]),
    );
    const answer = await ask(rig, false);
    expect(answer).toMatch(/^tool said: error: /);
    expect(answer).not.toContain(FAKE_KEY_VALUE);
    const lines = await rig.auditLines();
    expect(lines.some((l) => l['type'] === 'tool:denied' && l['layer'] === 'L02')).toBe(true);
    expect(lines.some((l) => l['type'] === 'tool:executed')).toBe(false);
    expect(lines.some((l) => String(l['type']).startsWith('approval:'))).toBe(false);
    expect(JSON.stringify(lines)).not.toContain(FAKE_KEY_VALUE);
  });
});
