/**
 * `bulwark secrets …`: the operator's side of the vault (L06). Values come from a hidden prompt or
 * stdin, never from argv (argv is visible in `ps` and shell history); nothing prints a value.
 */
import { existsSync, lstatSync, realpathSync, unlinkSync } from 'node:fs';
import { homedir } from 'node:os';
import type { Command } from 'commander';
import { isCancel, password, confirm } from '@clack/prompts';
import {
  envSnapshot,
  configPath,
  loadConfig,
  readTextFileBounded,
  RESERVED_SECRET_MESSAGE,
} from '../../config/index.js';
import {
  bulwarkError,
  describeCause,
  type BulwarkError,
  EventBus,
  err,
  ok,
  type Result,
  absoluteFrom,
} from '../../core/index.js';
import {
  masterKeyOptionsFromConfig,
  secretScopesFromConfig,
  type ScopeConfigView,
  type SecretsConfig,
  MIN_FORM_LENGTH,
  MAX_DOTENV_BYTES,
  parseDotenv,
  anyGlobMatches,
  isReservedSecretName,
  LeakIndex,
  auditPlaintext,
  openSecretStore,
  rotateMasterKey,
  type SecretStore,
  checkSecretName,
  vaultPath,
} from '../../secrets/index.js';
import { openCliAuditBus } from '../audit-bus.js';
import type { CliContext } from '../context.js';
import { action, fail, formatTable, printJson } from '../output.js';
import { examples } from '../help.js';

/** Where a value is read from; tests pass a non-TTY stream. */
export interface SecretsIo {
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  /** Hidden prompt (TTY only); undefined when cancelled. */
  readonly promptHidden: (message: string) => Promise<string | undefined>;
  readonly confirm: (message: string) => Promise<boolean>;
}

export const defaultIo = (): SecretsIo => ({
  stdin: process.stdin,
  promptHidden: async (message) => {
    const v = await password({ message, mask: '•' });
    return isCancel(v) ? undefined : v;
  },
  confirm: async (message) => {
    const v = await confirm({ message, initialValue: false });
    return v === true;
  },
});

const MAX_STDIN_BYTES = 64 * 1024 + 2;

/** Reads a value from stdin: everything up to EOF, one trailing newline removed. */
export async function readValueFromStream(stream: NodeJS.ReadableStream): Promise<Result<string, BulwarkError>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    size += b.length;
    if (size > MAX_STDIN_BYTES)
      return err(bulwarkError('secret.too_large', 'the value on stdin is larger than 64 KiB'));
    chunks.push(b);
  }
  const text = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  return ok(text);
}

interface GroupOptions {
  keyFile?: string;
}

interface Loaded {
  readonly secretsConfig: SecretsConfig | undefined;
  readonly scopes: Map<string, string[]>;
}

function loadScopes(ctx: CliContext): Result<Loaded, BulwarkError> {
  const cfg = loadConfig(ctx.dataDir);
  if (!cfg.ok) return cfg;
  const view = cfg.value as unknown as ScopeConfigView & { secrets?: SecretsConfig };
  return ok({ secretsConfig: view.secrets, scopes: secretScopesFromConfig(view) });
}

