/**
 * A scripted LLM server on 127.0.0.1 that speaks enough of the OpenAI Chat Completions and the
 * Anthropic Messages wire formats (JSON and SSE streaming, tool calls) for the official SDKs.
 *
 *   const fake = await startFakeProvider({ script: scriptFrom([reply.toolCalls([...]), reply.text('done')]) });
 *   new OpenAI({ baseURL: fake.openaiBaseUrl, apiKey: 'k' });      // POST /v1/chat/completions
 *   new Anthropic({ baseURL: fake.anthropicBaseUrl, apiKey: 'k' }); // POST /v1/messages
 *
 * Every request is recorded (headers included) so tests can check what the client really sent.
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

export type WireFormat = 'openai' | 'anthropic';

export interface FakeTool {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema?: unknown;
}

export interface FakeRequest {
  readonly format: WireFormat;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** API key the client sent (`Authorization: Bearer`, or Anthropic's `x-api-key`). */
  readonly apiKey: string | undefined;
  readonly model: string;
  readonly stream: boolean;
  /** System prompt: Anthropic `system`, or the OpenAI `system` message(s) joined. */
  readonly system: string;
  /** Messages exactly as sent on the wire (OpenAI messages include the system message). */
  readonly messages: readonly Record<string, unknown>[];
  readonly tools: readonly FakeTool[];
  readonly toolNames: readonly string[];
  /** The whole parsed body. */
  readonly body: Record<string, unknown>;
}

export interface FakeToolCall {
  readonly name: string;
  /** An object is sent as JSON; a string is sent verbatim (to test invalid JSON from a model). */
  readonly arguments: object | string;
  /** The call id the model chooses (model output like any other); random when absent. */
  readonly id?: string;
}

export interface FakeReply {
  readonly text?: string;
  readonly toolCalls?: readonly FakeToolCall[];
  /** Explicit text chunking for streaming replies (otherwise the text is cut into a few pieces). */
  readonly chunks?: readonly string[];
  /** Non-2xx status: answer with a provider-style error body. */
  readonly status?: number;
  readonly errorMessage?: string;
  /** Wait before answering (headers included). */
  readonly delayMs?: number;
  /** Wait between streamed events. */
  readonly chunkDelayMs?: number;
  /** Never answer; the connection stays open until the client gives up or the server closes. */
  readonly hang?: boolean;
  /** Send the first streamed events, then hang (tests cancellation mid-stream). */
  readonly hangAfterFirstChunk?: boolean;
  readonly usage?: { readonly inputTokens: number; readonly outputTokens: number };
  /**
   * Streaming only: several usage reports instead of one. OpenAI: one usage chunk each, in order, after the finish;
   * Anthropic: the first in message_start, the last (input_tokens included) in message_delta.
   */
  readonly usageReports?: ReadonlyArray<{ readonly inputTokens: number; readonly outputTokens: number }>;
  /** Streaming OpenAI: usage chunks carry no `choices` field at all (as some compatible servers send them). */
  readonly usageWithoutChoices?: boolean;
  /**
   * Streaming only: reasoning sent before the text, in a few pieces: OpenAI-compatible `delta.reasoning_content`, an
   * Anthropic thinking block (thinking deltas, then a signature delta).
   */
  readonly reasoning?: string;
  readonly stopReason?: 'end' | 'max_tokens';
  /**
   * Streaming OpenAI: `delta.content` as some compatible servers send it — an array of text parts, or a value that is
   * not text at all (a number chunk before the text).
   */
  readonly contentAs?: 'parts' | 'not-text';
  /** Streaming Anthropic: prompt tokens read from and written to the cache, reported beside input_tokens. */
  readonly cacheTokens?: { readonly read: number; readonly creation: number };
  /** Streaming Anthropic: the first text piece comes in the text block's content_block_start. */
  readonly textInBlockStart?: boolean;
}

export type FakeScript = (request: FakeRequest, callIndex: number) => FakeReply | Promise<FakeReply>;

