/**
 * Plantings that make the operator's next `git fetch` run a command on the host, and the real fetch that proves
 * whether one fired. Used by the exec-effects escape attempts (through bulwark) and by their control (the same
 * planting made directly, outside bulwark, must fire, or the attempts could not fail).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface FetchPlanting {
  readonly name: string;
  /** Shell text run in the repository's work tree; `marker` is the file the planted command creates. */
  readonly plant: (marker: string, remote: string) => string;
}

const hook = (dir: string, marker: string) =>
  `mkdir -p ${dir} && printf '#!/bin/sh\\ntouch ${marker}\\n' > ${dir}/reference-transaction && chmod +x ${dir}/reference-transaction`;

export const FETCH_PLANTINGS: readonly FetchPlanting[] = [
  { name: 'core.fsmonitor', plant: (m) => `git config core.fsmonitor "touch ${m}"` },
  {
    name: 'remote.origin.uploadpack',
    plant: (m) => `git config remote.origin.uploadpack "touch ${m}; git-upload-pack"`,
  },
  {
    name: 'url.*.insteadOf to an ext:: URL',
    plant: (m, remote) =>
      `git config protocol.ext.allow always && git config "url.ext::sh -c touch% ${m}.insteadOf" ${remote}`,
  },
  {
    name: 'core.sshCommand with an ssh remote',
    plant: (m) =>
      `git config remote.origin.url ssh://localhost/x.git && git config core.sshCommand "sh -c 'touch ${m}' x"`,
  },
  { name: 'a reference-transaction hook', plant: (m) => hook('.git/hooks', m) },
  {
    name: 'core.hooksPath to a hook in the work tree',
    plant: (m) => `${hook('hk', m)} && git config core.hooksPath hk`,
  },
];

/** Real git as the operator would run it; safe.directory=* so git's ownership check cannot hide a planting. */
export function hostGit(cwd: string, ...args: string[]): SpawnSyncReturns<string> {
  return spawnSync('git', ['-c', 'safe.directory=*', ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: '/usr/bin:/bin',
      HOME: cwd,
      GIT_AUTHOR_NAME: 'op',
      GIT_AUTHOR_EMAIL: 'op@example.invalid',
      GIT_COMMITTER_NAME: 'op',
      GIT_COMMITTER_EMAIL: 'op@example.invalid',
    },
  });
}

function must(r: SpawnSyncReturns<string>): string {
  if (r.status !== 0) throw new Error(`git failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** A bare repository at `dir` with one commit on main: the remote an operator fetches from. */
export function makeFetchRemote(dir: string): string {
  mkdirSync(dir, { recursive: true });
  must(hostGit(dir, 'init', '-q', '--bare', '-b', 'main', '.'));
  advanceRemote(dir);
  return dir;
}

/** A new commit on the remote's main, so the next fetch updates a ref (reference-transaction fires on that). */
function advanceRemote(remote: string): void {
  const tree = must(hostGit(remote, 'mktree'));
  const head = hostGit(remote, 'rev-parse', '-q', '--verify', 'refs/heads/main').stdout.trim();
  const commit = must(hostGit(remote, 'commit-tree', tree, ...(head ? ['-p', head] : []), '-m', 'upstream'));
  must(hostGit(remote, 'update-ref', 'refs/heads/main', commit));
}

/** Runs `git fetch origin` on the host in `repo` (after a new upstream commit) and says whether `marker` appeared. */
export function hostFetchFires(repo: string, remote: string, marker: string): boolean {
  rmSync(marker, { force: true });
  advanceRemote(remote);
  hostGit(repo, 'fetch', '-q', 'origin');
  const fired = existsSync(marker);
  rmSync(marker, { force: true });
  return fired;
}

/** A plain repository with `origin` pointing at `remote`, as the operator's checkout would be. */
export function makeOperatorRepo(dir: string, remote: string): string {
  mkdirSync(dir, { recursive: true });
  must(hostGit(dir, 'init', '-q', '-b', 'main', '.'));
  must(hostGit(dir, 'remote', 'add', 'origin', remote));
  return dir;
}

export const remoteOf = (root: string): string => join(root, 'upstream.git');
