/** `bulwark net check URL…`: the L10 verdict for each URL, the addresses it resolved to, and the rule that fired. */
import type { Command } from 'commander';
import { loadConfig, NET_CONSUMERS, NetConfigSchema, type NetConfig, type NetConsumer } from '../../config/index.js';
import { bulwarkError, type BulwarkError, EventBus, err, ok, type Result } from '../../core/index.js';
import {
  SsrfGuard,
  verdictOf,
  type SsrfVerdict,
  StubResolver,
  systemResolver,
  type Resolver,
} from '../../net/index.js';
import type { CliContext } from '../context.js';
import { parseJsonlRows, readCliInput } from '../input.js';
import { action, fail } from '../output.js';
import { examples } from '../help.js';

export interface NetCheckLine {
  /** From a --jsonl row's `id`, when present. */
  readonly id?: string;
  readonly url: string;
  readonly verdict: SsrfVerdict;
  readonly rule: string;
  readonly addresses: readonly string[];
  readonly reason: string;
  /** From a --jsonl row's `expected`, when present. */
  readonly expected?: string;
}

/** The `net` section of config.yaml when the integrated schema has one; defaults otherwise. */
function netConfigFrom(dataDir: string, extraAllow: readonly string[]): Result<NetConfig, BulwarkError> {
  const loaded = loadConfig(dataDir);
  const section = loaded.ok ? (loaded.value as unknown as Record<string, unknown>)['net'] : undefined;
  const parsed = NetConfigSchema.safeParse(section ?? {});
  if (!parsed.success)
    return err(
      bulwarkError(
        'config.invalid',
        `net: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      ),
    );
  const allowCheck = NetConfigSchema.shape.allow.safeParse(extraAllow);
  if (!allowCheck.success) return err(bulwarkError('cli.bad_allow', '--allow takes host:port, e.g. 127.0.0.1:11434'));
  return ok({ ...parsed.data, allow: [...parsed.data.allow, ...extraAllow] });
}

export interface NetCheckItem {
  readonly url: string;
  readonly id?: string;
  readonly expected?: string;
}

/** JSONL rows: `{"id", "url"}`, `{"id", "text"}` (as `bulwark scan` reads) or `{"input", "expected"}` (the corpus format). */
export function parseJsonlUrls(text: string): Result<NetCheckItem[], BulwarkError> {
  const rows = parseJsonlRows(text, ['url', 'text', 'input'], '{"id": "...", "url": "..."}');
  return rows.ok
    ? ok(
        rows.value.map((r) => ({
          url: r.value,
          ...(r.id !== undefined ? { id: r.id } : {}),
          ...(r.expected !== undefined ? { expected: r.expected } : {}),
        })),
      )
    : rows;
}

export async function checkUrls(guard: SsrfGuard, items: readonly NetCheckItem[]): Promise<NetCheckLine[]> {
  const lines: NetCheckLine[] = [];
  for (const item of items) {
    const r = await guard.check(item.url);
    const extra = { ...(item.expected !== undefined ? { expected: item.expected } : {}) };
    const idPart = item.id !== undefined ? { id: item.id } : {};
    if (r.ok) {
      lines.push({
        ...idPart,
        url: item.url,
        verdict: 'allow',
        rule: r.value.exception ? `net.allow ${r.value.exception}` : 'global',
        addresses: r.value.addresses.map((a) => a.address),
        reason: `connect to ${r.value.pinned.address} only`,
        ...extra,
      });
    } else {
      const d = r.error.details ?? {};
      lines.push({
        ...idPart,
        url: item.url,
        verdict: verdictOf(r),
        rule: String(d['rule'] ?? r.error.code),
        addresses: (d['addresses'] as string[] | undefined) ?? [],
        reason: r.error.message,
        ...extra,
      });
    }
  }
  return lines;
}

export function register(program: Command, ctx: CliContext): void {
  const net = program
    .command('net')
    .description('L10 SSRF guard: check where a URL would connect')
    .addHelpText('after', examples('bulwark net check http://169.254.169.254/latest/meta-data/'));
  net
    .command('check')
    .description('print the L10 verdict (allow, block, invalid), the resolved addresses and the rule that fired')
    .argument('[urls...]', 'URLs to check')
    .option(
      '--jsonl [file]',
      'read JSON lines {"id": …, "url": …} (or "text"/"input") from FILE, or stdin; prints one JSON verdict per line',
    )
    .option(
      '--allow <host:port>',
      'add a net.allow exception for this run (repeatable)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option(
      '--for <consumer>',
      `check as one consumer sees it, with its net.allowFor exceptions (${NET_CONSUMERS.join(', ')})`,
    )
    .option(
      '--dns <file>',
      'answer DNS from a JSON table {"hosts": {"name": [["1.2.3.4"]]}} instead of the system resolver',
    )
    .option('--json', 'one JSON object per line')
    .addHelpText(
      'after',
      `
Exit code: 0 when every URL is allowed, 2 when at least one is refused, 1 on bad input.

Examples:
  $ bulwark net check http://169.254.169.254/latest/meta-data/ https://example.com/
  $ bulwark net check --allow 127.0.0.1:11434 http://127.0.0.1:11434/api/tags
  $ bulwark net check --for channels https://127.0.0.1:8081/
  $ bulwark net check --jsonl urls.jsonl`,
    )
    .action(
      action(
        ctx,
        async (
          urls: string[],
          opts: { jsonl?: string | boolean; allow?: string[]; for?: string; dns?: string; json?: boolean },
        ) => {
          const cfg = netConfigFrom(ctx.dataDir, opts.allow ?? []);
          if (!cfg.ok) return fail(ctx, cfg.error);
          const consumer = opts.for as NetConsumer | undefined;
          if (consumer !== undefined && !NET_CONSUMERS.includes(consumer))
            return fail(ctx, `--for takes one of ${NET_CONSUMERS.join(', ')} (the consumers of net.allowFor)`);
          let resolver: Resolver = systemResolver;
          if (opts.dns) {
            const t = readCliInput(opts.dns);
            if (!t.ok) return fail(ctx, t.error);
            try {
              resolver = new StubResolver((JSON.parse(t.value) as { hosts: Record<string, string[][]> }).hosts ?? {});
            } catch {
              return fail(ctx, `${opts.dns}: not a JSON DNS table`);
            }
          }
          const items: NetCheckItem[] = urls.map((url) => ({ url }));
          if (opts.jsonl) {
            const t = readCliInput(opts.jsonl === true ? '-' : opts.jsonl);
            if (!t.ok) return fail(ctx, t.error);
            const rows = parseJsonlUrls(t.value);
            if (!rows.ok) return fail(ctx, rows.error);
            items.push(...rows.value);
          }
          if (items.length === 0) return fail(ctx, 'give at least one URL, or --jsonl FILE');
          // A check, not a fetch: nothing leaves the host, so the guard's refusal events are not written to the audit log.
          const bus = new EventBus();
          const guard = new SsrfGuard({ resolver, config: cfg.value, bus, ...(consumer ? { consumer } : {}) });
          const lines = await checkUrls(guard, items);
          for (const l of lines) {
            if (opts.json || opts.jsonl) ctx.stdout(JSON.stringify(l) + '\n');
            else {
              const addrs = l.addresses.length ? ` [${l.addresses.join(', ')}]` : '';
              ctx.stdout(
                `${l.verdict.toUpperCase().padEnd(7)} ${l.url}${addrs}\n        rule: ${l.rule}${l.verdict === 'allow' ? '' : `\n        ${l.reason}`}\n`,
              );
            }
          }
          // Like `bulwark scan`: 0 all allowed, 2 something refused, 1 bad input.
          if (lines.some((l) => l.verdict !== 'allow')) ctx.setExitCode(2);
        },
      ),
    );
}
