/** `bulwark init`: data dir (0700), default config.yaml, and the first token (shown once). */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { ensureDataDir, configPath, DEFAULT_CONFIG_YAML, loadConfig } from '../../config/index.js';
import {
  writeFileAtomic,
  bulwarkError,
  describeCause,
  type BulwarkError,
  err,
  ok,
  type Result,
} from '../../core/index.js';
import { ensureSandboxUser } from '../../exec/index.js';
import type { CliContext } from '../context.js';
import { action, fail, printJson } from '../output.js';
import type { CliServices, TokenRecord } from '../program.js';
import { isMap } from 'yaml';
import { createServerPair, TLS_FILES } from '../../transport/index.js';
import { editConfig } from '../config-edit.js';

export interface InitOutcome {
  readonly dataDir: string;
  readonly configFile: string;
  readonly configCreated: boolean;
  /** The host user sandboxes run as (exec.sandboxUser), under a root daemon; or why it could not be made. */
  readonly sandboxUser?: {
    readonly name: string;
    readonly uid?: number;
    readonly created?: boolean;
    readonly problem?: string;
  };
  /** Only when this run created the first token. */
  readonly token?: TokenRecord & { readonly token: string };
}

export const FIRST_TOKEN_SCOPES = ['chat', 'admin'] as const;

/** Idempotent: creates what is missing, never overwrites a config or adds a second "first" token. */
export function runInit(dataDir: string, services: CliServices): Result<InitOutcome, BulwarkError> {
  const dir = ensureDataDir(dataDir);
  if (!dir.ok) return dir;
  const file = configPath(dataDir);
  let configCreated = false;
  if (!existsSync(file)) {
    try {
      writeFileAtomic(file, DEFAULT_CONFIG_YAML, 0o600);
    } catch (cause) {
      return err(bulwarkError('init.config', `cannot write ${file}: ${describeCause(cause)}`));
    }
    configCreated = true;
  }
  const config = loadConfig(dataDir);
  if (!config.ok) return config;
  // Under root, sandboxes drop to this user; without root the daemon's own user is not root anyway.
  const name = config.value.exec.sandboxUser;
  const user = process.getuid?.() === 0 ? ensureSandboxUser(name) : undefined;
  const sandboxUser = user
    ? user.ok
      ? { name, uid: user.value.uid, created: user.value.created }
      : { name, problem: user.error.message }
    : undefined;
  const base = { dataDir, configFile: file, configCreated, ...(sandboxUser ? { sandboxUser } : {}) };
  const tokens = services.openTokens(dataDir);
  if (!tokens.ok) return tokens;
  try {
    if (tokens.value.count() > 0) return ok(base);
    // The first token is the operator's own: its caller is the owner.
    const created = tokens.value.create('first token', FIRST_TOKEN_SCOPES, { owner: true });
    if (!created.ok) return created;
    return ok({ ...base, token: created.value });
  } finally {
    tokens.value.close();
  }
}

/** `init --tls`: a self-signed server pair, named by server.tls in config.yaml (an existing server.tls is kept). */
export async function initTls(
  dataDir: string,
  hostList: string,
): Promise<Result<{ certFile: string; keyFile: string; fingerprint: string }, BulwarkError>> {
  const hosts = hostList
    .split(',')
    .map((h) => h.trim())
    .filter(Boolean);
  if (hosts.length === 0 || !hosts.every((h) => /^[A-Za-z0-9.:-]{1,253}$/.test(h)))
    return err(bulwarkError('init.tls_host', '--tls-host must be comma-separated host names or IP addresses'));
  const pair = await createServerPair(dataDir, hosts);
  if (!pair.ok) return pair;
  const edited = editConfig(dataDir, (doc) => {
    if (isMap(doc.getIn(['server', 'tls']))) return;
    doc.setIn(['server', 'tls'], doc.createNode({ cert: TLS_FILES.serverCert, key: TLS_FILES.serverKey }));
  });
  return edited.ok ? pair : edited;
}

export function tokenWarning(token: string, scopes: readonly string[]): string {
  return [
    '',
    `  ${token}`,
    '',
    `This token (scopes: ${scopes.join(', ')}) is shown ONCE and stored only as a hash.`,
    'Store it now, e.g. in your password manager. Use it as BULWARK_TOKEN=... or "Authorization: Bearer ...".',
    'Lost it? Create another with `bulwark token create` and revoke the old one with `bulwark token revoke <id>`.',
    '',
  ].join('\n');
}

export function printInitOutcome(ctx: CliContext, outcome: InitOutcome): void {
  ctx.stdout(`data dir: ${outcome.dataDir}\n`);
  ctx.stdout(
    `config:   ${outcome.configFile}${outcome.configCreated ? ' (created with defaults)' : ' (kept as it is)'}\n`,
  );
  const u = outcome.sandboxUser;
  if (u)
    ctx.stdout(
      u.problem
        ? `sandbox:  user ${u.name} is missing (${u.problem}); commands in root-owned workspaces would run as root\n`
        : `sandbox:  commands run as the unprivileged user ${u.name} (uid ${u.uid}${u.created ? ', created' : ''})\n`,
    );
  if (outcome.token) {
    ctx.stdout(`first token ${outcome.token.id} created:\n`);
    ctx.stdout(tokenWarning(outcome.token.token, outcome.token.scopes) + '\n');
  } else {
    ctx.stdout('tokens:   already exist (list them with `bulwark token list`)\n');
  }
}

export function register(program: Command, ctx: CliContext, services: CliServices): void {
  program
    .command('init')
    .description('create the data dir (mode 0700), a default config.yaml and the first API token (shown once)')
    .option('--json', 'print the outcome as JSON (includes the token when one is created)')
    .option('--tls', 'also create a self-signed server certificate (tls/server.crt, key 0600) and serve HTTPS with it')
    .option(
      '--tls-host <names>',
      'comma-separated names and addresses the certificate is for',
      'localhost,127.0.0.1,::1',
    )
    .addHelpText(
      'after',
      `
Safe to run again: an existing config.yaml is kept and no second first token is made.
The data dir is $BULWARK_HOME, else ~/.bulwark.

With --tls, server.tls in config.yaml names the new pair; clients trust tls/server.crt
(curl --cacert, NODE_EXTRA_CA_CERTS). Then client certificates: bulwark cert ca.

Examples:
  $ bulwark init
  $ bulwark init --tls --tls-host bulwark.lan,192.0.2.10
  $ BULWARK_HOME=/srv/bulwark bulwark init --json`,
    )
    .action(
      action(ctx, async (opts: { json?: boolean; tls?: boolean; tlsHost: string }) => {
        const outcome = runInit(ctx.dataDir, services);
        if (!outcome.ok) return fail(ctx, outcome.error);
        const tls = opts.tls ? await initTls(ctx.dataDir, opts.tlsHost) : undefined;
        if (tls && !tls.ok) return fail(ctx, tls.error);
        const value = tls?.ok ? { ...outcome.value, tls: tls.value } : outcome.value;
        if (opts.json) printJson(ctx, value);
        else {
          printInitOutcome(ctx, outcome.value);
          if (tls?.ok)
            ctx.stdout(
              `tls:      ${tls.value.certFile} (sha256 ${tls.value.fingerprint})\n          clients trust it with: curl --cacert ${tls.value.certFile} https://…\n`,
            );
        }
      }),
    );
}
