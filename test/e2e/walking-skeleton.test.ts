/**
 * The walking skeleton end to end: the official openai client → gateway (L18) → agent runtime →
 * the real OpenAI / Anthropic SDK → the fake provider over HTTP; the model writes then reads a file
 * in the workspace and the final answer comes back, streaming and not.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type WireFormat } from '../support/fake-provider.js';
import { openTokenAdmin } from '../../src/daemon.js';
import { FAKE_KEY_VALUE, lastToolResultText, startE2E, toolResultBody, type E2E } from './support.js';

const CONTENT = 'hello from the agent, line 1';

function writeThenRead() {
  return scriptFrom([
    reply.toolCall('write', { path: 'notes/hello.txt', content: CONTENT }),
    reply.toolCall('read', { path: 'notes/hello.txt' }),
    // The model sees the read result inside L03's random delimiters (L23 wraps every tool result).
    (request) => {
      const seen = lastToolResultText(request);
      const wrapped = seen.startsWith('<<<EXTERNAL_UNTRUSTED_CONTENT id=');
      return reply.text(
        `The file says: ${wrapped && toolResultBody(seen) === CONTENT ? CONTENT : '<read result missing or unwrapped>'}`,
      );
    },
  ]);
}

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

describe.each<WireFormat>(['openai', 'anthropic'])('walking skeleton via the %s adapter', (format) => {
  for (const stream of [false, true]) {
    it(`write then read in the workspace, ${stream ? 'streaming' : 'non-streaming'}`, async () => {
      e2e = await startE2E(format, writeThenRead());
      const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
      const messages = [{ role: 'user' as const, content: 'write a note, then read it back to me' }];
      let answer = '';
      if (stream) {
        const s = await client.chat.completions.create({ model: 'default', messages, stream: true });
        let finish: string | null = null;
        for await (const chunk of s) {
          answer += chunk.choices[0]?.delta?.content ?? '';
          finish = chunk.choices[0]?.finish_reason ?? finish;
        }
        expect(finish).toBe('stop');
      } else {
        const r = await client.chat.completions.create({ model: 'default', messages });
        answer = r.choices[0]?.message.content ?? '';
        expect(r.choices[0]?.finish_reason).toBe('stop');
      }
      expect(answer).toBe(`The file says: ${CONTENT}`);
      expect(readFileSync(path.join(e2e.workspace, 'notes', 'hello.txt'), 'utf8')).toBe(CONTENT);

      // The real SDK talked to the fake: right wire format, the key from the environment, our tools offered.
      expect(e2e.fake.calls).toBe(3);
      const first = e2e.fake.requests[0]!;
      expect(first.format).toBe(format);
      expect(first.apiKey).toBe(FAKE_KEY_VALUE);
      expect(first.model).toBe('fake-model');
      expect(first.system).toContain('You are a test agent.');
      expect(first.toolNames).toEqual(expect.arrayContaining(['read', 'write']));
      expect(first.stream).toBe(true);

      const executed = (await e2e.audit()).filter((a) => a.type === 'tool:executed');
      expect(executed.map((a) => [a.tool, a.outcome])).toEqual([
        ['write', 'success'],
        ['read', 'success'],
      ]);
      expect(JSON.stringify(await e2e.audit())).not.toContain(FAKE_KEY_VALUE);
      expect(JSON.stringify(await e2e.audit())).not.toContain(e2e.token);
    });
  }
});

describe('daemon behaviour end to end', () => {
  it('continues a session: the second turn sees the first', async () => {
    e2e = await startE2E(
      'openai',
      scriptFrom([
        reply.text('first answer'),
        (req) => reply.text(`I remember ${req.messages.filter((m) => m.role === 'user').length} user messages`),
      ]),
    );
    const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({ model: 'default', messages: [{ role: 'user', content: 'one' }] })
      .withResponse();
    const session = response.headers.get('x-bulwark-session');
    expect(session).toMatch(/\S/);
    const second = await client.chat.completions.create(
      { model: 'default', messages: [{ role: 'user', content: 'two' }] },
      { headers: { 'x-bulwark-session': session! } },
    );
    expect(second.choices[0]?.message.content).toBe('I remember 2 user messages');
  });

  it("another token cannot continue someone else's session: 404, same as a session that does not exist", async () => {
    e2e = await startE2E('openai', scriptFrom([reply.text('secret plans'), reply.text('should not happen')]));
    const owner = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
    const { response } = await owner.chat.completions
      .create({ model: 'default', messages: [{ role: 'user', content: 'remember this' }] })
      .withResponse();
    const session = response.headers.get('x-bulwark-session')!;
    const admin = openTokenAdmin(e2e.dir);
    if (!admin.ok) throw new Error(admin.error.message);
    const other = admin.value.create('intruder', ['chat']);
    admin.value.close();
    if (!other.ok) throw new Error(other.error.message);
    const intruder = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: other.value.token, maxRetries: 0 });
    const stolen = await intruder.chat.completions
      .create(
        { model: 'default', messages: [{ role: 'user', content: 'what did they say?' }] },
        { headers: { 'x-bulwark-session': session } },
      )
      .catch((e: unknown) => e);
    const missing = await intruder.chat.completions
      .create(
        { model: 'default', messages: [{ role: 'user', content: 'x' }] },
        { headers: { 'x-bulwark-session': 'ses_' + '0'.repeat(24) } },
      )
      .catch((e: unknown) => e);
    expect((stolen as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
    expect((missing as InstanceType<typeof OpenAI.APIError>).status).toBe(404);
    expect((stolen as Error).message.replace(session, 'ID')).toBe(
      (missing as Error).message.replace('ses_' + '0'.repeat(24), 'ID'),
    );
    expect(e2e.fake.calls).toBe(1);
  });

  it('L09: known secret values and secret formats are redacted from audit.jsonl and bulwark.log', async () => {
    e2e = await startE2E('openai', scriptFrom([reply.text('ok')]));
    const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
    await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] });
    const githubToken = 'ghp_' + 'Zq8Lw3Rt5Yp1Nc7Vb2Mx9Kd4Hs6Jf0Ga3Ue8';
    e2e.daemon.bus.emit('security:warning', {
      reason: `leaked ${FAKE_KEY_VALUE} and ${githubToken} and ${Buffer.from(FAKE_KEY_VALUE).toString('base64')}`,
    });
    await e2e.daemon.flushAudit();
    const auditText = readFileSync(path.join(e2e.dir, 'audit.jsonl'), 'utf8');
    expect(auditText).toContain('leaked ');
    expect(auditText).not.toContain(FAKE_KEY_VALUE);
    expect(auditText).not.toContain(Buffer.from(FAKE_KEY_VALUE).toString('base64'));
    expect(auditText).not.toContain(githubToken);
    expect(readFileSync(path.join(e2e.dir, 'bulwark.log'), 'utf8')).not.toContain(FAKE_KEY_VALUE);
    expect(e2e.daemon.layers.find((l) => l.id === 'L09')?.state).toBe('on');
  });

  it('an agent without a provider answers 503 naming the fix; the daemon keeps serving', async () => {
    e2e = await startE2E('openai', scriptFrom([reply.text('still here')]));
    const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
    const error = await client.chat.completions
      .create({ model: 'unconfigured', messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((error as Error).message).toContain('providers:');
    const ok = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content: 'hi' }] });
    expect(ok.choices[0]?.message.content).toBe('still here');
  });

  it('lists the configured agents as models', async () => {
    e2e = await startE2E('anthropic', scriptFrom([]));
    const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
    expect((await client.models.list()).data.map((m) => m.id)).toEqual(['default', 'unconfigured']);
  });

  it('audits daemon:started and daemon:stopped, and reports honest layer states', async () => {
    e2e = await startE2E('openai', scriptFrom([]));
    const on = e2e.daemon.layers.filter((l) => l.state === 'on').map((l) => l.id);
    expect(on).toEqual(expect.arrayContaining(['L12', 'L18', 'L26']));
    expect(e2e.daemon.layers).toHaveLength(27);
    const dir = e2e.dir;
    await e2e.close();
    e2e = undefined;
    const lines = readFileSync(path.join(dir, 'audit.jsonl'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string });
    // Start-up may audit its own vault writes (the canary key) before the daemon is up.
    const daemonEvents = lines.filter((l) => l.type.startsWith('daemon:')).map((l) => l.type);
    expect(daemonEvents).toEqual(['daemon:started', 'daemon:stopped']);
    expect(lines.at(-1)?.type).toBe('daemon:stopped');
    // Every layer the daemon wires on this host: none of them may be reported absent.
    expect(on).toEqual(
      expect.arrayContaining(['L01', 'L02', 'L06', 'L07', 'L09', 'L10', 'L13', 'L17', 'L21', 'L22', 'L23', 'L27']),
    );
  });
});
