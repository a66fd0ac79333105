/**
 * `curl -o /dev/null URL` (a status check, a download timed and thrown away) writes nothing anyone keeps: it is
 * no write and no destructive action. Only the exact name `/dev/null` is the null device here: every other
 * spelling (`/dev//null`, `/dev/null/../sda`, `/dev/./null`) and every other device is judged as the path it
 * names. The classifier reads the command line, not the file system, so a symlink is judged by its own name.
 */
import { mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { classifyCommandString } from '../../src/policy/action-classifier-exec.js';

const ws = realpathSync(mkdtempSync(path.join(tmpdir(), 'bw-devnull-')));
afterAll(() => rmSync(ws, { recursive: true, force: true }));
const classes = (command: string) => [...classifyCommandString(command, ws).classes].sort();

describe('downloads to the null device', () => {
  it.each([
    'curl -o /dev/null https://example.com',
    "curl -sS -o /dev/null -w '%{http_code}' https://example.com",
    'curl -so /dev/null https://example.com',
    'curl -sSLo /dev/null https://example.com',
    'curl --output /dev/null https://example.com',
    'curl --output=/dev/null https://example.com',
    'wget -O /dev/null https://example.com',
    'wget -qO/dev/null https://example.com',
    'curl https://example.com > /dev/null',
  ])('%s: reaches the network, writes nothing', (command) => {
    expect(classes(command)).toEqual(['exec', 'network']);
  });

  it.each([
    'curl -o /dev/null/../sda https://example.com',
    'curl -o /dev//null https://example.com',
    'curl -o /dev/./null https://example.com',
    'curl -o /dev/sda https://example.com',
    'curl -o /dev/nullx https://example.com',
    'curl -o /dev/null -o /etc/passwd https://example.com https://example.org',
    'curl https://example.com > /dev//null',
  ])('%s: still writes outside the workspace', (command) => {
    expect(classes(command)).toContain('destructive');
  });

  it('the output file in every way curl and wget take it is judged (attached, in a cluster, after =)', () => {
    for (const command of [
      'curl -o/etc/passwd https://example.com',
      'curl -sSo /etc/passwd https://example.com',
      'curl -so/etc/passwd https://example.com',
      'curl --output=/etc/passwd https://example.com',
      'wget --output-document=/etc/passwd https://example.com',
      'wget -qO /etc/passwd https://example.com',
    ])
      expect(classes(command), command).toContain('destructive');
    // An option that takes its own argument ends the cluster: `-Ho` is a header named `o`, not an output.
    expect(classes('curl -Ho https://example.com')).toEqual(['exec', 'network']);
  });

  it('a file in the workspace is a write; a symlink there is judged by its name, not by where it points', () => {
    symlinkSync('/dev/null', path.join(ws, 'discard'));
    expect(classes('curl -o page.html https://example.com')).toEqual(['exec', 'network', 'write']);
    expect(classes('curl -o discard https://example.com')).toEqual(['exec', 'network', 'write']);
    expect(classes('curl -O https://example.com/file.txt')).toEqual(['exec', 'network', 'write']);
  });
});
