/**
 * `bulwark cert ca | issue NAME --scopes … | revoke NAME | list`: the local client CA for L19 mutual TLS and the
 * client certificates it issues. When server.tls is configured, config.yaml is updated to match (clientCa, the
 * certificate's mapping to a caller with its scopes, the CRL); otherwise the lines to add are printed.
 */
import type { Command } from 'commander';
import { isMap, isSeq, type Document } from 'yaml';
import { CALLER_SCOPES, ensureDataDir } from '../../config/index.js';
import {
  createCaFiles,
  issueClientFiles,
  listClientFiles,
  revokeAndWriteCrl,
  TLS_FILES,
} from '../../transport/index.js';
import { editConfig } from '../config-edit.js';
import type { CliContext } from '../context.js';
import { action, fail, formatTable, printJson } from '../output.js';

function parseScopes(list: string): string[] | string {
  const scopes = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = scopes.filter((s) => !(CALLER_SCOPES as readonly string[]).includes(s));
  if (scopes.length === 0 || bad.length > 0)
    return `--scopes must list one or more of ${CALLER_SCOPES.join(', ')}${bad.length ? ` (not: ${bad.join(', ')})` : ''}`;
  return [...new Set(scopes)];
}

function hasTls(doc: Document): boolean {
  return isMap(doc.getIn(['server', 'tls']));
}

/** The mapping entry for a certificate CN, replacing an earlier one for the same CN. */
function setClient(doc: Document, name: string, scopes: readonly string[], owner: boolean): void {
  const entry = doc.createNode({ match: { cn: name }, scopes: [...scopes], owner, name });
  const seq = doc.getIn(['server', 'tls', 'clients']);
  if (!isSeq(seq)) {
    doc.setIn(['server', 'tls', 'clients'], doc.createNode([]));
  } else {
    const i = seq.items.findIndex((it) => isMap(it) && it.getIn(['match', 'cn']) === name);
    if (i >= 0) seq.items.splice(i, 1);
  }
  doc.addIn(['server', 'tls', 'clients'], entry);
}

