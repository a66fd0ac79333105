/** `bulwark net check URL…`: the L10 verdict for each URL, the addresses it resolved to, and the rule that fired. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig } from '../../config/load.js';
import { absoluteFrom } from '../../core/safe-path.js';
import { bulwarkError, describeCause, type BulwarkError } from '../../core/errors.js';
import { err, ok, type Result } from '../../core/result.js';
import { NetConfigSchema, type NetConfig } from '../../net/config.js';
import { SsrfGuard, verdictOf, type SsrfVerdict } from '../../net/guard.js';
import { StubResolver, systemResolver, type Resolver } from '../../net/resolver.js';
import type { CliContext } from '../context.js';
import { action, fail } from '../output.js';

export interface NetCheckLine {
  readonly url: string;
  readonly verdict: SsrfVerdict;
  readonly rule: string;
  readonly addresses: readonly string[];
  readonly reason: string;
  /** From a --jsonl row's `expected`, when present. */
  readonly expected?: string;
}

const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** The `net` section of config.yaml when the integrated schema has one; defaults otherwise. */
function netConfigFrom(dataDir: string, extraAllow: readonly string[]): Result<NetConfig, BulwarkError> {
  const loaded = loadConfig(dataDir);
  const section = loaded.ok ? (loaded.value as unknown as Record<string, unknown>)['net'] : undefined;
  const parsed = NetConfigSchema.safeParse(section ?? {});
  if (!parsed.success) return err(bulwarkError('config.invalid', `net: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`));
  const allowCheck = NetConfigSchema.shape.allow.safeParse(extraAllow);
  if (!allowCheck.success) return err(bulwarkError('cli.bad_allow', '--allow takes host:port, e.g. 127.0.0.1:11434'));
  return ok({ ...parsed.data, allow: [...parsed.data.allow, ...extraAllow] });
}

function readInput(file: string): Result<string, BulwarkError> {
  try {
    const text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(absoluteFrom(process.cwd(), file), 'utf8');
    if (Buffer.byteLength(text) > MAX_INPUT_BYTES) return err(bulwarkError('cli.input_too_large', `${file} is larger than 16 MB`));
    return ok(text);
  } catch (cause) {
    return err(bulwarkError('cli.unreadable', `cannot read ${file}: ${describeCause(cause)}`));
  }
}

/** JSONL rows: `{"url": ...}` or `{"input": ...}` (the corpus format), optional `expected`. */
export function parseJsonlUrls(text: string): Result<Array<{ url: string; expected?: string }>, BulwarkError> {
  const out: Array<{ url: string; expected?: string }> = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      return err(bulwarkError('cli.bad_jsonl', `line ${i + 1}: not JSON`));
    }
    const r = row as Record<string, unknown>;
    const url = typeof r['url'] === 'string' ? r['url'] : r['input'];
    if (typeof url !== 'string') return err(bulwarkError('cli.bad_jsonl', `line ${i + 1}: needs a string field "url" (or "input")`));
    out.push(typeof r['expected'] === 'string' ? { url, expected: r['expected'] } : { url });
  }
  return ok(out);
}

export async function checkUrls(guard: SsrfGuard, items: ReadonlyArray<{ url: string; expected?: string }>): Promise<NetCheckLine[]> {
  const lines: NetCheckLine[] = [];
  for (const item of items) {
    const r = await guard.check(item.url);
    const extra = item.expected !== undefined ? { expected: item.expected } : {};
    if (r.ok) {
      lines.push({ url: item.url, verdict: 'allow', rule: r.value.exception ? `net.allow ${r.value.exception}` : 'global', addresses: r.value.addresses.map((a) => a.address), reason: `connect to ${r.value.pinned.address} only`, ...extra });
    } else {
      const d = r.error.details ?? {};
      lines.push({ url: item.url, verdict: verdictOf(r), rule: String(d['rule'] ?? r.error.code), addresses: (d['addresses'] as string[] | undefined) ?? [], reason: r.error.message, ...extra });
    }
  }
  return lines;
}

export function register(program: Command, ctx: CliContext): void {
  const net = program.command('net').description('L10 SSRF guard: check where a URL would connect');
  net
    .command('check')
    .description('print the L10 verdict (allow, block, invalid), the resolved addresses and the rule that fired')
    .argument('[urls...]', 'URLs to check')
    .option('--jsonl <file>', 'read URLs from JSON lines ({"url": ...} or {"input": ...}); "-" for stdin')
    .option('--allow <host:port>', 'add a net.allow exception for this run (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--dns <file>', 'answer DNS from a JSON table {"hosts": {"name": [["1.2.3.4"]]}} instead of the system resolver')
    .option('--json', 'one JSON object per line')
    .action(
      action(ctx, async (urls: string[], opts: { jsonl?: string; allow?: string[]; dns?: string; json?: boolean }) => {
        const cfg = netConfigFrom(ctx.dataDir, opts.allow ?? []);
        if (!cfg.ok) return fail(ctx, cfg.error);
        let resolver: Resolver = systemResolver;
        if (opts.dns) {
          const t = readInput(opts.dns);
          if (!t.ok) return fail(ctx, t.error);
          try {
            resolver = new StubResolver((JSON.parse(t.value) as { hosts: Record<string, string[][]> }).hosts ?? {});
          } catch {
            return fail(ctx, `${opts.dns}: not a JSON DNS table`);
          }
        }
        const items: Array<{ url: string; expected?: string }> = urls.map((url) => ({ url }));
        if (opts.jsonl) {
          const t = readInput(opts.jsonl);
          if (!t.ok) return fail(ctx, t.error);
          const rows = parseJsonlUrls(t.value);
          if (!rows.ok) return fail(ctx, rows.error);
          items.push(...rows.value);
        }
        if (items.length === 0) return fail(ctx, 'give at least one URL, or --jsonl FILE');
        const guard = new SsrfGuard({ resolver, config: cfg.value });
        const lines = await checkUrls(guard, items);
        for (const l of lines) {
          if (opts.json) ctx.stdout(JSON.stringify(l) + '\n');
          else {
            const addrs = l.addresses.length ? ` [${l.addresses.join(', ')}]` : '';
            ctx.stdout(`${l.verdict.toUpperCase().padEnd(7)} ${l.url}${addrs}\n        rule: ${l.rule}${l.verdict === 'allow' ? '' : `\n        ${l.reason}`}\n`);
          }
        }
        if (lines.some((l) => l.verdict !== 'allow')) ctx.setExitCode(2);
      }),
    );
}