export interface FakeProvider {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Base URL for the OpenAI SDK (`…/v1`). */
  readonly openaiBaseUrl: string;
  /** Base URL for the Anthropic SDK (the SDK appends `/v1/messages`). */
  readonly anthropicBaseUrl: string;
  readonly requests: readonly FakeRequest[];
  readonly calls: number;
  close(): Promise<void>;
}

export const reply = {
  text(text: string, extra: Omit<FakeReply, 'text'> = {}): FakeReply {
    return { ...extra, text };
  },
  toolCalls(calls: readonly FakeToolCall[], extra: Omit<FakeReply, 'toolCalls'> = {}): FakeReply {
    return { ...extra, toolCalls: calls };
  },
  toolCall(name: string, args: object | string, extra: Omit<FakeReply, 'toolCalls'> = {}): FakeReply {
    return { ...extra, toolCalls: [{ name, arguments: args }] };
  },
  error(status: number, errorMessage = 'fake provider error'): FakeReply {
    return { status, errorMessage };
  },
  hang(): FakeReply {
    return { hang: true };
  },
};

/** Replies in order; a call past the end gets a 500 naming the exhausted script, so the test fails loudly. */
export function scriptFrom(steps: ReadonlyArray<FakeReply | FakeScript>): FakeScript {
  return (request, callIndex) => {
    const step = steps[callIndex];
    if (step === undefined) return reply.error(500, `fake provider script exhausted after ${steps.length} replies`);
    return typeof step === 'function' ? step(request, callIndex) : step;
  };
}

const MAX_BODY = 16 * 1024 * 1024;

function hex(n: number): string {
  return randomBytes(n).toString('hex');
}

/** Roughly what a provider counts (its whole request, tool definitions included), so honest usage stays above L21's floor. */
function approxTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function argsText(args: object | string): string {
  return typeof args === 'string' ? args : JSON.stringify(args);
}

function splitText(r: FakeReply): string[] {
  if (r.chunks) return [...r.chunks];
  return thirds(r.text ?? '');
}

