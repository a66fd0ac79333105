/** A real daemon (in-process, port 0, temp data dir) wired to the fake provider over HTTP. */
import { mkdtempSync, readFileSync, existsSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { expect } from 'vitest';
import path from 'node:path';
import { resetEnvSnapshotForTests } from '../../src/config/env.js';
import { openTokenAdmin, startDaemon, type RunningDaemon } from '../../src/daemon.js';
import { openSecretStore } from '../../src/secrets/index.js';
import { ensureSandboxUser } from '../../src/exec/sandbox-user.js';
import {
  startFakeProvider,
  type FakeProvider,
  type FakeRequest,
  type FakeScript,
  type WireFormat,
} from '../support/fake-provider.js';
import { EventBus } from '../../src/core/index.js';

export const FAKE_KEY_NAME = 'E2E_FAKE_PROVIDER_KEY';
export const FAKE_KEY_VALUE = 'sk-e2e-fake-0123456789abcdef';

export interface E2E {
  readonly dir: string;
  readonly daemon: RunningDaemon;
  readonly fake: FakeProvider;
  readonly token: string;
  /** A token with the admin scope only: the operator's, for /v1/approvals. */
  readonly adminToken: string;
  readonly workspace: string;
  /** The audit log's lines, once every event audited so far is written. */
  audit(): Promise<Array<Record<string, unknown>>>;
  close(): Promise<void>;
}

export function tempDataDir(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-e2e-')), 'home');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

export interface E2EOptions {
  /** The default agent's system prompt (one line; quoted into YAML). */
  readonly systemPrompt?: string;
  /** Top-level YAML sections appended to config.yaml (e.g. "output: { maxResponseChars: 1024 }"). */
  readonly extraYaml?: string;
  /** Secrets put into the data dir's vault before the daemon starts (a master key file beside the data dir). */
  readonly vault?: Readonly<Record<string, string>>;
  /** Runs on the data dir after config.yaml is written, before the daemon starts (e.g. approving MCP tools). */
  readonly beforeStart?: (dataDir: string) => Promise<void>;
  /** The chat token is the owner's (as the first token of `bulwark init`): only the owner's turns run under grants. */
  readonly owner?: boolean;
  /**
   * The default agent's `approvals.strangers`. These tests are about other layers and mostly chat with a non-owner
   * token, so it is `allow` here unless a test asks; the daemon's own default is `ask`.
   */
  readonly strangers?: 'ask' | 'allow' | 'deny';
}

/** `tools: …` of the default agent, with its `approvals.strangers` merged into an approvals map the tools text may carry. */
function agentToolsYaml(agentTools: string, strangers: string): string {
  const inline = /\n(\s+)approvals: \{/;
  return inline.test(agentTools)
    ? agentTools.replace(inline, (m) => `${m} strangers: ${strangers},`)
    : `${agentTools}\n    approvals: { strangers: ${strangers} }`;
}

export function configYaml(
  format: WireFormat,
  baseUrl: string,
  agentTools = '{ profile: coding }',
  options: E2EOptions = {},
): string {
  return `server: { host: 127.0.0.1, port: 0 }
providers:
  fake:
    type: ${format}
    baseUrl: ${baseUrl}
    apiKey: { secret: ${FAKE_KEY_NAME} }
agents:
  - id: default
    provider: fake
    model: fake-model
    systemPrompt: ${options.systemPrompt !== undefined ? JSON.stringify(options.systemPrompt) : 'You are a test agent.'}
    tools: ${agentToolsYaml(agentTools, options.strangers ?? 'allow')}
  - id: unconfigured
${options.extraYaml !== undefined ? `${options.extraYaml}\n` : ''}`;
}

export async function startE2E(
  format: WireFormat,
  script: FakeScript,
  agentTools?: string,
  options: E2EOptions = {},
): Promise<E2E> {
  process.env[FAKE_KEY_NAME] = FAKE_KEY_VALUE;
  resetEnvSnapshotForTests();
  const fake = await startFakeProvider({ script });
  const dir = tempDataDir();
  let yamlOptions = options;
  if (options.vault) {
    const keyFile = path.join(path.dirname(dir), 'master.key');
    const store = openSecretStore({
      bus: new EventBus(),
      dataDir: dir,
      masterKeySource: { keyFile, create: true, dataDir: dir },
    });
    if (!store.ok) throw new Error(store.error.message);
    for (const [name, value] of Object.entries(options.vault)) {
      const set = store.value.set(name, value);
      if (!set.ok) throw new Error(set.error.message);
    }
    store.value.close();
    const secrets = `secrets: { masterKeyFile: ${keyFile} }`;
    yamlOptions = { ...options, extraYaml: options.extraYaml ? `${options.extraYaml}\n${secrets}` : secrets };
  }
  writeFileSync(
    path.join(dir, 'config.yaml'),
    configYaml(format, format === 'openai' ? fake.openaiBaseUrl : fake.anthropicBaseUrl, agentTools, yamlOptions),
    { mode: 0o600 },
  );
  // What `bulwark init` does on a root host: the sandbox user exists, so commands never run as host root.
  const user = ensureSandboxUser('bulwark-sandbox');
  if (!user.ok) throw new Error(user.error.message);
  await options.beforeStart?.(dir);
  const daemon = await startDaemon({ dataDir: dir, port: 0 });
  const admin = openTokenAdmin(dir);
  if (!admin.ok) throw new Error(admin.error.message);
  const created = admin.value.create('e2e', ['chat'], options.owner ? { owner: true } : {});
  const operator = admin.value.create('operator', ['admin']);
  admin.value.close();
  if (!created.ok) throw new Error(created.error.message);
  if (!operator.ok) throw new Error(operator.error.message);
  const auditFile = path.join(dir, 'audit.jsonl');
  return {
    dir,
    daemon,
    fake,
    token: created.value.token,
    adminToken: operator.value.token,
    workspace: path.join(dir, 'workspaces', 'default'),
    audit: async () => {
      await daemon.flushAudit();
      return existsSync(auditFile)
        ? readFileSync(auditFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as Record<string, unknown>)
        : [];
    },
    close: async () => {
      await daemon.close();
      await fake.close();
    },
  };
}

/** Text of the tool result(s) in the last message the agent sent to the provider, in either wire format. */
export function lastToolResultText(request: FakeRequest): string {
  const last = request.messages.at(-1) ?? {};
  if (request.format === 'openai') {
    const results = request.messages.filter((m) => m.role === 'tool');
    return results.length && last.role === 'tool' ? String(results.at(-1)?.content ?? '') : '';
  }
  const blocks = Array.isArray(last.content) ? (last.content as Array<Record<string, unknown>>) : [];
  return blocks
    .filter((b) => b.type === 'tool_result')
    .map((b) =>
      typeof b.content === 'string'
        ? b.content
        : Array.isArray(b.content)
          ? (b.content as Array<{ text?: string }>).map((p) => p.text ?? '').join('')
          : '',
    )
    .join('\n');
}

export interface PendingView {
  readonly id: string;
  readonly status: string;
  readonly view: {
    readonly tool: string;
    readonly classes: readonly string[];
    readonly reasons: readonly string[];
    readonly args: string;
  };
}

/** Plays the operator over the daemon's /v1/approvals API: waits for the next pending request. */
export async function nextApproval(e: E2E, timeoutMs = 10_000): Promise<PendingView> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${e.daemon.url}/v1/approvals`, { headers: { authorization: `Bearer ${e.adminToken}` } });
    if (res.status !== 200) throw new Error(`GET /v1/approvals answered ${res.status}: ${await res.text()}`);
    const list = (await res.json()) as { data: PendingView[] };
    if (list.data[0]) return list.data[0];
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no approval request arrived');
}

/** One chat turn with the chat token; the HTTP status (the body is read and dropped). */
export async function chatStatus(e: E2E, content: string): Promise<number> {
  const res = await fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content }] }),
  });
  await res.text();
  return res.status;
}

/** The content of each delta of an SSE chat-completion body, in order. */
export function contentDeltas(body: string): string[] {
  const out: string[] = [];
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    const chunk = JSON.parse(line.slice(6)) as { choices?: Array<{ delta?: { content?: string } }> };
    for (const c of chunk.choices ?? []) if (c.delta?.content) out.push(c.delta.content);
  }
  return out;
}

/** One chat turn with the chat token, streamed or not; the answer's text (expects 200). */
export async function chatText(e: E2E, content: string, stream: boolean): Promise<string> {
  const res = await fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${e.token}` },
    body: JSON.stringify({ model: 'default', stream, messages: [{ role: 'user', content }] }),
  });
  expect(res.status).toBe(200);
  const body = await res.text();
  if (!stream)
    return (JSON.parse(body) as { choices: Array<{ message: { content: string } }> }).choices[0]?.message.content ?? '';
  return contentDeltas(body).join('');
}

