/** `bulwark token create|list|revoke`: API tokens for the gateway (L18). */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { action, fail, formatTable, printJson } from '../output.js';
import type { CliServices, TokenAdmin } from '../program.js';
import { tokenWarning } from './init.js';
import { examples } from '../help.js';

function withTokens(ctx: CliContext, services: CliServices, fn: (tokens: TokenAdmin) => void): void {
  const tokens = services.openTokens(ctx.dataDir);
  if (!tokens.ok) return fail(ctx, tokens.error);
  try {
    fn(tokens.value);
  } finally {
    tokens.value.close();
  }
}

export function register(program: Command, ctx: CliContext, services: CliServices): void {
  const scopeHelp = Object.entries(services.scopes)
    .map(([s, h]) => `  ${s.padEnd(6)} ${h}`)
    .join('\n');
  const token = program
    .command('token')
    .description('create, list and revoke API tokens (stored only as SHA-256 hashes)')
    .addHelpText(
      'after',
      `\nScopes:\n${scopeHelp}\n\nExamples:\n  $ bulwark token create --name laptop --scopes chat\n  $ bulwark token list\n  $ bulwark token revoke tok_0123456789abcdef01234567`,
    );

  token
    .command('create')
    .description('create a token; it is printed once and cannot be shown again')
    .option('--scopes <list>', 'comma-separated scopes', 'chat')
    .option('--name <name>', 'a label to recognise the token by', 'cli')
    .option(
      '--owner',
      "the operator's own token: its messages are never refused by the input guard (a reminder and an audit line instead)",
    )
    .option('--json', 'print as JSON (includes the token)')
    .addHelpText(
      'after',
      `\nScopes:\n${scopeHelp}\n\nExamples:\n  $ bulwark token create --name ci --scopes chat,admin\n  $ bulwark token create --name phone --scopes chat --owner`,
    )
    .action(
      action(ctx, (opts: { scopes: string; name: string; owner?: boolean; json?: boolean }) =>
        withTokens(ctx, services, (tokens) => {
          const created = tokens.create(opts.name, opts.scopes.split(','), { owner: opts.owner === true });
          if (!created.ok) return fail(ctx, created.error);
          if (opts.json) return printJson(ctx, created.value);
          ctx.stdout(
            `token ${created.value.id} ("${created.value.name}") created:\n${tokenWarning(created.value.token, created.value.scopes)}\n`,
          );
        }),
      ),
    );

  token
    .command('list')
    .description('list tokens (ids, names, scopes, dates; never the tokens themselves)')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples('bulwark token list', 'bulwark token list --json'))
    .action(
      action(ctx, (opts: { json?: boolean }) =>
        withTokens(ctx, services, (tokens) => {
          const list = tokens.list();
          if (opts.json) return printJson(ctx, list);
          if (list.length === 0) return ctx.stdout('no tokens; create one with `bulwark token create`\n');
          ctx.stdout(
            formatTable(
              ['ID', 'NAME', 'SCOPES', 'OWNER', 'CREATED', 'STATUS'],
              list.map((t) => [
                t.id,
                t.name,
                t.scopes.join(','),
                t.owner ? 'yes' : 'no',
                t.createdAt,
                t.revokedAt ? `revoked ${t.revokedAt}` : 'active',
              ]),
            ),
          );
        }),
      ),
    );

  token
    .command('revoke')
    .description('revoke a token by id; it is refused from then on, also by a running daemon')
    .argument('<id>', 'token id as shown by `bulwark token list` (tok_...)')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples('bulwark token revoke tok_0123456789abcdef01234567'))
    .action(
      action(ctx, (id: string, opts: { json?: boolean }) =>
        withTokens(ctx, services, (tokens) => {
          const revoked = tokens.revoke(id);
          if (!revoked.ok) return fail(ctx, revoked.error);
          if (opts.json) return printJson(ctx, revoked.value);
          ctx.stdout(
            `token ${revoked.value.id} ("${revoked.value.name}") revoked at ${revoked.value.revokedAt ?? ''}\n`,
          );
        }),
      ),
    );
}
