/**
 * The drill's hostile model: an OpenAI-compatible Chat Completions server (JSON and SSE streaming, tool calls) on
 * the jail's loopback. It plays whatever a scenario says — text, tool calls with any arguments — filled from what
 * the daemon sent it. It exists only inside a drill: no daemon configuration can name it, and the drill starts it
 * in its own jail for the run and stops it after.
 *
 * Routes: POST /s/<agent>/v1/chat/completions, GET /s/<agent>/v1/models — one base URL per drilled agent, so each
 * request is tied to its scenario by the URL the daemon was configured with.
 */
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { describeCause } from '../core/index.js';

export interface ProviderRequest {
  /** The drilled agent whose base URL was called. */
  readonly agent: string;
  readonly headers: IncomingHttpHeaders;
  /** The request body as received (JSON text). */
  readonly raw: string;
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** The system message(s), joined. */
  readonly system: string;
  readonly messages: readonly Record<string, unknown>[];
}

export interface ProviderToolCall {
  readonly name: string;
  /** The arguments exactly as sent (JSON text, or anything: a model may send broken JSON). */
  readonly arguments: string;
}

export interface ProviderReply {
  readonly text?: string;
  readonly toolCalls?: readonly ProviderToolCall[];
  /** Tokens billed for this answer. */
  readonly usage: { readonly input: number; readonly output: number };
  /** An error answer instead (status and message). */
  readonly error?: { readonly status: number; readonly message: string };
}

export type Director = (request: ProviderRequest) => ProviderReply;

export interface HostileProvider {
  /** Base URL for one agent: http://127.0.0.1:<port>/s/<agent>/v1 */
  baseUrl(agent: string): string;
  close(): Promise<void>;
}

const MAX_BODY = 32 * 1024 * 1024;
const ROUTE = /^\/s\/([a-z0-9][a-z0-9_-]{0,63})\/v1\/(chat\/completions|models)$/;

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content))
    return content.map((b) => (typeof asRecord(b).text === 'string' ? String(asRecord(b).text) : '')).join('');
  return '';
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body larger than 32 MB'));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function pieces(text: string): string[] {
  if (text === '') return [];
  const size = Math.max(1, Math.ceil(text.length / 3));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function answer(res: ServerResponse, req: ProviderRequest, reply: ProviderReply): void {
  const id = `chatcmpl-${randomBytes(8).toString('hex')}`;
  const created = Math.floor(Date.now() / 1000);
  const calls = (reply.toolCalls ?? []).map((c) => ({ id: `call_${randomBytes(8).toString('hex')}`, ...c }));
  const text = reply.text ?? '';
  const finish = calls.length > 0 ? 'tool_calls' : 'stop';
  const usage = {
    prompt_tokens: reply.usage.input,
    completion_tokens: reply.usage.output,
    total_tokens: reply.usage.input + reply.usage.output,
  };
  if (!req.stream) {
    sendJson(res, 200, {
      id,
      object: 'chat.completion',
      created,
      model: req.model,
      choices: [
        {
          index: 0,
          message: {
            role: 'assistant',
            content: text === '' && calls.length > 0 ? null : text,
            ...(calls.length > 0
              ? {
                  tool_calls: calls.map((c) => ({
                    id: c.id,
                    type: 'function',
                    function: { name: c.name, arguments: c.arguments },
                  })),
                }
              : {}),
          },
          finish_reason: finish,
        },
      ],
      usage,
    });
    return;
  }
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) =>
    `data: ${JSON.stringify({
      id,
      object: 'chat.completion.chunk',
      created,
      model: req.model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    })}\n\n`;
  let out = chunk({ role: 'assistant', content: '' });
  for (const p of pieces(text)) out += chunk({ content: p });
  calls.forEach((c, index) => {
    out += chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] });
    out += chunk({ tool_calls: [{ index, function: { arguments: c.arguments } }] });
  });
  out += chunk({}, finish);
  if (req.includeUsage)
    out += `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: req.model, choices: [], usage })}\n\n`;
  out += 'data: [DONE]\n\n';
  res.end(out);
}

function parse(agent: string, headers: IncomingHttpHeaders, raw: string): ProviderRequest {
  // A body that is not JSON throws: the handler answers 500 and the daemon sees a failing provider.
  const body = asRecord(JSON.parse(raw));
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]).map(asRecord) : [];
  return {
    agent,
    headers,
    raw,
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    includeUsage: asRecord(body.stream_options).include_usage === true,
    system: messages
      .filter((m) => m.role === 'system' || m.role === 'developer')
      .map((m) => textOf(m.content))
      .join('\n'),
    messages,
  };
}

export async function startHostileProvider(
  director: Director,
  host = '127.0.0.1',
  listenPort = 0,
): Promise<HostileProvider> {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const route = ROUTE.exec(path);
    if (!route) {
      sendJson(res, 404, { error: { message: `no route for ${req.method ?? '?'} ${path}`, type: 'not_found' } });
      return;
    }
    const agent = route[1] as string;
    if (route[2] === 'models') {
      sendJson(res, 200, { object: 'list', data: [{ id: 'drill', object: 'model', owned_by: 'drill' }] });
      return;
    }
    const raw = await readBody(req);
    const request = parse(agent, req.headers, raw);
    const reply = director(request);
    if (reply.error) {
      sendJson(res, reply.error.status, {
        error: { message: reply.error.message, type: 'server_error', code: 'server_error', param: null },
      });
      return;
    }
    answer(res, request, reply);
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((cause: unknown) => {
      if (!res.headersSent && !res.destroyed)
        sendJson(res, 500, { error: { message: `hostile provider failed: ${describeCause(cause)}` } });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: (agent) => `http://${host}:${port}/s/${agent}/v1`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}