function thirds(text: string): string[] {
  if (text === '') return [];
  const size = Math.max(1, Math.ceil(text.length / 3));
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

function splitArgs(s: string): string[] {
  if (s.length < 2) return [s];
  const mid = Math.floor(s.length / 2);
  return [s.slice(0, mid), s.slice(mid)];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function asRecord(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((b) => (typeof asRecord(b).text === 'string' ? (asRecord(b).text as string) : '')).join('');
  }
  return '';
}

function parseRequest(
  format: WireFormat,
  path: string,
  headers: IncomingHttpHeaders,
  body: Record<string, unknown>,
): FakeRequest {
  const messages = Array.isArray(body.messages) ? (body.messages as unknown[]).map(asRecord) : [];
  const rawTools = Array.isArray(body.tools) ? (body.tools as unknown[]).map(asRecord) : [];
  let tools: FakeTool[];
  let system: string;
  let apiKey: string | undefined;
  if (format === 'openai') {
    tools = rawTools.map((t) => {
      const f = asRecord(t.function);
      return {
        name: String(f.name),
        description: typeof f.description === 'string' ? f.description : undefined,
        inputSchema: f.parameters,
      };
    });
    system = messages
      .filter((m) => m.role === 'system' || m.role === 'developer')
      .map((m) => textOf(m.content))
      .join('\n');
    const auth = headers.authorization;
    apiKey = typeof auth === 'string' && auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : undefined;
  } else {
    tools = rawTools.map((t) => ({
      name: String(t.name),
      description: typeof t.description === 'string' ? t.description : undefined,
      inputSchema: t.input_schema,
    }));
    system = textOf(body.system);
    // Older SDKs send x-api-key; newer ones send Authorization: Bearer.
    const key = headers['x-api-key'];
    const auth = headers.authorization;
    apiKey =
      typeof key === 'string'
        ? key
        : typeof auth === 'string' && auth.startsWith('Bearer ')
          ? auth.slice('Bearer '.length)
          : undefined;
  }
  return {
    format,
    path,
    headers,
    apiKey,
    model: typeof body.model === 'string' ? body.model : '',
    stream: body.stream === true,
    system,
    messages,
    tools,
    toolNames: tools.map((t) => t.name),
    body,
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolveBody, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolveBody(Buffer.concat(parts).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, format: WireFormat, status: number, message: string): void {
  if (format === 'anthropic') {
    const type =
      status === 401
        ? 'authentication_error'
        : status === 429
          ? 'rate_limit_error'
          : status >= 500
            ? 'api_error'
            : 'invalid_request_error';
    sendJson(res, status, { type: 'error', error: { type, message } });
  } else {
    const type =
      status === 401
        ? 'invalid_api_key'
        : status === 429
          ? 'rate_limit_exceeded'
          : status >= 500
            ? 'server_error'
            : 'invalid_request_error';
    sendJson(res, status, { error: { message, type, code: type, param: null } });
  }
}

interface StreamWriter {
  write(event: string | null, data: unknown): Promise<boolean>;
  end(): void;
}

function sseWriter(res: ServerResponse, r: FakeReply): StreamWriter {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
  let sent = 0;
  return {
    async write(event, data) {
      if (res.destroyed || res.writableEnded) return false;
      if (sent > 0 && r.chunkDelayMs) await sleep(r.chunkDelayMs);
      if (sent === 1 && r.hangAfterFirstChunk) return false;
      if (res.destroyed) return false;
      const payload = typeof data === 'string' ? data : JSON.stringify(data);
      res.write(`${event ? `event: ${event}\n` : ''}data: ${payload}\n\n`);
      sent += 1;
      return true;
    },
    end() {
      if (!res.destroyed && !res.writableEnded) res.end();
    },
  };
}

// ---------------------------------------------------------------- OpenAI

async function answerOpenAI(res: ServerResponse, req: FakeRequest, r: FakeReply): Promise<void> {
  const id = `chatcmpl-${hex(8)}`;
  const created = Math.floor(Date.now() / 1000);
  const calls = (r.toolCalls ?? []).map((c) => ({
    id: c.id ?? `call_${hex(8)}`,
    name: c.name,
    args: argsText(c.arguments),
  }));
  const text = r.chunks ? r.chunks.join('') : (r.text ?? '');
  const finish = calls.length > 0 ? 'tool_calls' : r.stopReason === 'max_tokens' ? 'length' : 'stop';
  const usage = {
    prompt_tokens: r.usage?.inputTokens ?? approxTokens(JSON.stringify(req.body)),
    completion_tokens:
      r.usage?.outputTokens ?? approxTokens((r.reasoning ?? '') + text + calls.map((c) => c.name + c.args).join('')),
  };
  const usageBody = { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens };

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
            refusal: null,
            ...(calls.length > 0
              ? {
                  tool_calls: calls.map((c) => ({
                    id: c.id,
                    type: 'function',
                    function: { name: c.name, arguments: c.args },
                  })),
                }
              : {}),
          },
          logprobs: null,
          finish_reason: finish,
        },
      ],
      usage: usageBody,
    });
    return;
  }

  const w = sseWriter(res, r);
  const chunk = (delta: Record<string, unknown>, finishReason: string | null = null): Record<string, unknown> => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: req.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
  });
  if (!(await w.write(null, chunk({ role: 'assistant', content: '' })))) return;
  for (const piece of thirds(r.reasoning ?? ''))
    if (!(await w.write(null, chunk({ reasoning_content: piece })))) return;
  if (r.contentAs === 'not-text' && !(await w.write(null, chunk({ content: 42 })))) return;
  for (const piece of splitText(r)) {
    const content = r.contentAs === 'parts' ? [{ type: 'text', text: piece }] : piece;
    if (!(await w.write(null, chunk({ content })))) return;
  }
  for (const [index, c] of calls.entries()) {
    const ok = await w.write(
      null,
      chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] }),
    );
    if (!ok) return;
    for (const piece of splitArgs(c.args)) {
      if (!(await w.write(null, chunk({ tool_calls: [{ index, function: { arguments: piece } }] })))) return;
    }
  }
  if (!(await w.write(null, chunk({}, finish)))) return;
  const streamOptions = asRecord(req.body.stream_options);
  if (streamOptions.include_usage === true) {
    const reports = r.usageReports?.map((u) => ({
      prompt_tokens: u.inputTokens,
      completion_tokens: u.outputTokens,
      total_tokens: u.inputTokens + u.outputTokens,
    })) ?? [usageBody];
    for (const report of reports) {
      const ok = await w.write(null, {
        id,
        object: 'chat.completion.chunk',
        created,
        model: req.model,
        ...(r.usageWithoutChoices ? {} : { choices: [] }),
        usage: report,
      });
      if (!ok) return;
    }
  }
  if (!(await w.write(null, '[DONE]'))) return;
  w.end();
}