export function register(program: Command, ctx: CliContext): void {
  const cert = program
    .command('cert')
    .description('client certificates for mutual TLS (L19): a local CA, issue, revoke, list')
    .addHelpText(
      'after',
      `
A verified client certificate is enough to authenticate (no bearer token), with the scopes of its
server.tls.clients entry; a certificate no entry matches gets nothing. Needs HTTPS: bulwark init --tls.

Examples:
  $ bulwark init --tls
  $ bulwark cert ca
  $ bulwark cert issue laptop --scopes chat,admin --owner
  $ curl --cacert ~/.bulwark/tls/server.crt --cert ~/.bulwark/tls/clients/laptop.crt --key ~/.bulwark/tls/clients/laptop.key https://127.0.0.1:8787/v1/models
  $ bulwark cert revoke laptop`,
    );

  cert
    .command('ca')
    .description('create the client CA (tls/client-ca.crt, key 0600) and point server.tls.clientCa at it')
    .option('--force', 'replace an existing CA (every certificate it issued stops working)')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  $ bulwark cert ca\n  $ bulwark cert ca --force')
    .action(
      action(ctx, async (opts: { force?: boolean; json?: boolean }) => {
        const dir = ensureDataDir(ctx.dataDir);
        if (!dir.ok) return fail(ctx, dir.error);
        const made = await createCaFiles(ctx.dataDir, opts.force === true);
        if (!made.ok) return fail(ctx, made.error);
        let configured = false;
        const edited = editConfig(ctx.dataDir, (doc) => {
          if (!hasTls(doc)) return;
          doc.setIn(['server', 'tls', 'clientCa'], TLS_FILES.clientCa);
          configured = true;
        });
        if (!edited.ok) return fail(ctx, edited.error);
        if (opts.json) return printJson(ctx, { ...made.value, configured });
        ctx.stdout(
          `client CA: ${made.value.certFile}\nkey:       ${made.value.keyFile} (0600; keep it offline if you can)\n`,
        );
        ctx.stdout(
          configured
            ? `config.yaml: server.tls.clientCa set (restart the daemon)\n`
            : `server.tls is not configured yet: run bulwark init --tls, then bulwark cert ca again\n`,
        );
      }),
    );

  cert
    .command('issue <name>')
    .description('issue a client certificate (CN = name) and map it to a caller with these scopes')
    .requiredOption('--scopes <list>', `comma-separated: ${CALLER_SCOPES.join(', ')}`)
    .option('--owner', "the operator's own certificate: its caller is the owner")
    .option('--san <list>', 'comma-separated subject alternative names (DNS names, e-mail addresses, URIs)')
    .option('--days <n>', 'validity in days', '365')
    .option('--force', 'replace an existing certificate of that name')
    .option('--json', 'print as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ bulwark cert issue ci --scopes chat\n  $ bulwark cert issue laptop --scopes chat,admin --owner --days 90',
    )
    .action(
      action(
        ctx,
        async (
          name: string,
          opts: { scopes: string; owner?: boolean; san?: string; days: string; force?: boolean; json?: boolean },
        ) => {
          const scopes = parseScopes(opts.scopes);
          if (typeof scopes === 'string') return fail(ctx, scopes);
          const days = Number(opts.days);
          if (!Number.isInteger(days) || days < 1 || days > 3650)
            return fail(ctx, '--days must be a whole number of days from 1 to 3650');
          const san = (opts.san ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean);
          const issued = await issueClientFiles(ctx.dataDir, name, {
            validDays: days,
            san,
            ...(opts.force ? { force: true } : {}),
          });
          if (!issued.ok) return fail(ctx, issued.error);
          let mapped = false;
          const edited = editConfig(ctx.dataDir, (doc) => {
            if (!hasTls(doc) || doc.getIn(['server', 'tls', 'clientCa']) === undefined) return;
            setClient(doc, name, scopes, opts.owner === true);
            mapped = true;
          });
          if (!edited.ok) return fail(ctx, edited.error);
          if (opts.json) return printJson(ctx, { ...issued.value, scopes, owner: opts.owner === true, mapped });
          ctx.stdout(
            `certificate ${name} (serial ${issued.value.serial}, until ${issued.value.notAfter}):\n  ${issued.value.certFile}\n  ${issued.value.keyFile} (0600)\n`,
          );
          ctx.stdout(
            mapped
              ? `config.yaml: server.tls.clients maps cn=${name} to scopes ${scopes.join(', ')}${opts.owner ? ' (owner)' : ''} (restart the daemon)\n`
              : `add under server.tls (with clientCa) in config.yaml:\n  clients: [{ match: { cn: ${name} }, scopes: [${scopes.join(', ')}], owner: ${opts.owner === true} }]\n`,
          );
        },
      ),
    );

  cert
    .command('revoke [name]')
    .description(
      'revoke a client certificate: adds it to the CRL (tls/crl.pem), read again by the daemon within seconds',
    )
    .option('--refresh', 'only write a fresh CRL (its next-update date moves 30 days ahead)')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  $ bulwark cert revoke laptop\n  $ bulwark cert revoke --refresh')
    .action(
      action(ctx, async (name: string | undefined, opts: { refresh?: boolean; json?: boolean }) => {
        if (name === undefined && !opts.refresh) return fail(ctx, 'name the certificate to revoke, or pass --refresh');
        const r = await revokeAndWriteCrl(ctx.dataDir, name);
        if (!r.ok) return fail(ctx, r.error);
        let configured = false;
        const edited = editConfig(ctx.dataDir, (doc) => {
          if (!hasTls(doc) || doc.getIn(['server', 'tls', 'clientCa']) === undefined) return;
          if (doc.getIn(['server', 'tls', 'crl']) === undefined) doc.setIn(['server', 'tls', 'crl'], TLS_FILES.crl);
          configured = true;
        });
        if (!edited.ok) return fail(ctx, edited.error);
        if (opts.json) return printJson(ctx, { ...r.value, configured });
        ctx.stdout(
          `${name !== undefined ? `revoked ${name} (serial ${r.value.serial ?? '?'}); ` : ''}CRL ${r.value.crlFile} lists ${r.value.revoked} certificate(s)\n`,
        );
        if (!configured) ctx.stdout('set server.tls.crl to it in config.yaml (needs server.tls.clientCa)\n');
      }),
    );

  cert
    .command('list')
    .description('client certificates issued here: name, serial, expiry, revoked')
    .option('--json', 'print as JSON')
    .addHelpText('after', '\nExamples:\n  $ bulwark cert list\n  $ bulwark cert list --json')
    .action(
      action(ctx, (opts: { json?: boolean }) => {
        const list = listClientFiles(ctx.dataDir);
        if (!list.ok) return fail(ctx, list.error);
        if (opts.json) return printJson(ctx, list.value);
        ctx.stdout(
          formatTable(
            ['name', 'serial', 'valid until', 'revoked'],
            list.value.map((c) => [c.name, c.serial, c.notAfter, c.revoked ? 'yes' : 'no']),
          ),
        );
      }),
    );
}
