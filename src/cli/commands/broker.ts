/** `bulwark broker status`: L08 configuration as the daemon will apply it (bindings, egress allow-list, presets). */
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { bulwarkError, type BulwarkError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { BrokerConfigSchema, PLACEHOLDER, type BrokerConfig } from '../../broker/config.js';
import { bindingRule } from '../../broker/bindings.js';
import { BROKER_CA_SECRET } from '../../broker/ca-store.js';
import type { CliContext } from '../context.js';
import { action, fail, formatTable, printJson } from '../output.js';

export function brokerConfigFrom(dataDir: string): Result<BrokerConfig, BulwarkError> {
  const loaded = loadConfig(dataDir);
  if (!loaded.ok) return loaded;
  const section = (loaded.value as unknown as Record<string, unknown>)['broker'];
  const parsed = BrokerConfigSchema.safeParse(section ?? {});
  if (!parsed.success) return err(bulwarkError('config.invalid', `broker: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`));
  return ok(parsed.data);
}

export function register(program: Command, ctx: CliContext): void {
  const broker = program.command('broker').description('L08 credential broker');
  broker
    .command('status')
    .description('show whether the broker is enabled, its bindings (host, path, methods, secret name, preset) and the egress allow-list')
    .option('--json', 'print JSON')
    .action(
      action(ctx, (opts: { json?: boolean }) => {
        const cfg = brokerConfigFrom(ctx.dataDir);
        if (!cfg.ok) return fail(ctx, cfg.error);
        const c = cfg.value;
        if (opts.json) {
          return printJson(ctx, { enabled: c.enabled, caSecret: BROKER_CA_SECRET, bindings: c.bindings, egressAllow: c.egressAllow, placeholder: PLACEHOLDER });
        }
        ctx.stdout(`L08 credential broker: ${c.enabled ? 'enabled' : 'disabled (broker.enabled: false)'}\n`);
        ctx.stdout(`CA: ECDSA P-256, key kept in the vault as ${BROKER_CA_SECRET} (created at the first daemon start)\n`);
        ctx.stdout(`Sandboxes see: ${PLACEHOLDER} in place of each bound secret\n\n`);
        if (c.bindings.length === 0) ctx.stdout('No bindings: every host is refused unless listed in broker.egressAllow.\n');
        else {
          ctx.stdout(
            formatTable(
              ['binding', 'secret', 'preset', 'sandbox env'],
              c.bindings.map((b) => [bindingRule(b), b.secret, b.preset === 'query' ? `query ?${b.queryParam ?? ''}=` : b.preset, b.env ?? b.secret]),
            ),
          );
        }
        ctx.stdout(`\nEgress allow-list (no injection, still L10 + leak check): ${c.egressAllow.length ? c.egressAllow.join(', ') : '(none)'}\n`);
      }),
    );
}