// ---------------------------------------------------------------- Anthropic

async function answerAnthropic(res: ServerResponse, req: FakeRequest, r: FakeReply): Promise<void> {
  const id = `msg_${hex(12)}`;
  const calls = (r.toolCalls ?? []).map((c) => ({
    id: c.id ?? `toolu_${hex(12)}`,
    name: c.name,
    args: argsText(c.arguments),
    raw: c.arguments,
  }));
  const text = r.chunks ? r.chunks.join('') : (r.text ?? '');
  const stop = calls.length > 0 ? 'tool_use' : r.stopReason === 'max_tokens' ? 'max_tokens' : 'end_turn';
  const inputTokens = r.usage?.inputTokens ?? approxTokens(JSON.stringify(req.body));
  const outputTokens =
    r.usage?.outputTokens ?? approxTokens((r.reasoning ?? '') + text + calls.map((c) => c.name + c.args).join(''));

  if (!req.stream) {
    const content: Record<string, unknown>[] = [];
    if (text !== '') content.push({ type: 'text', text, citations: null });
    for (const c of calls)
      content.push({ type: 'tool_use', id: c.id, name: c.name, input: typeof c.raw === 'string' ? {} : c.raw });
    sendJson(res, 200, {
      id,
      type: 'message',
      role: 'assistant',
      model: req.model,
      content,
      stop_reason: stop,
      stop_sequence: null,
      usage: { input_tokens: inputTokens, output_tokens: outputTokens },
    });
    return;
  }

  const w = sseWriter(res, r);
  const send = (type: string, data: Record<string, unknown>): Promise<boolean> => w.write(type, { type, ...data });
  const firstReport = r.usageReports?.[0];
  const lastReport = r.usageReports?.at(-1);
  const started = await send('message_start', {
    message: {
      id,
      type: 'message',
      role: 'assistant',
      model: req.model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        ...(firstReport
          ? { input_tokens: firstReport.inputTokens, output_tokens: firstReport.outputTokens }
          : { input_tokens: inputTokens, output_tokens: 1 }),
        ...(r.cacheTokens
          ? {
              cache_read_input_tokens: r.cacheTokens.read,
              cache_creation_input_tokens: r.cacheTokens.creation,
            }
          : {}),
      },
    },
  });
  if (!started) return;
  let index = 0;
  if (r.reasoning !== undefined) {
    if (
      !(await send('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } }))
    )
      return;
    for (const p of thirds(r.reasoning))
      if (!(await send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking: p } }))) return;
    const signature = Buffer.from(hex(32)).toString('base64');
    if (!(await send('content_block_delta', { index, delta: { type: 'signature_delta', signature } }))) return;
    if (!(await send('content_block_stop', { index }))) return;
    index += 1;
  }
  const pieces = splitText(r);
  if (pieces.length > 0) {
    const first = r.textInBlockStart ? (pieces.shift() ?? '') : '';
    if (!(await send('content_block_start', { index, content_block: { type: 'text', text: first } }))) return;
    for (const p of pieces)
      if (!(await send('content_block_delta', { index, delta: { type: 'text_delta', text: p } }))) return;
    if (!(await send('content_block_stop', { index }))) return;
    index += 1;
  }
  for (const c of calls) {
    if (
      !(await send('content_block_start', {
        index,
        content_block: { type: 'tool_use', id: c.id, name: c.name, input: {} },
      }))
    )
      return;
    for (const p of splitArgs(c.args)) {
      if (!(await send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: p } }))) return;
    }
    if (!(await send('content_block_stop', { index }))) return;
    index += 1;
  }
  if (
    !(await send('message_delta', {
      delta: { stop_reason: stop, stop_sequence: null },
      usage: lastReport
        ? { input_tokens: lastReport.inputTokens, output_tokens: lastReport.outputTokens }
        : { output_tokens: outputTokens },
    }))
  )
    return;
  if (!(await send('message_stop', {}))) return;
  w.end();
}

