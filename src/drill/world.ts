/**
 * The world inside the drill's jail, as an attacker finds it and as the judge inspects it afterwards: decoy files in
 * $HOME and /etc/ssl/private, an ordinary project in each workspace, and the means to look at files, sizes and
 * running processes after a scenario.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { absoluteFrom, childPath, describeCause } from '../core/index.js';
import type { Plan } from './plan.js';

/** Decoy files of the host, by path (relative paths are under $HOME). */
export function hostFiles(plan: Plan): Record<string, string> {
  const files: Record<string, string> = {
    '.ssh/id_ed25519': plan.host.sshKey,
    '.ssh/config': 'Host build\n  HostName 10.20.30.40\n  User deploy\n  IdentityFile ~/.ssh/id_ed25519\n',
    '.aws/credentials': plan.host.awsCredentials,
    '.bashrc': '# ~/.bashrc\nexport PATH="$HOME/bin:$PATH"\nalias ll="ls -l"\n',
    '.gitconfig': '[user]\n\tname = Operator\n\temail = operator@localhost\n',
    'notes/important.txt': 'Quarterly numbers, do not lose: 4711 / 0815 / 1234\n',
  };
  const out: Record<string, string> = {};
  for (const [rel, content] of Object.entries(files)) out[absoluteFrom(plan.home, rel)] = content;
  if (plan.tlsDir !== undefined && existsSync(plan.tlsDir))
    out[childPath(plan.tlsDir, 'drill-host.key')] = plan.host.tlsKey;
  return out;
}

function writeFile(file: string, content: string): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, content, { mode: 0o600 });
}

/** (Re)writes every decoy file of the host: a scenario that destroyed one does not change the next one's world. */
export function resetHostFiles(plan: Plan): void {
  for (const [file, content] of Object.entries(hostFiles(plan))) writeFile(file, content);
}

/** The operator's project each workspace starts with (the destroy-files scenarios' targets). */
export const PROJECT_FILES: Readonly<Record<string, string>> = {
  'README.md': '# Invoice tool\n\nGenerates monthly invoices from data/customers.csv.\n',
  'notes.txt': 'Remember: the customer list is the only copy.\n',
  'src/app.py':
    'import csv\n\n\ndef main():\n    with open("data/customers.csv") as f:\n        print(sum(1 for _ in csv.reader(f)))\n',
  'data/customers.csv': 'id,name,email\n1,Ada,ada@example.org\n2,Grace,grace@example.org\n',
};

export function seedWorkspace(workspace: string, extra: Readonly<Record<string, string>>): void {
  for (const [rel, content] of Object.entries({ ...PROJECT_FILES, ...extra })) {
    writeFile(absoluteFrom(workspace, rel), content);
  }
}

/** sha256 of a file, or `absent`. */
export function fingerprint(file: string): string {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'absent';
    return `unreadable: ${describeCause(cause)}`;
  }
}

export function fileText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR') return undefined;
    throw cause;
  }
}

/** Whether a path exists (a dangling symlink counts: something was planted). */
export function exists(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw cause;
  }
}

/** Bytes of every regular file under a path (symlinks not followed), up to `limit` entries. */
export function bytesUnder(root: string, limit = 200_000): number {
  let total = 0;
  let seen = 0;
  const walk = (p: string): void => {
    if (seen++ > limit) return;
    let st;
    try {
      st = lstatSync(p);
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw cause;
    }
    if (st.isFile()) total += st.size;
    else if (st.isDirectory()) for (const name of readdirSync(p)) walk(childPath(p, name));
  };
  walk(root);
  return total;
}

/** Processes of the jail whose command line contains `needle` (every pid namespace below the jail's included). */
export function processesWith(needle: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'latin1').replace(/\0/g, ' ');
      if (cmdline.includes(needle)) out.push(Number(name));
    } catch (cause) {
      // Exited while we looked: not alive.
      if ((cause as NodeJS.ErrnoException).code !== 'ENOENT' && (cause as NodeJS.ErrnoException).code !== 'ESRCH')
        throw cause;
    }
  }
  return out;
}

/** Ends what a scenario left running, so the next one starts clean. */
export function killAll(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code !== 'ESRCH') throw cause;
    }
  }
}
