/**
 * A compromised model (the fake provider) tries path traversal, absolute paths, symlink-free escapes,
 * a tool its profile forbids, a tool that does not exist and broken JSON arguments. Each try is an
 * error the model sees; nothing crashes, nothing lands outside the workspace, refusals are audited.
 * Escaping writes are destructive for L27, so the test plays the operator over /v1/approvals (L13).
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type FakeRequest, type WireFormat } from '../support/fake-provider.js';
import { decide, lastToolResultText, nextApproval, startE2E, toolResultBody, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

function echoToolResult(request: FakeRequest) {
  return reply.text(`tool said: ${toolResultBody(lastToolResultText(request))}`);
}

async function ask(e: E2E, content: string): Promise<string> {
  const client = new OpenAI({ baseURL: `${e.daemon.url}/v1`, apiKey: e.token, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content }] });
  return r.choices[0]?.message.content ?? '';
}

describe.each<WireFormat>(['openai', 'anthropic'])('hostile tool calls via %s', (format) => {
  const escapes = [
    '../escape.txt',
    '../../../../../../tmp/bulwark-escape.txt',
    'notes/../../escape.txt',
    '/tmp/bulwark-abs-escape.txt',
    'a\u0000b.txt',
  ];
  for (const target of escapes) {
    // L27 classifies a write that leaves the workspace as destructive, so L13 asks the operator.
    // Even a careless operator who approves cannot make it escape: the tool's safePath refuses.
    it(`write to ${JSON.stringify(target)}: L27 escalates, and even when approved nothing is written outside`, async () => {
      e2e = await startE2E(
        format,
        scriptFrom([reply.toolCall('write', { path: target, content: 'pwned' }), echoToolResult]),
      );
      const answer = ask(e2e, 'do it');
      const pending = await nextApproval(e2e);
      expect(pending.view.tool).toBe('write');
      expect(pending.view.classes).toContain('destructive');
      expect((await decide(e2e, pending.id, 'approve')).status).toBe(200);
      expect(await answer).toMatch(/^tool said: error: /);
      expect(existsSync(path.join(e2e.dir, 'escape.txt'))).toBe(false);
      expect(existsSync(path.join(e2e.dir, 'workspaces', 'escape.txt'))).toBe(false);
      expect(existsSync('/tmp/bulwark-escape.txt')).toBe(false);
      expect(existsSync('/tmp/bulwark-abs-escape.txt')).toBe(false);
      expect(readdirSync(e2e.workspace)).toEqual([]);
      const audited = (await e2e.audit()).filter((a) => a.type === 'tool:executed' || a.type === 'tool:denied');
      expect(audited).toEqual([expect.objectContaining({ type: 'tool:executed', tool: 'write', outcome: 'error' })]);
    });
  }

  it('the operator denies an escaping write: the model gets an error, nothing runs, the decision is audited', async () => {
    e2e = await startE2E(
      format,
      scriptFrom([reply.toolCall('write', { path: '../escape.txt', content: 'pwned' }), echoToolResult]),
    );
    const answer = ask(e2e, 'do it');
    const pending = await nextApproval(e2e);
    expect((await decide(e2e, pending.id, 'deny')).status).toBe(200);
    expect(await answer).toMatch(/^tool said: error: /);
    expect(existsSync(path.join(e2e.dir, 'escape.txt'))).toBe(false);
    expect((await e2e.audit()).filter((a) => a.type === 'tool:executed')).toEqual([]);
    expect((await e2e.audit()).some((a) => String(a.type).startsWith('approval:'))).toBe(true);
  });

  it('a tool the profile forbids is refused with tool:denied (L12)', async () => {
    e2e = await startE2E(
      format,
      scriptFrom([reply.toolCall('write', { path: 'x.txt', content: 'nope' }), echoToolResult]),
      '{ profile: coding, deny: [write] }',
    );
    const answer = await ask(e2e, 'write something');
    expect(answer).toBe('tool said: error: tool "write" is not available to this agent');
    expect(e2e.fake.requests[0]!.toolNames).not.toContain('write');
    expect(existsSync(path.join(e2e.workspace, 'x.txt'))).toBe(false);
    const denied = (await e2e.audit()).filter((a) => a.type === 'tool:denied');
    expect(denied).toEqual([
      expect.objectContaining({ layer: 'L12', tool: 'write', outcome: 'denied', agentId: 'default' }),
    ]);
  });

  it('an unknown tool and broken JSON arguments are errors for the model, not crashes', async () => {
    e2e = await startE2E(
      format,
      scriptFrom([
        reply.toolCall('exec_as_root', { cmd: 'rm -rf /' }),
        reply.toolCall('write', '{"path": "a.txt", "content": '),
        echoToolResult,
        reply.text('after'),
      ]),
    );
    const answer = await ask(e2e, 'go');
    expect(answer).toMatch(/^tool said: error: the arguments of write are not valid JSON/);
    expect((await e2e.audit()).filter((a) => a.type === 'tool:denied')).toEqual([
      expect.objectContaining({ layer: 'L12', tool: 'unknown_tool' }),
    ]);
    expect(await ask(e2e, 'still alive?')).toBe('after');
  });
});
