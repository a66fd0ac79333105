/**
 * `bulwark webhooks verify`: the L20 check the daemon runs, on a delivery an operator has by hand (body file, header
 * lines, the secret from a file). Prints {"valid", "reason"} and exits 0 when valid, 2 when not. No replay cache is
 * consulted: this says whether the signature and the time are right, not whether the delivery was seen before.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { WEBHOOK_PROVIDERS, type WebhookProvider } from '../../config/index.js';
import { describeCause } from '../../core/index.js';
import { verifyWebhook } from '../../transport/index.js';
import type { CliContext } from '../context.js';
import { action, fail, printJson } from '../output.js';

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A secret file's content without the one line break editors add at the end. */
function secretOf(text: string): string {
  return text.replace(/\r?\n$/, '');
}

export function parseHeaderLines(lines: readonly string[]): Record<string, string | string[]> | string {
  const out: Record<string, string | string[]> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    if (i <= 0) return `--header must be "Name: value" (got "${line.slice(0, 80)}")`;
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (!/^[a-z0-9-]{1,100}$/.test(name)) return `"${name.slice(0, 80)}" is not a header name`;
    const prev = out[name];
    out[name] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return out;
}

export function register(program: Command, ctx: CliContext): void {
  const webhooks = program
    .command('webhooks')
    .description('check signed webhook deliveries by hand (L20)')
    .addHelpText(
      'after',
      `\nExamples:\n  $ bulwark webhooks verify --provider github --secret-file gh.secret --body-file body.json --header 'X-Hub-Signature-256: sha256=…'`,
    );

  webhooks
    .command('verify')
    .description('verify one delivery as the daemon would: prints {"valid", "reason"}; exit 0 valid, 2 invalid')
    .requiredOption('--provider <p>', `one of ${WEBHOOK_PROVIDERS.join(', ')}`)
    .requiredOption('--secret-file <file>', 'file holding the signing secret (a final line break is ignored)')
    .requiredOption('--body-file <file>', 'the raw body as received (- for stdin)')
    .option('--header <line>', 'a header as "Name: value" (repeat for each)', collect, [] as string[])
    .option('--now <unix>', 'the time to check against, in Unix seconds (default: now)')
    .option('--tolerance <seconds>', 'accepted distance of the signed timestamp from now', '300')
    .option('--json', 'print JSON (the default output is one line)')
    .addHelpText(
      'after',
      `
The body is read as raw bytes: a body saved with an added line break does not verify.
Replays are not checked here (the daemon keeps that cache).

Examples:
  $ bulwark webhooks verify --provider stripe --secret-file stripe.secret --body-file evt.json \\
      --header 'Stripe-Signature: t=1700000000,v1=4f1c…' --now 1700000000 --json
  $ bulwark webhooks verify --provider generic --secret-file hook.secret --body-file - \\
      --header 'X-Bulwark-Webhook-Id: d-1' --header 'X-Bulwark-Webhook-Timestamp: 1700000000' \\
      --header 'X-Bulwark-Webhook-Signature: v1=…' < body.json`,
    )
    .action(
      action(
        ctx,
        (opts: {
          provider: string;
          secretFile: string;
          bodyFile: string;
          header: string[];
          now?: string;
          tolerance: string;
          json?: boolean;
        }) => {
          if (!(WEBHOOK_PROVIDERS as readonly string[]).includes(opts.provider))
            return fail(ctx, `--provider must be one of ${WEBHOOK_PROVIDERS.join(', ')}`);
          const now = opts.now === undefined ? Math.floor(Date.now() / 1000) : Number(opts.now);
          if (!Number.isSafeInteger(now) || now < 0) return fail(ctx, '--now must be Unix seconds (a whole number)');
          const tolerance = Number(opts.tolerance);
          if (!Number.isInteger(tolerance) || tolerance < 1 || tolerance > 3600)
            return fail(ctx, '--tolerance must be whole seconds from 1 to 3600');
          const headers = parseHeaderLines(opts.header);
          if (typeof headers === 'string') return fail(ctx, headers);
          let secret: string;
          let body: Buffer;
          try {
            secret = secretOf(readFileSync(opts.secretFile, 'utf8'));
          } catch (cause) {
            return fail(ctx, `cannot read --secret-file ${opts.secretFile}: ${describeCause(cause)}`);
          }
          try {
            body = readFileSync(opts.bodyFile === '-' ? 0 : opts.bodyFile);
          } catch (cause) {
            return fail(ctx, `cannot read --body-file ${opts.bodyFile}: ${describeCause(cause)}`);
          }
          const v = verifyWebhook(
            opts.provider as WebhookProvider,
            { headers, body },
            {
              secret,
              nowSec: now,
              toleranceSec: tolerance,
            },
          );
          const out = v.valid ? { valid: true, reason: 'ok' } : { valid: false, reason: v.reason, detail: v.detail };
          if (opts.json) printJson(ctx, out);
          else ctx.stdout(v.valid ? 'valid\n' : `invalid: ${v.reason} (${v.detail})\n`);
          if (!v.valid) ctx.setExitCode(2);
        },
      ),
    );
}
