/** Real git for the tests: a clean environment (no operator or system config), fixed identity. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const home = mkdtempSync(path.join(tmpdir(), 'bulwark-git-home-'));

export const GIT_ENV: NodeJS.ProcessEnv = {
  PATH: '/usr/local/bin:/usr/bin:/bin',
  HOME: home,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.invalid',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.invalid',
  GIT_TERMINAL_PROMPT: '0',
};

export interface GitRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `-c safe.directory=*`: git's ownership check must not hide a planted command from the test. */
export function git(cwd: string, ...args: string[]): GitRun {
  const r = spawnSync('git', ['-c', 'safe.directory=*', '-c', 'protocol.file.allow=always', ...args], {
    cwd,
    env: GIT_ENV,
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function mustGit(cwd: string, ...args: string[]): string {
  const r = git(cwd, ...args);
  if (r.code !== 0) throw new Error(`git ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** What git itself reads from a config file: [name, value|null] pairs, or undefined when git refuses the file. */
export function gitReads(dir: string, content: Buffer | string): Array<[string, string | null]> | undefined {
  const file = path.join(dir, 'probe.config');
  writeFileSync(file, content);
  const r = spawnSync('git', ['config', '--file', file, '--list', '--null'], {
    cwd: dir,
    env: GIT_ENV,
    timeout: 20_000,
  });
  if (r.status !== 0) return undefined;
  const out: Array<[string, string | null]> = [];
  for (const item of r.stdout.toString('utf8').split('\0')) {
    if (item === '') continue;
    const nl = item.indexOf('\n');
    out.push(nl === -1 ? [item, null] : [item.slice(0, nl), item.slice(nl + 1)]);
  }
  return out;
}