/** Opens the vault with an audit sink on <data dir>/audit.jsonl, so CLI changes are audited too. */
function openForCli(
  ctx: CliContext,
  group: GroupOptions,
  create: boolean,
): Result<{ store: SecretStore; done: () => Promise<void>; loaded: Loaded }, BulwarkError> {
  const loaded = loadScopes(ctx);
  if (!loaded.ok) return loaded;
  const keyOpts = masterKeyOptionsFromConfig(loaded.value.secretsConfig, ctx.dataDir, create);
  const leakIndex = new LeakIndex();
  const bus = new EventBus();
  const opened = openSecretStore({
    dataDir: ctx.dataDir,
    masterKeySource: {
      ...keyOpts,
      keyFile: group.keyFile ? absoluteFrom(process.cwd(), group.keyFile) : keyOpts.keyFile,
    },
    leakIndex,
    bus,
  });
  if (!opened.ok) return opened;
  const audit = openCliAuditBus(ctx.dataDir, (m) => ctx.stderr(`bulwark: ${m}\n`), { bus, leaks: leakIndex });
  if (!audit.ok) {
    opened.value.close();
    return audit;
  }
  const store = opened.value;
  if (store.keyInfo.created) {
    ctx.stderr(
      `bulwark: created a new master key at ${store.keyInfo.location} (mode 0600). Back it up somewhere safe: without it the vault cannot be read.\n`,
    );
  }
  if (store.keyInfo.adoptedFrom) {
    ctx.stderr(
      `bulwark: this data dir now has its own master key at ${store.keyInfo.location}, a copy of the shared ${store.keyInfo.adoptedFrom} (left as it is for other data dirs)\n`,
    );
  }
  for (const w of store.keyInfo.warnings ?? []) ctx.stderr(`bulwark: warning: ${w}\n`);
  return ok({
    store,
    loaded: loaded.value,
    done: async () => {
      store.close();
      await audit.value.close();
    },
  });
}

/**
 * Every value in the vault, in a leak index (what the daemon's output guard recognises, in any encoding).
 * Reads only: a data dir without a vault gets an error instead of a new, empty vault. Each read is audited.
 */
export function vaultLeakIndex(ctx: CliContext, group: GroupOptions = {}): Result<LeakIndex, BulwarkError> {
  const file = vaultPath(ctx.dataDir);
  if (!existsSync(file))
    return err(bulwarkError('vault.absent', `no vault at ${file}; add secrets with: bulwark secrets set NAME`));
  const opened = openForCli(ctx, group, false);
  if (!opened.ok) return opened;
  const known = new LeakIndex();
  try {
    for (const m of opened.value.store.list()) {
      if (m.source !== 'vault') continue;
      // A record that does not decrypt (tampered, other key) has no value to recognise: skipped.
      const v = opened.value.store.get(m.name);
      if (v.ok) known.register(m.name, v.value);
    }
  } finally {
    // A synchronous caller: the log is closed once its lines are written (the process stays up until then).
    opened.value
      .done()
      .catch((cause: unknown) => ctx.stderr(`bulwark: closing the audit log failed: ${describeCause(cause)}\n`));
  }
  return ok(known);
}

function agentsAllowed(scopes: Map<string, string[]>, name: string): string[] {
  return [...scopes].filter(([, globs]) => anyGlobMatches(globs, name)).map(([id]) => id);
}

async function readSecretValue(ctx: CliContext, io: SecretsIo, name: string): Promise<Result<string, BulwarkError>> {
  if (io.stdin.isTTY) {
    const v = await io.promptHidden(`Value for ${name} (input hidden)`);
    if (v === undefined) return err(bulwarkError('secret.cancelled', 'cancelled; nothing was stored'));
    return ok(v);
  }
  return readValueFromStream(io.stdin);
}

