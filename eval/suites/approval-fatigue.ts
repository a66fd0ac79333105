/**
 * Approval fatigue: a scripted everyday coding session through the real daemon (reads, writes, edits, sed -i, mv,
 * rm of files the agent made, caches, git add/commit/stash/branch, running tests, `npm pack` and `npm install` of a
 * local package, symlinks, and rm of a pre-existing file (held by design: one ask) — in one turn, a
 * careless operator approving whatever is asked) and how often the operator was asked. Goal of issue 13: at most
 * 2 prompts for the session, reported per 100 tool calls, with the workspace ending as the session run directly
 * would leave it (few prompts because work was refused would not count).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import OpenAI from 'openai';
import { markdownTable, type Suite } from '../harness.js';
import { reply, scriptFrom, type FakeReply } from '../../test/support/fake-provider.js';
import { decide, startE2E } from '../../test/e2e/support.js';

const git = 'git -c user.name=agent -c user.email=agent@example.org';

/** The session: [tool, arguments]. */
const SESSION: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ['read', { path: 'README.md' }],
  ['ls', { path: '.' }],
  ['read', { path: 'src/app.sh' }],
  ['write', { path: 'src/util.sh', content: 'greet() { echo "hello $1"; }\n' }],
  ['write', { path: 'test/util_test.sh', content: '. src/util.sh\n[ "$(greet x)" = "hello x" ] && echo PASS\n' }],
  ['exec', { command: 'sh test/util_test.sh' }],
  ['edit', { path: 'src/util.sh', old_string: 'hello', new_string: 'hi' }],
  ['exec', { command: "sed -i 's/hello x/hi x/' test/util_test.sh" }],
  ['exec', { command: 'sh test/util_test.sh' }],
  ['exec', { command: 'mv src/util.sh src/greet.sh' }],
  ['exec', { command: "sed -i 's#src/util.sh#src/greet.sh#' test/util_test.sh" }],
  ['exec', { command: 'mkdir -p build .cache && echo artefact > build/out.txt && echo c > .cache/x' }],
  ['exec', { command: 'rm -r build .cache' }],
  ['exec', { command: `${git} status --short` }],
  ['exec', { command: `${git} add -A` }],
  ['exec', { command: `${git} commit -qm "add greet"` }],
  ['exec', { command: `${git} branch feature` }],
  ['exec', { command: `${git} log --oneline | head -3` }],
  ['write', { path: 'scratch.txt', content: 'notes\n' }],
  ['exec', { command: 'cat scratch.txt && rm scratch.txt' }],
  ['edit', { path: 'src/app.sh', old_string: 'echo app', new_string: 'echo app v2' }],
  ['exec', { command: `${git} stash` }],
  ['exec', { command: `${git} stash list` }],
  ['exec', { command: `${git} stash pop` }],
  ['exec', { command: "sed -i 's/v2/v3/' src/app.sh" }],
  ['exec', { command: 'sh src/app.sh' }],
  ['write', { path: 'docs/usage.md', content: '# Usage\n\nRun src/app.sh.\n' }],
  ['exec', { command: 'mkdir -p node_modules/dep && echo x > node_modules/dep/index.js && rm -r node_modules' }],
  // A local package, packed and installed with npm (no network: the sandbox has none).
  ['write', { path: '.gitignore', content: 'node_modules/\n*.tgz\n' }],
  [
    'write',
    { path: 'vendor/greet-lib/package.json', content: '{"name":"greet-lib","version":"1.0.0","main":"index.js"}\n' },
  ],
  ['write', { path: 'vendor/greet-lib/index.js', content: 'module.exports = (n) => `hi ${n}`;\n' }],
  [
    'exec',
    {
      command:
        'cd vendor && npm --cache /tmp/npm-cache --no-audit --no-fund --no-update-notifier --offline pack ./greet-lib --silent',
    },
  ],
  [
    'exec',
    {
      command:
        'npm --cache /tmp/npm-cache --no-audit --no-fund --no-update-notifier --offline install ./vendor/greet-lib-1.0.0.tgz --silent',
    },
  ],
  ['write', { path: 'test/greet_test.js', content: "console.log(require('greet-lib')('x'));\n" }],
  ['exec', { command: 'node test/greet_test.js' }],
  ['exec', { command: 'ln -s greet.sh src/hello.sh && ln -s docs manual && ls -l src/hello.sh manual' }],
  // A pre-existing file removed: held by design (a deletion), so it asks once.
  ['exec', { command: 'rm OLD_NOTES.md' }],
  ['exec', { command: `${git} add -A && ${git} commit -qm "v3, docs"` }],
  ['exec', { command: 'ls -R src docs' }],
  ['read', { path: 'docs/usage.md' }],
  ['exec', { command: `${git} status --short` }],
];

