/** The built `bulwark scan output`: stdin when no FILE is given (like scan input), and its documented offsets. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ensureBuilt, run } from './binary.js';

vi.setConfig({ testTimeout: 60_000, hookTimeout: 180_000 });
beforeAll(() => ensureBuilt(), 180_000);

/** An AWS-shaped key id built at run time (not a real key). */
const KEY = ['AKIA', 'QWER', 'TYUI', 'OPAS', 'DFGH'].join('');

function home(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-scan-out-')), 'home');
}

describe('bulwark scan output (binary)', () => {
  it('reads stdin when no FILE is given; without a vault a note says known values are not checked', async () => {
    const r = await run(
      ['scan', 'output', '--jsonl'],
      { BULWARK_HOME: home() },
      `${JSON.stringify({ text: `key ${KEY}` })}\n${JSON.stringify({ text: 'fine' })}\n`,
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('known secret values are not checked');
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; verdict: string; redacted: string });
    expect(lines.map((l) => [l.id, l.verdict, l.redacted])).toEqual([
      ['1', 'redacted', 'key [REDACTED]'],
      ['2', 'clean', 'fine'],
    ]);
    expect(r.stdout).not.toContain(KEY);
  });

  it('invalid UTF-8 becomes U+FFFD and offsets count UTF-16 units, as --help says', async () => {
    const help = await run(['scan', 'output', '--help'], { BULWARK_HOME: home() });
    expect(help.stdout).toContain('U+FFFD');
    expect(help.stdout).toContain('UTF-16 code units');
    // 0xff is one invalid byte → one U+FFFD (1 unit); the emoji is 4 bytes, 1 code point, 2 units.
    const input = Buffer.concat([Buffer.from([0xff]), Buffer.from(` \u{1F600} ${KEY}`)]);
    // run() writes its input with stream.end(), which takes raw bytes as well as a string.
    const plain = await run(['scan', 'output', '--no-vault'], { BULWARK_HOME: home() }, input as unknown as string);
    expect(plain.code).toBe(2);
    expect(plain.stdout).toContain(`secret.aws_access_key_id  [5, ${5 + KEY.length})`);
    expect(plain.stdout).toContain('\uFFFD \u{1F600} [REDACTED]');
  });
});
