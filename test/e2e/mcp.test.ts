/**
 * MCP through the daemon: a test server (the official SDK's Server over stdio) started by the daemon inside the
 * exec sandbox; an agent turn calls `<server>__<tool>`; the call passes L12, L27 (unknown class = destructive,
 * held for the operator) and its result reaches the model as external content (L03).
 */
import { lstatSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { openMcpAdmin } from '../../src/daemon.js';
import { lookupUser } from '../../src/exec/sandbox-identity.js';
import { reply, scriptFrom, type FakeRequest } from '../support/fake-provider.js';
import { decide, lastToolResultText, nextApproval, startE2E, type E2E } from './support.js';

const REPO = path.resolve(import.meta.dirname, '../..');
const SERVER = path.join(REPO, 'test', 'supply', 'fixtures', 'mcp-test-server.mjs');

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

function mcpYaml(mode: string, actionClass?: string, network?: string): string {
  return `${network === 'broker' ? 'broker: { enabled: true }\n' : ''}mcp:
  servers:
    - name: notes
      command: ${JSON.stringify(process.execPath)}
      args: [${JSON.stringify(SERVER)}]
      readOnlyPaths: [${JSON.stringify(REPO)}]
      env: { MCP_TEST_MODE: ${mode} }
      timeoutMs: 20000${actionClass ? `\n      actionClass: ${actionClass}` : ''}${network ? `\n      network: ${network}` : ''}`;
}

async function approveNotes(dataDir: string): Promise<void> {
  const admin = openMcpAdmin(dataDir);
  if (!admin.ok) throw new Error(admin.error.message);
  try {
    const review = await admin.value.review('notes');
    if (!review.ok) throw new Error(review.error.message);
    const pinned = await admin.value.approve(review.value);
    if (!pinned.ok) throw new Error(pinned.error.message);
  } finally {
    admin.value.close();
  }
}

function chat(e: E2E): Promise<string> {
  const client = new OpenAI({ baseURL: `${e.daemon.url}/v1`, apiKey: e.token, maxRetries: 0 });
  return client.chat.completions
    .create({ model: 'default', messages: [{ role: 'user', content: 'echo hello through notes' }] })
    .then((r) => r.choices[0]?.message.content ?? '');
}

const echoThenReport = () =>
  scriptFrom([
    reply.toolCall('notes__echo', { text: 'hello' }),
    (req: FakeRequest) => reply.text(`tool said: ${lastToolResultText(req)}`),
  ]);

describe('MCP servers through the daemon', () => {
  it('an agent turn calls <server>__<tool>: held for the operator (class unknown), the result is external content', async () => {
    e2e = await startE2E('openai', echoThenReport(), "{ profile: coding, allow: ['group:mcp'] }", {
      extraYaml: mcpYaml('clean'),
      beforeStart: approveNotes,
    });
    const answer = chat(e2e);
    const pending = await nextApproval(e2e, 20_000);
    expect(pending.view.tool).toBe('notes__echo');
    expect(pending.view.classes).toContain('destructive');
    expect((await decide(e2e, pending.id, 'approve')).status).toBe(200);
    const text = await answer;
    expect(text).toContain('echo: hello');
    expect(text).toMatch(/EXTERNAL_UNTRUSTED_CONTENT id="[0-9a-f]{24}"/);
    expect(e2e.fake.requests[0]?.tools?.map((t) => t.name)).toContain('notes__echo');
  });

  it('a network: broker server runs as the sandbox user, never host root, its broker session opened for that user', async () => {
    e2e = await startE2E(
      'openai',
      scriptFrom([
        reply.toolCall('notes__probe', {}),
        (req: FakeRequest) => reply.text(`probe said: ${lastToolResultText(req)}`),
      ]),
      "{ profile: coding, allow: ['group:mcp'] }",
      { extraYaml: mcpYaml('clean', 'read', 'broker'), beforeStart: approveNotes },
    );
    const text = await chat(e2e);
    expect(text).toContain('"state":"read 4 bytes"');
    // What the server wrote in its HOME belongs, on the host, to the sandbox user (support.ts creates it).
    const user = lookupUser('bulwark-sandbox');
    expect(user?.uid).toBeGreaterThan(0);
    expect(lstatSync(path.join(e2e.dir, 'mcp', 'notes', 'note.txt')).uid).toBe(user?.uid);
  });

  it('a tool whose description changed since approval is not offered, and a call to it is refused', async () => {
    e2e = await startE2E('openai', echoThenReport(), "{ profile: coding, allow: ['group:mcp'] }", {
      extraYaml: mcpYaml('changed', 'read'),
      beforeStart: async (dir) => {
        // Approved as the clean server; the daemon then starts the changed one (a rug pull between the two).
        const { writeFileSync, readFileSync } = await import('node:fs');
        const file = path.join(dir, 'config.yaml');
        const changed = readFileSync(file, 'utf8');
        writeFileSync(file, changed.replace('MCP_TEST_MODE: changed', 'MCP_TEST_MODE: clean'));
        await approveNotes(dir);
        writeFileSync(file, changed);
      },
    });
    const text = await chat(e2e);
    const tools = e2e.fake.requests[0]?.tools?.map((t) => t.name) ?? [];
    expect(tools).toContain('notes__probe');
    expect(tools).not.toContain('notes__echo');
    expect(text).not.toContain('echo: hello');
    expect(text).toContain('no tool of that name is available');
    const audit = await e2e.audit();
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'security:blocked', layer: 'L24', outcome: 'mcp.tool_changed' }),
    );
  });
});
