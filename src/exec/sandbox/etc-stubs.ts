/**
 * The /etc/passwd and /etc/group the sandbox sees in place of the host's: the sandbox user and the
 * two accounts tools expect, nothing of the host's accounts. One copy for the runtime and the probe,
 * so the detection smoke test runs under the same stubs as every real command.
 */
import { writeFileSync } from 'node:fs';
import { childPath } from '../../core/index.js';

const PASSWD =
  'root:x:0:0::/nonexistent:/usr/sbin/nologin\nsandbox:x:1000:1000:sandbox:/workspace:/bin/sh\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n';
const GROUP = 'root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n';

export interface EtcStubs {
  readonly passwd: string;
  readonly group: string;
}

/** Writes `passwd` and `group` into `dir` (world-readable: the sandbox user must read them). */
export function writeEtcStubs(dir: string): EtcStubs {
  const stubs = { passwd: childPath(dir, 'passwd'), group: childPath(dir, 'group') };
  writeFileSync(stubs.passwd, PASSWD, { mode: 0o644 });
  writeFileSync(stubs.group, GROUP, { mode: 0o644 });
  return stubs;
}
