/**
 * `bulwark sandbox run [--workspace DIR] [--net none|host] [--apply never|ask|auto] -- CMD…`: runs a command
 * exactly as the exec tool would (gates L11.2–L11.8: on a copy-on-write view whose effect set is printed and
 * judged), audited in the data dir's audit.jsonl, for operators to try the sandbox and for tests.
 * `bulwark sandbox status`: which provider works and why the others do not.
 */
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import type { Command } from 'commander';
import { loadConfig, ensureDataDir } from '../../config/index.js';
import { absoluteFrom, childPath, describeCause } from '../../core/index.js';
import { detectSandbox, ExecConfigSchema, startExec, type ExecConfig } from '../../exec/index.js';
import { openCliAuditBus } from '../audit-bus.js';
import type { CliContext } from '../context.js';
import type { CliServices } from '../program.js';
import { describeEffects } from '../../agent/index.js';
import { confirmAtTerminal } from '../input.js';
import { action, fail, printJson, terminalSafe } from '../output.js';
import { examples } from '../help.js';

/** One shell word for a command line built from argv. */
export function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The `exec` section of config.yaml when the integrated schema has one; defaults otherwise. */
function execConfigFrom(dataDir: string): ExecConfig | string {
  const loaded = loadConfig(dataDir);
  const section = loaded.ok ? (loaded.value as unknown as Record<string, unknown>)['exec'] : undefined;
  const parsed = ExecConfigSchema.safeParse(section ?? {});
  if (!parsed.success) return `exec: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`;
  return parsed.data;
}