/** Decides as an operator does: looks at the request, then sends its effectHash with the decision. */
export async function decide(e: E2E, id: string, decision: 'approve' | 'deny'): Promise<Response> {
  const shown = await fetch(`${e.daemon.url}/v1/approvals/${id}`, {
    headers: { authorization: `Bearer ${e.adminToken}` },
  });
  const { effectHash } = (await shown.json()) as { effectHash?: string };
  return fetch(`${e.daemon.url}/v1/approvals/${id}/${decision}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${e.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ reason: `e2e ${decision}`, ...(effectHash ? { effectHash } : {}) }),
  });
}

/**
 * The body of a tool result as the tool produced it: L23/L03 wrap every result in random
 * delimiters with a warning header (and a line per finding) before the model sees it; this strips that wrapper.
 */
export function toolResultBody(text: string): string {
  const lines = text.split('\n');
  const id = /^<<<EXTERNAL_UNTRUSTED_CONTENT id="([0-9a-f]{24})"[^\n]*>>>$/.exec(lines[0] ?? '')?.[1];
  // A local tool's result is not framed; L23's warning line may lead it.
  if (id === undefined) return lines[0]?.startsWith('[bulwark] Warning: ') ? lines.slice(1).join('\n') : text;
  if (lines.at(-1) !== `<<<END_EXTERNAL_UNTRUSTED_CONTENT id="${id}">>>`) return text;
  let start = 1;
  while (start < lines.length - 1 && (lines[start] as string).startsWith('[bulwark]')) start++;
  return start === 1 ? text : lines.slice(start, -1).join('\n');
}

/** A chat turn to any running daemon by URL and token (one restarted in the test), optionally in a session. */
export async function chatAt(url: string, token: string, content: string, session?: string): Promise<Response> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      ...(session ? { 'x-bulwark-session': session } : {}),
    },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content }] }),
  });
  await res.clone().text();
  return res;
}