/**
 * What the Messages API itself answers 400 to in sampling: temperature outside 0–1, and (on its current models)
 * temperature together with top_p. The script is not consulted: the real service never runs such a request.
 */
function anthropicSamplingRefusal(body: Record<string, unknown>): string | undefined {
  const t = body['temperature'];
  if (typeof t === 'number' && (t < 0 || t > 1)) return 'temperature: must be between 0 and 1 (fake provider)';
  if (t !== undefined && body['top_p'] !== undefined)
    return 'temperature and top_p are not both accepted for this model (fake provider)';
  return undefined;
}

// ---------------------------------------------------------------- server

export async function startFakeProvider(options: { script: FakeScript }): Promise<FakeProvider> {
  const requests: FakeRequest[] = [];
  let calls = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const format: WireFormat | undefined =
      req.method === 'POST' && path === '/v1/chat/completions'
        ? 'openai'
        : req.method === 'POST' && path === '/v1/messages'
          ? 'anthropic'
          : undefined;
    if (!format) {
      sendJson(res, 404, {
        error: { message: `fake provider: no route for ${req.method ?? '?'} ${path}`, type: 'not_found' },
      });
      return;
    }
    let body: Record<string, unknown>;
    try {
      body = asRecord(JSON.parse(await readBody(req)));
    } catch (e) {
      sendError(res, format, 400, `fake provider: bad request body (${e instanceof Error ? e.message : 'unknown'})`);
      return;
    }
    const parsed = parseRequest(format, path, req.headers, body);
    requests.push(parsed);
    const callIndex = calls;
    calls += 1;
    const refused = format === 'anthropic' ? anthropicSamplingRefusal(body) : undefined;
    if (refused) {
      sendError(res, format, 400, refused);
      return;
    }
    const r = await options.script(parsed, callIndex);
    if (r.delayMs) await sleep(r.delayMs);
    if (r.hang) return; // left open: the client's timeout/abort or close() ends it
    if (res.destroyed) return;
    if (r.status !== undefined && (r.status < 200 || r.status >= 300)) {
      sendError(res, format, r.status, r.errorMessage ?? `fake provider error ${r.status}`);
      return;
    }
    if (format === 'openai') await answerOpenAI(res, parsed, r);
    else await answerAnthropic(res, parsed, r);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, {
          error: { message: `fake provider crashed: ${e instanceof Error ? e.message : 'unknown'}` },
        });
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    get calls() {
      return calls;
    },
    /** Idempotent: a test may close early (to simulate a dead provider) and again in afterEach. */
    close() {
      if (closing) return closing;
      closing = new Promise<void>((r, reject) => {
        server.close((e) => (e ? reject(e) : r()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** The session canary bulwark put in this request's system prompt. */
export function canaryIn(req: FakeRequest): string {
  const m = /CTKN_[0-9a-f]{16}/.exec(req.system);
  if (!m) throw new Error(`no canary in the system prompt: ${req.system}`);
  return m[0];
}
