/**
 * `bulwark broker status`: L08 configuration as the daemon will apply it (bindings, egress allow-list, presets) and,
 * when a daemon answers on its admin API, the running broker's sessions and request totals.
 */
import type { Command } from 'commander';
import { loadConfig, BrokerConfigSchema, PLACEHOLDER, type BrokerConfig } from '../../config/index.js';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import { bindingRule, BROKER_CA_SECRET } from '../../broker/index.js';
import type { CliContext } from '../context.js';
import { DaemonStatusError, fetchDaemonStatus, isBrokerLive, type BrokerLiveJson } from '../daemon-status.js';
import { daemonToken } from '../daemon-url.js';
import { action, fail, formatTable, printJson, terminalSafe } from '../output.js';
import { examples } from '../help.js';

const LIVE_TIMEOUT_MS = 1500;

interface BrokerStatusOptions {
  json?: boolean;
  url?: string;
  token?: string;
}

/** The running broker's state, or null with a note saying why only the configuration is shown. */
async function liveBroker(
  ctx: CliContext,
  opts: BrokerStatusOptions,
  enabled: boolean,
): Promise<{ live: BrokerLiveJson | null; note: string }> {
  if (!daemonToken(opts.token))
    return { live: null, note: 'configuration only: set BULWARK_TOKEN to an admin token to see the running broker' };
  let got: Awaited<ReturnType<typeof fetchDaemonStatus>>;
  try {
    got = await fetchDaemonStatus(
      ctx,
      { ...(opts.url ? { url: opts.url } : {}), ...(opts.token ? { token: opts.token } : {}) },
      LIVE_TIMEOUT_MS,
    );
  } catch (cause) {
    if (!(cause instanceof DaemonStatusError)) throw cause;
    const why = terminalSafe(cause.message.split('\n')[0] ?? '');
    return {
      live: null,
      note:
        cause.kind === 'unreachable'
          ? `configuration only: no daemon is running (${why})`
          : `configuration only: ${why}`,
    };
  }
  const { url, status } = got;
  if (status.broker === undefined)
    return {
      live: null,
      note: `configuration only: the daemon at ${url} does not report broker status (an older version?)`,
    };
  if (status.broker === null) {
    return {
      live: null,
      note: `the daemon at ${url} runs no broker${enabled ? ' although broker.enabled is set: it failed to start or config.yaml changed since (see bulwark.log)' : ''}`,
    };
  }
  if (!isBrokerLive(status.broker))
    return {
      live: null,
      note: `configuration only: the daemon at ${url} sent a broker status this version cannot read`,
    };
  return { live: status.broker, note: `live from the daemon at ${url}` };
}

function renderLive(b: BrokerLiveJson): string {
  const t = b.totals;
  return (
    [
      `Running broker: ${b.activeSessions} active session(s), ${b.cachedLeaves} cached leaf certificate(s)`,
      `Requests: ${t.requests} total: ${t.injected} with a secret injected, ${t.passthrough} passed through (egress allow-list), ${t.denied} denied`,
      `CA in use: SHA-256 ${terminalSafe(b.caFingerprint256)}, valid until ${terminalSafe(b.caNotAfter)}`,
    ].join('\n') + '\n'
  );
}

export function brokerConfigFrom(dataDir: string): Result<BrokerConfig, BulwarkError> {
  const loaded = loadConfig(dataDir);
  if (!loaded.ok) return loaded;
  const section = (loaded.value as unknown as Record<string, unknown>)['broker'];
  const parsed = BrokerConfigSchema.safeParse(section ?? {});
  if (!parsed.success)
    return err(
      bulwarkError(
        'config.invalid',
        `broker: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      ),
    );
  return ok(parsed.data);
}

export function register(program: Command, ctx: CliContext): void {
  const broker = program
    .command('broker')
    .description('L08 credential broker')
    .addHelpText('after', examples('bulwark broker status', 'bulwark broker status --json'));
  broker
    .command('status')
    .description(
      'show whether the broker is enabled, its bindings (host, path, methods, secret name, preset), the egress allow-list and, from a running daemon, its sessions and request totals',
    )
    .option('--json', 'print JSON')
    .option('--url <url>', 'daemon URL for the live view (default: from server.host/server.port in config.yaml)')
    .option('--token <token>', 'admin API token for the live view (prefer the BULWARK_TOKEN environment variable)')
    .addHelpText('after', examples('bulwark broker status', 'BULWARK_TOKEN=bwk_... bulwark broker status --json'))
    .action(
      action(ctx, async (opts: BrokerStatusOptions) => {
        const cfg = brokerConfigFrom(ctx.dataDir);
        if (!cfg.ok) return fail(ctx, cfg.error);
        const c = cfg.value;
        const { live, note } = await liveBroker(ctx, opts, c.enabled);
        if (opts.json) {
          return printJson(ctx, {
            enabled: c.enabled,
            caSecret: BROKER_CA_SECRET,
            bindings: c.bindings,
            egressAllow: c.egressAllow,
            upstreamCas: c.upstreamCas,
            placeholder: PLACEHOLDER,
            live,
            source: note,
          });
        }
        ctx.stdout(`L08 credential broker: ${c.enabled ? 'enabled' : 'disabled (broker.enabled: false)'}\n`);
        ctx.stdout(`(${note})\n`);
        if (live) ctx.stdout(renderLive(live));
        ctx.stdout(
          `CA: ECDSA P-256, key kept in the vault as ${BROKER_CA_SECRET} (created at the first daemon start)\n`,
        );
        ctx.stdout(`Sandboxes see: ${PLACEHOLDER} in place of each bound secret\n\n`);
        if (c.bindings.length === 0)
          ctx.stdout('No bindings: every host is refused unless listed in broker.egressAllow.\n');
        else {
          ctx.stdout(
            formatTable(
              ['binding', 'secret', 'preset', 'sandbox env'],
              c.bindings.map((b) => [
                bindingRule(b),
                b.secret,
                b.preset === 'query'
                  ? `query ?${b.queryParam ?? ''}=`
                  : b.preset === 'basic'
                    ? `basic, user ${b.username ?? ''}`
                    : b.preset,
                b.env ?? b.secret,
              ]),
            ),
          );
        }
        ctx.stdout(
          `\nEgress allow-list (no injection, still L10 + leak check): ${c.egressAllow.length ? c.egressAllow.join(', ') : '(none)'}\n`,
        );
        if (c.upstreamCas.length > 0)
          ctx.stdout(
            `Upstream CAs (each trusted for its host only, instead of the system roots): ${c.upstreamCas.map((u) => `${u.host} ← ${terminalSafe(u.caFile)}`).join(', ')}\n`,
          );
      }),
    );
}
