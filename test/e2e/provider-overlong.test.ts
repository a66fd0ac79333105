/**
 * A provider (or whatever answers at its URL) that never ends its answer: tool-call arguments or text streamed
 * steadily, so the silence timeout never fires. Without a bound the daemon kept the arguments until V8's string
 * limit (hundreds of MiB per turn); the answer is cut off as overlong once past what its max_tokens allows, the
 * provider's connection is closed, and the client gets a 502 that says why.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reply } from '../support/fake-provider.js';
import { startE2E, type E2E } from './support.js';

type Mode = 'openai-args' | 'openai-text' | 'anthropic-args';

let e2e: E2E | undefined;
let server: Server | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

/** An endless answer in 64 KiB pieces; resolves `closed` when the daemon hangs up. */
async function endless(mode: Mode): Promise<{ url: string; closed: Promise<number> }> {
  let sent = 0;
  let hungUp: (n: number) => void = () => undefined;
  const closed = new Promise<number>((r) => (hungUp = r));
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const data = (o: object, event?: string) =>
        res.write(`${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(o)}\n\n`);
      const base = { id: 'x', object: 'chat.completion.chunk', created: 1, model: 'm' };
      const piece = 'A'.repeat(65536);
      if (mode === 'anthropic-args') {
        data(
          {
            type: 'message_start',
            message: {
              id: 'm',
              type: 'message',
              role: 'assistant',
              model: 'm',
              content: [],
              usage: { input_tokens: 1, output_tokens: 1 },
            },
          },
          'message_start',
        );
        data(
          {
            type: 'content_block_start',
            index: 0,
            content_block: { type: 'tool_use', id: 't1', name: 'read', input: {} },
          },
          'content_block_start',
        );
      } else if (mode === 'openai-args')
        data({
          ...base,
          choices: [
            {
              index: 0,
              delta: {
                role: 'assistant',
                tool_calls: [
                  { index: 0, id: 'c1', type: 'function', function: { name: 'read', arguments: '{"path":"' } },
                ],
              },
            },
          ],
        });
      const next = () => {
        if (mode === 'anthropic-args')
          data(
            { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: piece } },
            'content_block_delta',
          );
        else if (mode === 'openai-args')
          data({
            ...base,
            choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: piece } }] } }],
          });
        else data({ ...base, choices: [{ index: 0, delta: { content: `${piece} ` } }] });
        sent += piece.length;
      };
      const t = setInterval(() => {
        for (let i = 0; i < 4; i++) next();
      }, 5);
      res.on('close', () => {
        clearInterval(t);
        hungUp(sent);
      });
    });
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}${mode.startsWith('anthropic') ? '' : '/v1'}`, closed };
}

describe('an answer that never ends is cut off as overlong', () => {
  it.each<Mode>(['openai-args', 'openai-text', 'anthropic-args'])('%s', async (mode) => {
    const { url, closed } = await endless(mode);
    e2e = await startE2E(mode.startsWith('anthropic') ? 'anthropic' : 'openai', () => reply.text('unused'), undefined, {
      beforeStart: async (dir) => {
        const cfg = path.join(dir, 'config.yaml');
        const port = new URL(url).port;
        writeFileSync(
          cfg,
          readFileSync(cfg, 'utf8').replace(/baseUrl: .*/, `baseUrl: ${url}`) +
            `net: { allow: ['127.0.0.1:${port}'] }\n`,
        );
      },
    });
    const res = await fetch(`${e2e.daemon.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${e2e.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content: 'hi' }] }),
    });
    const body = (await res.json()) as { error?: { code?: string; message?: string } };
    expect(res.status).toBe(502);
    expect(body.error?.code).toBe('provider.overlong');
    expect(body.error?.message).toMatch(/sent more than \d+ characters for one answer, far past its max_tokens/);
    // The daemon hung up on the provider soon after the bound, not at the turn timeout.
    const sent = await closed;
    expect(sent).toBeLessThan(8 * 1024 * 1024);
  });
});