export function register(program: Command, ctx: CliContext, _services?: unknown, io: SecretsIo = defaultIo()): void {
  const secrets = program
    .command('secrets')
    .description('the encrypted secret vault (L06): set, delete, list, import, audit, rotate-key')
    .option(
      '--key-file <path>',
      "master key file (default: secrets.masterKeyFile in config, else this data dir's own ~/.config/bulwark/keys/<id>.key)",
    )
    .addHelpText(
      'after',
      `
Values are never taken from the command line. They come from a hidden prompt, or from stdin when it is not a terminal.
The master key comes from $CREDENTIALS_DIRECTORY/bulwark-master-key (systemd), $BULWARK_MASTER_KEY, or a key file
outside the data dir: secrets.masterKeyFile, else one per data dir in ~/.config/bulwark/keys/ (created 0600 on first use).
Names starting with BULWARK_ (in any case: bulwark_, Bulwark_) are reserved for bulwark's own secrets.

Examples:
  $ bulwark secrets set OPENAI_API_KEY                 (hidden prompt)
  $ printf %s "$TOKEN" | bulwark secrets set GITHUB_TOKEN
  $ bulwark secrets list
  $ bulwark secrets import .env --delete-plaintext
  $ bulwark secrets audit
  $ bulwark secrets rotate-key`,
    );
  const group = (): GroupOptions => secrets.opts<GroupOptions>();

  secrets
    .command('set')
    .argument('<name>', 'secret name: letters, digits and _')
    .description('store a secret (value from a hidden prompt, or stdin when not a terminal)')
    .allowExcessArguments(false)
    .addHelpText(
      'after',
      examples('bulwark secrets set OPENAI_API_KEY', 'printf %s "$TOKEN" | bulwark secrets set GITHUB_TOKEN'),
    )
    .action(
      action(ctx, async (name: string) => {
        const n = checkSecretName(name);
        if (!n.ok) return fail(ctx, n.error);
        if (isReservedSecretName(name)) return fail(ctx, `cannot set "${name}": ${RESERVED_SECRET_MESSAGE}`);
        const value = await readSecretValue(ctx, io, name);
        if (!value.ok) return fail(ctx, value.error);
        const opened = openForCli(ctx, group(), true);
        if (!opened.ok) return fail(ctx, opened.error);
        const { store, done, loaded } = opened.value;
        try {
          const existed = store.list().some((m) => m.name === name && m.source === 'vault');
          const r = store.set(name, value.value);
          if (!r.ok) return fail(ctx, r.error);
          ctx.stdout(`${existed ? 'updated' : 'stored'} ${name}\n`);
          if (value.value.length < MIN_FORM_LENGTH) {
            ctx.stderr(
              `bulwark: warning: ${name} is shorter than ${MIN_FORM_LENGTH} characters; the leak index cannot recognise it in output and logs\n`,
            );
          }
          const agents = agentsAllowed(loaded.scopes, name);
          if (agents.length === 0)
            ctx.stderr(`bulwark: note: no agent may read ${name} yet; allow it with agents[].secrets in config.yaml\n`);
        } finally {
          await done();
        }
      }),
    );

  secrets
    .command('delete')
    .argument('<name>', 'secret name')
    .description('remove a secret from the vault')
    .addHelpText('after', examples('bulwark secrets delete GITHUB_TOKEN'))
    .action(
      action(ctx, async (name: string) => {
        const opened = openForCli(ctx, group(), false);
        if (!opened.ok) return fail(ctx, opened.error);
        try {
          const r = opened.value.store.delete(name);
          if (!r.ok) return fail(ctx, r.error);
          if (!r.value) return fail(ctx, `secret "${name}" is not in the vault`);
          ctx.stdout(`deleted ${name}\n`);
        } finally {
          await opened.value.done();
        }
      }),
    );

  secrets
    .command('list')
    .description('names, created/updated times and which agents may read each secret — never values')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples('bulwark secrets list', 'bulwark secrets list --json'))
    .action(
      action(ctx, async (opts: { json?: boolean }) => {
        const opened = openForCli(ctx, group(), false);
        if (!opened.ok) return fail(ctx, opened.error);
        try {
          const { store, loaded } = opened.value;
          const rows = store.list().map((m) => ({ ...m, agents: agentsAllowed(loaded.scopes, m.name) }));
          if (opts.json) return printJson(ctx, rows);
          if (rows.length === 0) return ctx.stdout('the vault is empty; add a secret with: bulwark secrets set NAME\n');
          ctx.stdout(
            formatTable(
              ['NAME', 'SOURCE', 'CREATED', 'UPDATED', 'AGENTS'],
              rows.map((r) => [
                r.name,
                r.source,
                r.createdAt ?? '-',
                r.updatedAt ?? '-',
                r.agents.join(',') || '(none)',
              ]),
            ),
          );
        } finally {
          await opened.value.done();
        }
      }),
    );

  secrets
    .command('import')
    .argument('<file>', 'a .env file (NAME=value lines)')
    .description('store every NAME=value of a .env file in one transaction, then offer to delete the plaintext file')
    .option('--delete-plaintext', 'delete the file after a successful import without asking')
    .option('--keep-plaintext', 'keep the file without asking')
    .addHelpText(
      'after',
      examples(
        'bulwark secrets import .env --delete-plaintext',
        'bulwark secrets import <(sops -d secrets.env) --keep-plaintext',
      ),
    )
    .action(
      action(ctx, async (file: string, opts: { deletePlaintext?: boolean; keepPlaintext?: boolean }) => {
        const path = absoluteFrom(process.cwd(), file);
        // A regular file or a pipe (`<(sops -d .env)`), never more than the parser accepts; a device is refused.
        const text = readTextFileBounded(path, MAX_DOTENV_BYTES, 'dotenv', { allowPipe: true });
        if (!text.ok) return fail(ctx, text.error);
        const parsed = parseDotenv(text.value, path);
        if (!parsed.ok) return fail(ctx, parsed.error);
        const entries = parsed.value.filter((e) => e.value !== '');
        if (entries.length === 0) return fail(ctx, `${path} has no NAME=value entries with a value`);
        const reserved = entries.filter((e) => isReservedSecretName(e.name)).map((e) => e.name);
        if (reserved.length > 0)
          return fail(
            ctx,
            `${path} holds ${reserved.join(', ')}: ${RESERVED_SECRET_MESSAGE}; remove or rename them, nothing was imported`,
          );
        const opened = openForCli(ctx, group(), true);
        if (!opened.ok) return fail(ctx, opened.error);
        try {
          const r = opened.value.store.setMany(entries.map((e) => [e.name, e.value] as const));
          if (!r.ok) return fail(ctx, r.error);
        } finally {
          await opened.value.done();
        }
        ctx.stdout(`imported ${entries.length} secret(s): ${entries.map((e) => e.name).join(', ')}\n`);
        const remove = opts.deletePlaintext
          ? true
          : opts.keepPlaintext
            ? false
            : io.stdin.isTTY
              ? await io.confirm(`Delete the plaintext file ${path} now?`)
              : false;
        if (remove) {
          // Unlinking a symlink (or a pipe's /dev/fd entry) would leave the plaintext where it is while claiming otherwise.
          const kept = plaintextNotDeletable(path);
          if (kept !== undefined) return fail(ctx, `imported, but did not delete anything: ${kept}`);
          try {
            unlinkSync(path);
          } catch (cause) {
            return fail(ctx, `imported, but cannot delete ${path}: ${describeCause(cause)}`);
          }
          ctx.stdout(
            `deleted ${path} (copies in backups, editor swap files or git history are not; rotate the secrets if it was ever shared)\n`,
          );
        } else {
          ctx.stdout(
            `the plaintext file ${path} is still there; delete it once you have checked the import: rm ${path}\n`,
          );
        }
      }),
    );

  secrets
    .command('audit')
    .description(
      'find plaintext secrets in config, the data dir, the environment and shell history; exit 1 when any is found',
    )
    .option('--json', 'print as JSON')
    .addHelpText('after', examples('bulwark secrets audit', 'bulwark secrets audit --json'))
    .action(
      action(ctx, (opts: { json?: boolean }) => {
        // With the vault open, copies of vault values are recognised too; without a key, formats only.
        const opened = vaultLeakIndex(ctx, group());
        if (!opened.ok)
          ctx.stderr(`bulwark: note: vault not opened (${opened.error.code}); checking secret formats only\n`);
        const known = opened.ok ? opened.value : new LeakIndex();
        const findings = auditPlaintext({
          dataDir: ctx.dataDir,
          configFile: configPath(ctx.dataDir),
          env: envSnapshot(),
          homeDir: homedir(),
          known,
        });
        if (opts.json) printJson(ctx, findings);
        else if (findings.length === 0) ctx.stdout('no plaintext secrets found\n');
        else {
          ctx.stdout(
            formatTable(
              ['WHERE', 'KIND'],
              findings.map((f) => [f.where, f.kind]),
            ),
          );
          ctx.stdout('\nHow to fix:\n');
          for (const f of findings) ctx.stdout(`  ${f.where}: ${f.advice}\n`);
        }
        if (findings.length > 0) ctx.setExitCode(1);
      }),
    );

  secrets
    .command('rotate-key')
    .description(
      're-encrypt every secret under a new master key, atomically; previous keys stay until --forget-previous',
    )
    .option(
      '--new-key-file <path>',
      'where to write the new key when the current one comes from $BULWARK_MASTER_KEY or systemd',
    )
    .option(
      '--forget-previous',
      'delete every previous key of the key file, even one another data dir still needs (its vault becomes unreadable)',
    )
    .addHelpText(
      'after',
      `
The key the key file held is kept beside it (<key file>.retired-<fingerprint>) until you say --forget-previous,
so rotating here never makes another vault unreadable: another data dir sealed under the same key file, or a backup
or copy of this data dir (it has this data dir's id, so its key file, and is on no record until it is opened).
The output names the vaults on record that still use each previous key.

Examples:
  $ bulwark secrets rotate-key
  $ bulwark secrets rotate-key --forget-previous   # once no backup or other data dir needs the old key
  $ BULWARK_MASTER_KEY=... bulwark secrets rotate-key --new-key-file /root/new-master.key`,
    )
    .action(
      action(ctx, async (opts: { newKeyFile?: string; forgetPrevious?: boolean }) => {
        const opened = openForCli(ctx, group(), false);
        if (!opened.ok) return fail(ctx, opened.error);
        try {
          const r = rotateMasterKey(opened.value.store, {
            newKeyFile: opts.newKeyFile,
            forgetPrevious: opts.forgetPrevious === true,
          });
          if (!r.ok) return fail(ctx, r.error);
          ctx.stdout(`re-encrypted ${r.value.records} secret(s) under a new master key, now in ${r.value.keyFile}\n`);
          if (r.value.operatorMustInstall) {
            ctx.stdout(
              `install that key where the old one came from (${opened.value.store.keyInfo.location}), then delete ${r.value.keyFile}\n`,
            );
          }
          for (const k of r.value.kept)
            ctx.stdout(
              `kept previous key ${k.fingerprint} (${k.file}): ${k.usedBy.length ? `still used by ${k.usedBy.join(', ')}` : 'no vault on record uses it; backups of this data dir may: remove it with --forget-previous once none does'}\n`,
            );
          for (const k of r.value.removed)
            ctx.stdout(
              `removed previous key ${k.fingerprint}${k.usedBy.length ? ` although ${k.usedBy.join(', ')} still used it` : ''} (--forget-previous)\n`,
            );
          for (const w of r.value.warnings) ctx.stderr(`bulwark: warning: ${w}\n`);
        } finally {
          await opened.value.done();
        }
      }),
    );
}

/** Why deleting `path` would not delete the plaintext (a symlink or not a regular file), else undefined. */
function plaintextNotDeletable(path: string): string | undefined {
  try {
    const st = lstatSync(path);
    if (st.isSymbolicLink()) {
      let target = 'another file';
      try {
        target = realpathSync(path);
      } catch (cause) {
        target = `a target that cannot be resolved (${describeCause(cause)})`;
      }
      return `${path} is a symbolic link; the plaintext is in ${target}: delete that file yourself once you have checked the import`;
    }
    if (!st.isFile()) return `${path} is not a regular file (a pipe or device holds no plaintext copy to delete)`;
    return undefined;
  } catch (cause) {
    return `cannot inspect ${path}: ${describeCause(cause)}`;
  }
}