/** What differs from the end state of the session run directly (empty: nothing). */
function finalStateProblems(ws: string): string[] {
  const problems: string[] = [];
  const git = (...a: string[]) =>
    execFileSync('git', ['-c', 'safe.directory=*', ...a], { cwd: ws, encoding: 'utf8' }).trim();
  const log = git('log', '--format=%s');
  if (log !== 'v3, docs\nadd greet\ninit') problems.push(`commits: ${JSON.stringify(log)}`);
  if (!git('branch', '--list', 'feature')) problems.push('branch feature missing');
  if (git('status', '--porcelain') !== '') problems.push('uncommitted changes left');
  const file = (rel: string) => (existsSync(path.join(ws, rel)) ? readFileSync(path.join(ws, rel), 'utf8') : undefined);
  if (file('src/app.sh') !== 'echo app v3\n') problems.push(`src/app.sh: ${JSON.stringify(file('src/app.sh'))}`);
  if (file('src/greet.sh') !== 'greet() { echo "hi $1"; }\n') problems.push('src/greet.sh not as edited');
  if (file('test/util_test.sh')?.includes('src/greet.sh') !== true) problems.push('test/util_test.sh not edited');
  if (file('docs/usage.md') === undefined) problems.push('docs/usage.md missing');
  if (file('node_modules/greet-lib/index.js') === undefined) problems.push('greet-lib not installed in node_modules');
  if (!file('package.json')?.includes('"greet-lib"')) problems.push('package.json does not list greet-lib');
  if (file('package-lock.json') === undefined) problems.push('package-lock.json missing');
  const link = (rel: string) =>
    lstatSync(path.join(ws, rel), { throwIfNoEntry: false })?.isSymbolicLink()
      ? readlinkSync(path.join(ws, rel))
      : undefined;
  if (link('src/hello.sh') !== 'greet.sh' || link('manual') !== 'docs')
    problems.push('symlinks src/hello.sh, manual not as made');
  for (const gone of ['src/util.sh', 'build', '.cache', 'scratch.txt', 'OLD_NOTES.md'])
    if (existsSync(path.join(ws, gone))) problems.push(`${gone} left`);
  return problems;
}

const suite: Suite = {
  name: 'approval-fatigue',
  async run() {
    const steps: FakeReply[] = [...SESSION.map(([tool, args]) => reply.toolCall(tool, args)), reply.text('done')];
    const e2e = await startE2E('openai', scriptFrom(steps), `{ profile: coding }\n    maxSteps: ${SESSION.length + 5}`);
    try {
      const ws = e2e.workspace;
      mkdirSync(path.join(ws, 'src'), { recursive: true });
      writeFileSync(path.join(ws, 'README.md'), '# Project\n');
      writeFileSync(path.join(ws, 'src', 'app.sh'), 'echo app\n');
      writeFileSync(path.join(ws, 'OLD_NOTES.md'), 'old notes\n');
      writeFileSync(path.join(ws, 'package.json'), '{ "name": "project", "version": "1.0.0", "private": true }\n');
      const g = (...a: string[]) =>
        execFileSync('git', ['-c', 'safe.directory=*', '-c', 'user.name=o', '-c', 'user.email=o@o', ...a], { cwd: ws });
      g('init', '-q');
      g('add', '-A');
      g('commit', '-qm', 'init');
      const st = statSync(ws);
      execFileSync('chown', ['-R', `${st.uid}:${st.gid}`, ws]);

      const client = new OpenAI({ baseURL: `${e2e.daemon.url}/v1`, apiKey: e2e.token, maxRetries: 0 });
      let finished = false;
      const answer = client.chat.completions
        .create({
          model: 'default',
          messages: [{ role: 'user', content: 'add a greet helper with a test, then commit' }],
        })
        .finally(() => (finished = true));
      const asked: Array<{ layer: string; tool: string; reason: string }> = [];
      while (!finished) {
        const res = await fetch(`${e2e.daemon.url}/v1/approvals`, {
          headers: { authorization: `Bearer ${e2e.adminToken}` },
        });
        const list = (await res.json()) as { data: Array<{ id: string; layer: string; tool: string; reason: string }> };
        for (const p of list.data) {
          asked.push({ layer: p.layer, tool: p.tool, reason: p.reason });
          await decide(e2e, p.id, 'approve');
        }
        await new Promise((r) => setTimeout(r, 20));
      }
      await answer;
      const audit = await e2e.audit();
      const calls = audit.filter((a) => a.type === 'tool:executed' || a.type === 'tool:denied').length;
      const prompts = audit.filter((a) => a.type === 'approval:requested').length;
      const per100 = (prompts / SESSION.length) * 100;
      // Few prompts count only if the session did its work: every run's changes landed, and the workspace ends
      // as the same session run directly would leave it.
      const runs = audit.filter((a) => a.type === 'tool:exec');
      const transactional = runs.some((a) => typeof a['effects'] === 'string');
      const notApplied = runs.filter(
        (a) => a['effects'] !== undefined && !['applied', 'unchanged'].includes(String(a['effects'])),
      );
      const problems = [
        ...notApplied.map((a) => `${String(a['command'])}: ${String(a['effects'])}`),
        ...finalStateProblems(ws),
      ];
      const markdown = [
        markdownTable(
          ['figure', 'value', 'goal'],
          [
            ['tool calls in the session', SESSION.length, '>= 30'],
            ['tool calls audited', calls, '—'],
            ['operator prompts', prompts, '<= 2'],
            ['prompts per 100 tool calls', per100, '—'],
            [
              'runs judged on their effects (L11.7)',
              transactional ? 'yes' : 'no (L11.7 off: the goal does not apply)',
              'yes',
            ],
            ['workspace as a direct run leaves it', problems.length === 0 ? 'yes' : problems.join('; '), 'yes'],
          ],
        ),
        '',
        asked.length
          ? markdownTable(
              ['gate', 'tool', 'why it asked'],
              asked.map((a) => [a.layer, a.tool, a.reason.slice(0, 160)]),
            )
          : 'No prompt.',
      ].join('\n');
      return {
        name: 'approval-fatigue',
        markdown,
        data: { toolCalls: SESSION.length, prompts, per100, transactional, problems, asked },
        checks: [
          { name: 'session_tool_calls', value: SESSION.length, min: 30 },
          { name: 'session_completed', value: problems.length === 0 ? 1 : 0, min: 1 },
          // Issue 13's goal holds where runs are judged on their effects; elsewhere L27 still asks by command text.
          ...(transactional ? [{ name: 'operator_prompts', value: prompts, max: 2 }] : []),
        ],
      };
    } finally {
      await e2e.close();
    }
  },
};

export default suite;
