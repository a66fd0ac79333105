/**
 * `bulwark chat`: a REPL against a running daemon over the OpenAI-compatible streaming API.
 * Reads one message per line, from a terminal or from a pipe; Ctrl-C cancels the answer in
 * progress (and leaves when idle).
 */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { daemonToken, daemonUrl } from '../daemon-url.js';
import { action, fail } from '../output.js';

interface ChatOptions {
  agent?: string;
  url?: string;
  token?: string;
}

export function register(program: Command, ctx: CliContext): void {
  program
    .command('chat')
    .description('chat with an agent of a running daemon (streaming); one message per line, also from a pipe')
    .option('--agent <id>', 'agent to talk to (default: the first one the daemon lists)')
    .option('--url <url>', 'daemon URL (default: from server.host/server.port in config.yaml)')
    .option('--token <token>', 'API token (prefer the BULWARK_TOKEN environment variable: flags show up in `ps`)')
    .addHelpText(
      'after',
      `
Ctrl-C cancels the answer being written; Ctrl-C at the prompt (or Ctrl-D / end of input) leaves.
Tool activity is shown on stderr, answers on stdout.

Examples:
  $ BULWARK_TOKEN=bwk_... bulwark chat
  $ echo "list the files in your workspace" | bulwark chat --agent default`,
    )
    .action(
      action(ctx, async (opts: ChatOptions) => {
        const url = daemonUrl(ctx, opts.url);
        if (typeof url !== 'string') return fail(ctx, url.error);
        const token = daemonToken(opts.token);
        if (!token)
          return fail(ctx, 'no API token: set BULWARK_TOKEN (or pass --token); create one with `bulwark token create`');
        // The OpenAI client is loaded only for this command.
        const { chatSession } = await import('./chat-session.js');
        await chatSession(ctx, url, token, opts.agent);
      }),
    );
}
