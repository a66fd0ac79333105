/** `bulwark start`: the daemon in the foreground until SIGINT or SIGTERM. */
import type { Command } from 'commander';
import { isLoopbackName } from '../../config/index.js';
import type { LayerStatus } from '../../core/index.js';
import type { CliContext } from '../context.js';
import { action, fail } from '../output.js';
import type { CliServices } from '../program.js';
import { printInitOutcome, runInit } from './init.js';

export function parsePort(text: string): number | undefined {
  if (!/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= 65535 ? n : undefined;
}

export function layerSummary(layers: readonly LayerStatus[]): string {
  const count = (s: string): number => layers.filter((l) => l.state === s).length;
  const on = layers.filter((l) => l.state === 'on').map((l) => `${l.id} ${l.name}`);
  const degraded = layers.filter((l) => l.state === 'degraded').map((l) => `${l.id} ${l.name} (${l.reason})`);
  const lines = [
    `layers: ${count('on')} on, ${count('off')} off, ${count('degraded')} degraded, ${count('absent')} absent`,
  ];
  if (on.length) lines.push(`  on: ${on.join(', ')}`);
  if (degraded.length) lines.push(`  degraded: ${degraded.join(', ')}`);
  lines.push('  details: bulwark layers');
  return lines.join('\n');
}

export function agentSummary(agents: ReadonlyArray<{ id: string; model: string; provider?: string }>): string {
  const lines = [
    `agents (model names on /v1): ${agents.map((a) => (a.provider ? `${a.id} (${a.provider}/${a.model})` : a.id)).join(', ')}`,
  ];
  const unwired = agents.filter((a) => !a.provider).map((a) => a.id);
  if (unwired.length > 0) {
    lines.push(
      `  no provider yet: ${unwired.join(', ')}; chats with them answer 503 until agents[].provider is set in config.yaml`,
    );
  }
  return lines.join('\n');
}

/** Resolves on the first SIGINT or SIGTERM, or when stdout's reader goes away (`bulwark start | head`). */
function untilStop(ctx: CliContext): Promise<string> {
  return new Promise((resolve) => {
    const handler = (why: string): void => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
      resolve(why);
    };
    process.on('SIGINT', handler);
    process.on('SIGTERM', handler);
    ctx.onStdoutClosed?.(() => handler('a closed stdout'));
  });
}

export function register(program: Command, ctx: CliContext, services: CliServices): void {
  program
    .command('start')
    .description('run the daemon in the foreground (first run also does `bulwark init`); stop with Ctrl-C or SIGTERM')
    .option(
      '--host <host>',
      'address to bind (default: server.host in config.yaml, 127.0.0.1); anything but loopback needs server.insecure: true',
    )
    .option('--port <port>', 'port to bind, 0 for any free port (default: server.port in config.yaml, 8787)')
    .addHelpText(
      'after',
      `
The API is OpenAI-compatible: GET /v1/models, POST /v1/chat/completions (model = agent id).
Every route but /health needs "Authorization: Bearer <token>".
Logs go to <data dir>/bulwark.log, security decisions to <data dir>/audit.jsonl (both rotated by size).
Refused: a data dir or master key file another user owns or could swap (see \`bulwark doctor\`), a data dir another
daemon holds, and a host other than loopback unless server.insecure is true (plain HTTP until TLS exists).

Examples:
  $ bulwark start
  $ bulwark start --port 9000`,
    )
    .action(
      action(ctx, async (opts: { host?: string; port?: string }) => {
        let port: number | undefined;
        if (opts.port !== undefined) {
          port = parsePort(opts.port);
          if (port === undefined) return fail(ctx, `--port must be a number from 0 to 65535, got "${opts.port}"`);
        }
        const init = runInit(ctx.dataDir, services);
        if (!init.ok) return fail(ctx, init.error);
        if (init.value.configCreated || init.value.token) printInitOutcome(ctx, init.value);

        const daemon = await services.startDaemon({
          dataDir: ctx.dataDir,
          ...(opts.host !== undefined ? { host: opts.host } : {}),
          ...(port !== undefined ? { port } : {}),
          pretty: process.stderr.isTTY === true,
        });
        const url = new URL(daemon.url);
        const host = url.hostname.replace(/^\[|\]$/g, '');
        ctx.stdout(`bulwark listening on ${daemon.url}\n`);
        // The bind check let plain HTTP off loopback through only because server.insecure is set.
        if (url.protocol === 'http:' && !isLoopbackName(host))
          ctx.stdout(
            `warning: ${host} is not a loopback address and server.insecure is set: the API is reachable from the network over plain HTTP (tokens are still required, but cross the network unencrypted)\n`,
          );
        ctx.stdout(agentSummary(daemon.agents) + '\n');
        ctx.stdout(layerSummary(daemon.layers) + '\n');
        ctx.stdout(`logs:  ${daemon.logFile}\naudit: ${daemon.auditFile}\nstop with Ctrl-C (SIGINT) or SIGTERM\n`);
        const signal = await untilStop(ctx);
        ctx.stdout(`received ${signal}, shutting down\n`);
        await daemon.close();
        ctx.stdout('bulwark stopped\n');
      }),
    );
}
