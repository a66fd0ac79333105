/** auditPlaintext on hostile files: huge lines, NUL bytes, CRLF, BOM, many matches, FIFOs and devices. Findings never carry a value. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { auditPlaintext, type PlaintextFinding } from '../../src/secrets/plaintext-audit.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(path.join(tmpdir(), 'bulwark-pt-audit-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Seeded (xorshift32), so a run can never draw a token that happens to look like a stand-in.
let seed = 0x2545f491;
function ghp(): string {
  let t = 'ghp_';
  for (let i = 0; i < 36; i++) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    t += ALNUM[(seed >>> 0) % ALNUM.length];
  }
  return t;
}

let n = 0;
/** A home and data dir; `history` becomes ~/.bash_history. */
function setup(
  history?: string | Buffer,
  make?: (home: string, dataDir: string) => void,
): { home: string; dataDir: string; configFile: string } {
  const root = path.join(scratch, `r${n++}`);
  const home = path.join(root, 'home');
  const dataDir = path.join(root, 'data');
  mkdirSync(home, { recursive: true });
  mkdirSync(dataDir, { recursive: true });
  if (history !== undefined) writeFileSync(path.join(home, '.bash_history'), history);
  make?.(home, dataDir);
  return { home, dataDir, configFile: path.join(dataDir, 'config.yaml') };
}

function audit(s: { home: string; dataDir: string; configFile: string }): PlaintextFinding[] {
  return auditPlaintext({ dataDir: s.dataDir, configFile: s.configFile, env: {}, homeDir: s.home });
}

function lineNumbers(findings: PlaintextFinding[]): number[] {
  return findings.map((f) => Number(f.where.split(':').at(-1)));
}

describe('auditPlaintext', () => {
  it('finds a secret at the end of a 10 MB line, and never prints it', () => {
    const secret = ghp();
    const s = setup(`${'x '.repeat(5 * 1024 * 1024)}${secret}\nls\n`);
    const f = audit(s);
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ place: 'shell_history', kind: 'secret.github_token' });
    expect(f[0]?.where).toMatch(/\.bash_history:1$/);
    expect(JSON.stringify(f)).not.toContain(secret);
  });

  it('a rejected match does not hide a password inside its span (host=db:port=…:password=…)', () => {
    // Built at run time: a test value, not a credential.
    const value = ['S3cret', 'P4ss9xyz'].join('');
    const s = setup(`psql "host=db:port=5432:user=app:password=${value}"\n`);
    const f = audit(s);
    expect(f.map((x) => x.kind)).toContain('secret.generic_assignment');
    expect(JSON.stringify(f)).not.toContain(value);
  });

  it('NUL bytes, CRLF and a BOM do not hide a secret or shift its line', () => {
    const [a, b, c] = [ghp(), ghp(), ghp()];
    const s = setup(
      Buffer.concat([
        Buffer.from(`\uFEFFecho hi\r\nexport T=${a}\r\n`),
        Buffer.from([0, 0, 0]),
        Buffer.from(`\0${b}\0\r\n\r\ncurl -H "x: ${c}"\n`),
      ]),
    );
    const f = audit(s);
    expect(lineNumbers(f).sort()).toEqual([2, 3, 5]);
    for (const v of [a, b, c]) expect(JSON.stringify(f)).not.toContain(v);
  });

  it('numbers the lines of thousands of matches correctly', () => {
    const lines = Array.from({ length: 20_000 }, (_, i) =>
      i % 2 === 0 ? `git push https://x:${'y'}@h/${i}` : `export GH=${ghp()}`,
    );
    const f = audit(setup(lines.join('\n') + '\n')).filter((x) => x.kind === 'secret.github_token');
    expect(f).toHaveLength(10_000);
    expect(lineNumbers(f)).toEqual(Array.from({ length: 10_000 }, (_, i) => 2 * i + 2));
  });

  it('skips devices and does not follow symlinks inside the data dir', () => {
    const secret = ghp();
    const outside = path.join(scratch, `outside-${n}.txt`);
    writeFileSync(outside, `TOKEN=${secret}\n`);
    const s = setup(undefined, (home, dataDir) => {
      symlinkSync('/dev/zero', path.join(home, '.zsh_history'));
      symlinkSync(outside, path.join(dataDir, 'link.txt'));
      symlinkSync(dataDir, path.join(dataDir, 'loop'));
    });
    expect(audit(s)).toEqual([]);
  });

  it('a FIFO planted as a history or config file is skipped, not waited on', () => {
    const s = setup(undefined, (home, dataDir) => {
      for (const f of [path.join(home, '.bash_history'), path.join(dataDir, 'config.yaml')]) {
        const made = spawnSync('mkfifo', [f]);
        if (made.status !== 0) throw new Error(`mkfifo failed: ${made.stderr.toString()}`);
      }
    });
    // In a child: a blocking open of a FIFO without a writer never returns, and no in-process timeout can stop it.
    const script = `import { auditPlaintext } from './src/secrets/plaintext-audit.ts';
process.stdout.write(JSON.stringify(auditPlaintext(${JSON.stringify({ dataDir: s.dataDir, configFile: s.configFile, env: {}, homeDir: s.home })})));`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.signal).toBeNull();
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});
