/**
 * The chat message of an approval (Telegram), built from real L27 classifications: what made the call ask comes
 * first, every cut says what it left out, a message that cannot show everything that needs approval is not complete
 * (no Approve button), and bidi overrides, invisible and control characters are shown escaped.
 */
import { describe, expect, it } from 'vitest';
import { approvalText } from '../../src/channels/approval-text.js';
import { DEFAULT_APPROVALS } from '../../src/config/index.js';
import { buildEffect, buildView, classifyAction, type PendingApproval } from '../../src/policy/index.js';

const WORKSPACE = '/srv/ws';
const BENIGN = [
  'cat README.md',
  'ls -la src',
  'wc -l README.md',
  'head -n 3 README.md',
  'sort README.md',
  'uniq README.md',
  'grep -n TODO README.md',
  'sed -n 1p README.md',
  'cut -c1-5 README.md',
  'nl README.md',
  'tail -n 2 README.md',
  'du -sh src',
  'file README.md',
  'stat README.md',
  'md5sum README.md',
  'sha256sum README.md',
  'od -c README.md',
  'rev README.md',
  'fold README.md',
  'tac README.md',
  'basename src',
  'pwd',
];
const EVIL = `python3 -c 'import shutil,os;shutil.rmtree(os.path.expanduser("~/.."))'`;

function pending(command: string, require = DEFAULT_APPROVALS.require): PendingApproval {
  const argsJson = JSON.stringify({ command });
  const c = classifyAction({ tool: 'exec', declared: 'exec', argsJson, workspace: WORKSPACE, scratch: [] });
  const { effect, hash } = buildEffect(c, {
    tool: 'exec',
    argsJson,
    agentId: 'coder',
    sessionId: 'sess_1',
    workspace: WORKSPACE,
    network: { mode: 'none', grants: [] },
  });
  const now = Date.now();
  return {
    id: 'apr_0123456789abcdef01234567',
    effectHash: hash,
    view: buildView(c, effect, require),
    createdAt: now,
    expiresAt: now + 60_000,
    waiters: 1,
  };
}

const same = (t: string) => t;

describe('approval message (Telegram)', () => {
  it('the destructive command behind 22 harmless ones is shown first, and the cut says how many more', () => {
    const p = pending([...BENIGN, EVIL].join('; '));
    expect(p.view.asks).toEqual(['destructive']);
    const m = approvalText(p, same, 4096);
    const runs = m.text.split('\n').filter((l) => l.startsWith('run'));
    expect(runs[0]).toContain('shutil.rmtree');
    expect(runs[0]).toMatch(/^run \[destructive\]: python3 -c '/);
    expect(runs).toHaveLength(5);
    expect(m.text).toContain('… and 18 more command(s)\n');
    expect(m.complete).toBe(true);
  });

  it('when the commands that need approval do not all fit, the message is not complete and says where to see them', () => {
    const many = Array.from({ length: 14 }, (_, i) => `python3 -c 'print(${i})'`);
    const m = approvalText(pending([...BENIGN, ...many].join('; ')), same, 4096);
    expect(m.complete).toBe(false);
    expect(m.text).toContain('… and 24 more command(s), 2 of them needing approval');
    expect(m.text).toContain('bulwark approvals show apr_0123456789abcdef01234567');
  });

  it('a long destructive command cut in the middle makes the message incomplete', () => {
    const m = approvalText(pending(`python3 -c '${'x=1;'.repeat(200)}import os'`), same, 4096);
    expect(m.text).toMatch(/more characters\)/);
    expect(m.complete).toBe(false);
  });

  it('a view without per-command classes (an older daemon) counts every command as needing approval', () => {
    const p = pending([...BENIGN, EVIL].join('; '));
    const { argvClasses: _dropped, ...older } = p.view;
    const m = approvalText({ ...p, view: older }, same, 4096);
    expect(m.complete).toBe(false);
    expect(m.text).toContain('11 of them needing approval');
  });

  it('a message longer than the platform limit is cut, not complete, and keeps its pointer to the full view', () => {
    const m = approvalText(pending([...BENIGN, EVIL].join('; ')), same, 700);
    expect(m.text.length).toBeLessThanOrEqual(700);
    expect(m.complete).toBe(false);
    expect(m.text).toMatch(/bulwark approvals show apr_0123456789abcdef01234567` or in the web UI \(Approvals\)\.$/);
  });

  it('bidi overrides, invisible and control characters are escaped; a newline cannot forge a line', () => {
    const hostile = `python3 -c 'import shutil;shutil.rmtree("src") #\u202e )"olleh"(tnirp' ; rm a\u200bb c\u{e0041}d 'e\rf' 'x\nrun: cat safe.txt'`;
    const m = approvalText(pending(hostile), same, 4096);
    for (const raw of ['\u202e', '\u200b', '\u{e0041}', '\r']) expect(m.text).not.toContain(raw);
    expect(m.text).toContain('#\\u202e )"olleh"(tnirp');
    expect(m.text).toContain('a\\u200bb');
    expect(m.text).toContain('c\\u{e0041}d');
    expect(m.text).toContain('e\\u000df');
    expect(m.text.split('\n').some((l) => l.startsWith('run: cat safe.txt'))).toBe(false);
    expect(m.text).toContain('x\\nrun: cat safe.txt');
  });
});
