/** The session of `bulwark chat` (commands/chat.ts): the daemon's agent, then one streamed answer per line. */
import { createInterface } from 'node:readline';
import OpenAI, { APIConnectionError, APIError, APIUserAbortError } from 'openai';
import { describeCause } from '../../core/index.js';
import type { CliContext } from '../context.js';
import { fail, terminalSafe } from '../output.js';

const SESSION_HEADER = 'x-bulwark-session';

interface ToolProgress {
  readonly name?: string;
  readonly status?: string;
  readonly ok?: boolean;
}

function explain(error: unknown, url: string): string {
  if (error instanceof APIConnectionError)
    return `cannot reach the daemon at ${url}: is \`bulwark start\` running? (use --url for another address)`;
  if (error instanceof APIError) return error.message;
  return describeCause(error);
}

export async function chatSession(ctx: CliContext, url: string, token: string, agentId?: string): Promise<void> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: token, maxRetries: 0, timeout: 30 * 60_000 });
  let agent = agentId;
  if (!agent) {
    try {
      agent = (await client.models.list()).data[0]?.id;
    } catch (error) {
      return fail(ctx, explain(error, url));
    }
    if (!agent) return fail(ctx, 'the daemon lists no agents; add one under agents: in config.yaml');
  }
  await repl(ctx, client, agent, url);
}

async function repl(ctx: CliContext, client: OpenAI, agent: string, url: string): Promise<void> {
  const tty = process.stdin.isTTY === true;
  const rl = createInterface({
    input: process.stdin,
    ...(tty ? { output: process.stdout, terminal: true } : { terminal: false }),
  });
  let current: AbortController | undefined;
  let session: string | undefined;
  let failed = false;
  const onInterrupt = (): void => {
    if (current) current.abort();
    else rl.close();
  };
  rl.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);
  if (tty) ctx.stdout(`chatting with "${agent}" at ${url}; Ctrl-C cancels an answer, Ctrl-D leaves\n`);
  try {
    if (tty) rl.setPrompt('you> ');
    if (tty) rl.prompt();
    for await (const line of rl) {
      const text = line.trim();
      if (text.length > 0) {
        current = new AbortController();
        // The daemon keeps the conversation: after the first answer only the new message is sent,
        // with the session id it returned.
        const answer = await ask(ctx, client, agent, text, session, current.signal, url);
        current = undefined;
        if (answer.session) session = answer.session;
        if (!answer.ok) failed = true;
      }
      if (tty) rl.prompt();
    }
  } finally {
    rl.off('SIGINT', onInterrupt);
    process.off('SIGINT', onInterrupt);
    rl.close();
  }
  // In a terminal, errors were shown as they came; from a pipe, the exit code tells the caller.
  if (failed && !tty) ctx.setExitCode(1);
}

async function ask(
  ctx: CliContext,
  client: OpenAI,
  agent: string,
  message: string,
  session: string | undefined,
  signal: AbortSignal,
  url: string,
): Promise<{ ok: boolean; text: string; session?: string }> {
  let text = '';
  let newSession: string | undefined;
  try {
    const { data: stream, response } = await client.chat.completions
      .create(
        { model: agent, messages: [{ role: 'user', content: message }], stream: true },
        { signal, headers: { 'x-bulwark-events': 'tools', ...(session ? { [SESSION_HEADER]: session } : {}) } },
      )
      .withResponse();
    newSession = response.headers.get(SESSION_HEADER) ?? undefined;
    for await (const chunk of stream) {
      const tool = (chunk as unknown as { bulwark?: { tool?: ToolProgress } }).bulwark?.tool;
      if (tool)
        ctx.stderr(
          `[tool ${terminalSafe(tool.name ?? '?')} ${tool.status === 'finished' ? (tool.ok ? 'done' : 'failed') : 'running'}]\n`,
        );
      const delta = chunk.choices[0]?.delta?.content;
      if (delta) {
        text += delta;
        ctx.stdout(terminalSafe(delta));
      }
    }
    ctx.stdout('\n');
    // An aborted stream may simply end instead of throwing.
    if (signal.aborted) ctx.stderr('[answer cancelled]\n');
    return { ok: true, text, ...(newSession ? { session: newSession } : {}) };
  } catch (error) {
    if (text) ctx.stdout('\n');
    if (error instanceof APIUserAbortError || signal.aborted) {
      ctx.stderr('[answer cancelled]\n');
      return { ok: true, text, ...(newSession ? { session: newSession } : {}) };
    }
    ctx.stderr(`bulwark: ${explain(error, url)}\n`);
    return { ok: false, text, ...(newSession ? { session: newSession } : {}) };
  }
}