export function register(program: Command, ctx: CliContext, services?: Pick<CliServices, 'execPipeline'>): void {
  const sandbox = program
    .command('sandbox')
    .description('L11 OS exec sandbox: try it and see its state')
    .addHelpText('after', examples('bulwark sandbox status', 'bulwark sandbox run -- ls -la'));
  sandbox
    .command('status')
    .description('probe the sandbox providers, seccomp, Landlock, cgroups and resource limits on this host')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples('bulwark sandbox status', 'bulwark sandbox status --json'))
    .action(
      action(ctx, (opts: { json?: boolean }) => {
        const d = detectSandbox();
        if (opts.json) return printJson(ctx, { ...d, layout: undefined });
        ctx.stdout(`provider: ${d.provider ?? 'NONE — exec would be disabled unless exec.sandbox: off'}\n`);
        for (const p of d.providers)
          ctx.stdout(
            `  ${p.name}: ${p.works ? 'works' : 'does not work'} — ${p.reason}${p.fix ? `\n    fix: ${p.fix}` : ''}\n`,
          );
        ctx.stdout(`seccomp: ${d.seccomp.available ? 'on' : 'off'} — ${d.seccomp.reason}\n`);
        ctx.stdout(`landlock: ${d.landlock.reason}\n`);
        ctx.stdout(`process limit (cgroup): ${d.cgroup.available ? 'on' : 'off'} — ${d.cgroup.reason}\n`);
        ctx.stdout(
          `memory limit (cgroup): ${d.cgroup.base?.memory ? 'on' : 'off'} — ${d.cgroup.base?.memoryReason ?? 'no usable cgroup'}\n`,
        );
        ctx.stdout(`rlimits: ${d.rlimits.available ? 'on' : 'off'} — ${d.rlimits.reason}\n`);
        if (!d.provider) ctx.setExitCode(1);
      }),
    );
  sandbox
    .command('run')
    .description(
      'run CMD exactly as the exec tool would: command policy, env allow-list, working-directory check and the OS sandbox',
    )
    .option('--workspace <dir>', 'the workspace (read-write inside the sandbox); default: the current directory')
    .option('--net <mode>', 'network: none (default) or host', 'none')
    .option('--timeout <ms>', 'kill the command after this many milliseconds')
    .option('--cwd <dir>', 'working directory relative to the workspace')
    .option(
      '--apply <mode>',
      "what to do with the command's file changes: never (show them only), ask (held ones are asked here; default), auto (held ones applied without asking; refused ones never)",
      'ask',
    )
    .option(
      '--env <NAME=value>',
      'extra environment variable (repeatable; loader variables are refused)',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .argument('<cmd...>', 'the command; a single argument is a shell command line, several are quoted and joined')
    .addHelpText(
      'after',
      `
Exit code: the command's, 124 on timeout, 126 when a layer refuses the command.
The command runs on a copy-on-write view of the workspace (L11.7); its effect set is printed on stderr and then
applied, held or refused as for the exec tool, and journaled (bulwark workspace undo).

${examples(
  'bulwark sandbox run -- id',
  "bulwark sandbox run --workspace /tmp/ws -- 'cat /etc/shadow; ls ~'",
  'bulwark sandbox run --apply never -- sh build.sh',
  'bulwark sandbox run --net host -- curl -sI https://example.com',
)}`,
    )
    .action(
      action(
        ctx,
        async (
          cmd: string[],
          opts: { workspace?: string; net: string; timeout?: string; cwd?: string; env: string[]; apply: string },
        ) => {
          if (opts.net !== 'none' && opts.net !== 'host') return fail(ctx, '--net takes none or host');
          if (opts.apply !== 'never' && opts.apply !== 'ask' && opts.apply !== 'auto')
            return fail(ctx, '--apply takes never, ask or auto');
          const base = execConfigFrom(ctx.dataDir);
          if (typeof base === 'string') return fail(ctx, base);
          const timeoutMs = opts.timeout !== undefined ? Number(opts.timeout) : undefined;
          if (timeoutMs !== undefined && (!Number.isInteger(timeoutMs) || timeoutMs < 100))
            return fail(ctx, '--timeout takes milliseconds (>= 100)');
          const config: ExecConfig = {
            ...base,
            network: opts.net,
            ...(timeoutMs !== undefined ? { timeoutMs: Math.max(timeoutMs, base.timeoutMs) } : {}),
          };
          const env: Record<string, string> = {};
          for (const e of opts.env) {
            const i = e.indexOf('=');
            if (i <= 0) return fail(ctx, `--env takes NAME=value, got "${e}"`);
            env[e.slice(0, i)] = e.slice(i + 1);
          }
          let workspace: string;
          try {
            workspace = realpathSync(absoluteFrom(process.cwd(), opts.workspace ?? '.'));
          } catch (cause) {
            return fail(ctx, `the workspace does not exist: ${describeCause(cause)}`);
          }
          const dd = ensureDataDir(ctx.dataDir);
          if (!dd.ok) return fail(ctx, dd.error);
          const runtimeDir = childPath(dd.value, 'run');
          mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
          const ownDir = childPath(runtimeDir, `exec-cli-${process.pid}`);
          // The run is audited in the data dir's audit.jsonl, as the exec tool's runs are.
          const opened = openCliAuditBus(dd.value, (m) => ctx.stderr(`bulwark: ${m}\n`));
          if (!opened.ok) return fail(ctx, opened.error);
          const audit = opened.value;
          const svc = startExec({
            config,
            runtimeDir: ownDir,
            parkedSandboxes: 0,
            bus: audit.bus,
            journalDir: childPath(dd.value, 'journal'),
            ...(services?.execPipeline ? { pipeline: services.execPipeline } : {}),
          });
          if (!svc.ok) {
            await audit.close();
            return fail(ctx, svc.error);
          }
          for (const l of svc.value.log) if (l.level !== 'info') ctx.stderr(`bulwark: ${l.message}\n`);
          const runner = svc.value.runner;
          if (!runner) {
            await audit.close();
            ctx.setExitCode(126);
            return ctx.stderr(`bulwark: exec is disabled: ${svc.value.layer.reason}\n`);
          }
          try {
            const line = cmd.length === 1 ? (cmd[0] as string) : cmd.map(shellQuote).join(' ');
            const r = await runner.run(
              workspace,
              {
                command: line,
                ...(opts.cwd ? { cwd: opts.cwd } : {}),
                env,
                ...(timeoutMs !== undefined ? { timeoutMs } : {}),
                ...(opts.apply === 'never' ? { dryRun: true } : {}),
                approveEffects: async (held) => {
                  ctx.stderr(`bulwark: the command's changes are held (L11.7): it ${held.reasons.join('; ')}\n`);
                  for (const e of held.effects.slice(0, 50))
                    ctx.stderr(
                      `  ${e.change} ${terminalSafe(e.path)}${e.from ? ` (from ${terminalSafe(e.from)})` : ''}\n`,
                    );
                  if (opts.apply === 'auto') return { approved: true, reason: '--apply auto' };
                  const yes = await confirmAtTerminal('apply these changes? [y/N] ');
                  return yes
                    ? { approved: true, reason: 'confirmed at the terminal' }
                    : {
                        approved: false,
                        reason:
                          yes === undefined
                            ? 'no terminal to ask (use --apply auto or never)'
                            : 'declined at the terminal',
                      };
                },
              },
              { sender: 'cli' },
            );
            if (!r.ok) {
              ctx.stderr(`bulwark: ${r.error.message}\n`);
              ctx.setExitCode(126);
              return;
            }
            ctx.stdout(r.value.stdout);
            if (r.value.stderr) ctx.stderr(r.value.stderr);
            if (r.value.effects) ctx.stderr(`bulwark: ${terminalSafe(describeEffects(r.value.effects))}\n`);
            else
              ctx.stderr(
                'bulwark: no copy-on-write view on this host (L11.7 degraded): the command changed the workspace directly\n',
              );
            if (r.value.timedOut) ctx.stderr(`bulwark: killed after ${timeoutMs ?? config.timeoutMs} ms\n`);
            ctx.setExitCode(r.value.timedOut ? 124 : (r.value.exitCode ?? 128));
          } finally {
            svc.value.stop();
            await audit.close();
            rmSync(ownDir, { recursive: true, force: true });
          }
        },
      ),
    );
}
