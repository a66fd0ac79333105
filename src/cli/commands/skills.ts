/**
 * `bulwark skills scan|add|list|remove|enable|disable`: Agent Skills, screened by L24 before they are installed.
 * `scan PATH [--json]` prints {"verdict","findings":[{"rule","severity","file","line"}]}; exit 0 when the verdict
 * is allow, 2 when warn or block, 1 on bad input. `add` refuses a `block` skill unless `--override NAME` names it.
 */
import type { Command } from 'commander';
import { absoluteFrom } from '../../core/index.js';
import {
  scanSkillSource,
  type SkillScan,
  addSkillFrom,
  listSkills,
  removeSkill,
  setSkillAgent,
} from '../../supply/index.js';
import type { CliContext } from '../context.js';
import { examples } from '../help.js';
import { action, fail, formatTable, printJson, terminalSafe } from '../output.js';

function printFindings(ctx: CliContext, scan: SkillScan): void {
  ctx.stdout(`verdict: ${scan.verdict} (${scan.files} files, ${scan.findings.length} findings)\n`);
  for (const f of scan.findings)
    ctx.stdout(
      terminalSafe(`  ${f.severity.padEnd(8)} ${f.rule} ${f.file}:${f.line} — ${f.reason}\n    ${f.excerpt}\n`),
    );
}

export function register(program: Command, ctx: CliContext): void {
  const skills = program
    .command('skills')
    .description('Agent Skills: scan (L24), install read-only, list, remove, enable per agent')
    .addHelpText('after', examples('bulwark skills scan ./my-skill', 'bulwark skills add ./my-skill --agent main'));

  skills
    .command('scan')
    .description(
      'scan every file of a skill (folder or archive) and print the verdict (allow, warn, block) with findings',
    )
    .argument('<path>', 'the skill folder (the one with SKILL.md), or a .zip, .tar.gz/.tgz or .tar of it')
    .option('--json', 'print {"verdict","findings":[{"rule","severity","file","line"}]}')
    .addHelpText(
      'after',
      `\nExit code: 0 allow, 2 warn or block, 1 bad input.\n${examples('bulwark skills scan ./my-skill', 'bulwark skills scan ./my-skill --json')}`,
    )
    .action(
      action(ctx, (source: string, opts: { json?: boolean }) => {
        const scanned = scanSkillSource(absoluteFrom(process.cwd(), source));
        if (!scanned.ok) return fail(ctx, scanned.error);
        const scan = scanned.value.scan;
        if (opts.json)
          ctx.stdout(
            JSON.stringify({
              verdict: scan.verdict,
              findings: scan.findings.map((f) => ({
                rule: f.rule,
                severity: f.severity,
                file: f.file,
                line: f.line,
                reason: f.reason,
                excerpt: f.excerpt,
              })),
            }) + '\n',
          );
        else printFindings(ctx, scan);
        if (scan.verdict !== 'allow') ctx.setExitCode(2);
      }),
    );

  skills
    .command('add')
    .description(
      'scan a skill (folder or archive, unpacked safely) and install it read-only into the data dir (refused when L24 blocks it)',
    )
    .argument('<path>', 'the skill folder (the one with SKILL.md), or a .zip, .tar.gz/.tgz or .tar of it')
    .option('--override <name>', "install a skill L24 blocks: give the skill's own name to confirm you read it")
    .option('--agent <id>', 'enable it for this agent right away')
    .addHelpText(
      'after',
      examples(
        'bulwark skills add ./pdf-text-extract --agent main',
        'bulwark skills add ./pdf-text-extract.zip',
        'bulwark skills add ./odd-skill --override odd-skill',
      ),
    )
    .action(
      action(ctx, (source: string, opts: { override?: string; agent?: string }) => {
        const added = addSkillFrom(ctx.dataDir, absoluteFrom(process.cwd(), source), {
          ...(opts.override !== undefined ? { override: opts.override } : {}),
        });
        if (!added.ok) return fail(ctx, added.error);
        const { skill, scan } = added.value;
        ctx.stdout(`installed ${skill.name} (verdict ${scan.verdict}${skill.overridden ? ', overridden' : ''})\n`);
        if (scan.findings.length) printFindings(ctx, scan);
        const deps = added.value.dependencies;
        if (deps.checked) ctx.stdout(`L25: ${deps.checked} pinned dependencies checked, none listed\n`);
        for (const w of deps.warnings) ctx.stdout(terminalSafe(`  warning ${w}\n`));
        if (opts.agent !== undefined) {
          const enabled = setSkillAgent(ctx.dataDir, skill.name, opts.agent, true);
          if (!enabled.ok) return fail(ctx, enabled.error);
          ctx.stdout(`enabled for agent ${opts.agent}\n`);
        }
      }),
    );

  skills
    .command('list')
    .description('installed skills: name, verdict, agents, description')
    .option('--json', 'print as JSON')
    .addHelpText('after', examples('bulwark skills list', 'bulwark skills list --json'))
    .action(
      action(ctx, (opts: { json?: boolean }) => {
        const list = listSkills(ctx.dataDir);
        if (!list.ok) return fail(ctx, list.error);
        if (opts.json) return printJson(ctx, list.value);
        if (list.value.length === 0) return ctx.stdout('no skills installed (bulwark skills add PATH)\n');
        ctx.stdout(
          formatTable(
            ['name', 'verdict', 'agents', 'description'],
            list.value.map((s) => [
              s.name,
              s.overridden ? `${s.verdict} (overridden)` : s.verdict,
              s.agents.join(',') || '-',
              terminalSafe(s.description).replace(/\n/g, ' ').slice(0, 80),
            ]),
          ),
        );
      }),
    );

  skills
    .command('remove')
    .description('uninstall a skill')
    .argument('<name>', 'the skill name')
    .addHelpText('after', examples('bulwark skills remove pdf-text-extract'))
    .action(
      action(ctx, (name: string) => {
        const removed = removeSkill(ctx.dataDir, name);
        if (!removed.ok) return fail(ctx, removed.error);
        ctx.stdout(`removed ${name}\n`);
      }),
    );

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const)
    skills
      .command(verb)
      .description(`${verb} an installed skill for one agent`)
      .argument('<name>', 'the skill name')
      .requiredOption('--agent <id>', 'the agent id')
      .addHelpText('after', examples(`bulwark skills ${verb} pdf-text-extract --agent main`))
      .action(
        action(ctx, (name: string, opts: { agent: string }) => {
          const r = setSkillAgent(ctx.dataDir, name, opts.agent, enabled);
          if (!r.ok) return fail(ctx, r.error);
          ctx.stdout(`${name}: ${enabled ? 'enabled' : 'disabled'} for agent ${opts.agent}\n`);
        }),
      );
}
