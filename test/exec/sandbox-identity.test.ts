import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { lookupUser, mappedHere } from '../../src/exec/sandbox-identity.js';

const dir = mkdtempSync(path.join(tmpdir(), 'bw-identity-'));
const file = (name: string, text: string): string => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('sandbox identity', () => {
  it('finds a user in a passwd file and nothing for a malformed or missing line', () => {
    const passwd = file(
      'passwd',
      'root:x:0:0::/root:/bin/sh\nbulwark-sandbox:x:999:999::/nonexistent:/usr/sbin/nologin\nbad:x:zz:1\n',
    );
    expect(lookupUser('bulwark-sandbox', passwd)).toEqual({ uid: 999, gid: 999 });
    expect(lookupUser('bad', passwd)).toBeUndefined();
    expect(lookupUser('nobody-here', passwd)).toBeUndefined();
    expect(lookupUser('x', path.join(dir, 'absent'))).toBeUndefined();
  });

  it('counts an id as usable only when this user namespace maps it', () => {
    // The host's initial namespace maps everything; a drill jail maps one id (root inside = nobody outside).
    const host = file('host_map', '         0          0 4294967295\n');
    const jail = file('jail_map', '         0      65534          1\n');
    expect(mappedHere(999, host)).toBe(true);
    expect(mappedHere(999, jail)).toBe(false);
    expect(mappedHere(0, jail)).toBe(true);
    expect(mappedHere(1, jail)).toBe(false);
    expect(mappedHere(999, file('empty_map', ''))).toBe(false);
    expect(mappedHere(999, path.join(dir, 'no-procfs'))).toBe(true);
  });
});
