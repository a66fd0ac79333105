/**
 * The classes each command of a command line added (L27), carried into the approval view, and the order every
 * approval surface shows the commands in: what made the call ask first.
 */
import { describe, expect, it } from 'vitest';
import { renderApproval } from '../../src/cli/commands/approvals.js';
import { buildEffect, buildView, classifyAction, rankCommands } from '../../src/policy/index.js';
import { classifyExec } from './classify-exec.js';

const exec = classifyExec;

describe('commands ranked by what made them ask', () => {
  it('the classifier records each command’s own classes, nested commands included', () => {
    const c = exec(`cat a.txt; sh -c 'ls; curl https://example.com'; rm -rf /etc/x > out.txt`);
    expect(c.exec?.argvs.map((a) => a[0])).toEqual(['cat', 'sh', 'ls', 'curl', 'rm']);
    const byProgram = Object.fromEntries(c.exec?.argvs.map((a, i) => [a[0], c.exec?.argvClasses[i]]) ?? []);
    expect(byProgram['cat']).toEqual(['read']);
    expect(byProgram['ls']).toEqual(['read']);
    expect(byProgram['curl']).toContain('network');
    expect(byProgram['curl']).not.toContain('destructive');
    expect(byProgram['rm']).toEqual(expect.arrayContaining(['write', 'destructive']));
  });

  it('those that hit a required class come first, in their order, then the rest', () => {
    const c = exec(`cat a; rm -rf /opt/x; ls; shred /etc/y; pwd`);
    const ranked = rankCommands({ argv: c.exec?.argvs, argvClasses: c.exec?.argvClasses, asks: ['destructive'] });
    expect(ranked.map((r) => [r.argv[0], r.index, r.asks])).toEqual([
      ['rm', 1, true],
      ['shred', 3, true],
      ['cat', 0, false],
      ['ls', 2, false],
      ['pwd', 4, false],
    ]);
  });

  it('without per-command classes, or when no single command set the class, every command counts', () => {
    const argv = [['cat', 'a'], ['ls']];
    expect(rankCommands({ argv, asks: ['destructive'] }).map((r) => r.asks)).toEqual([true, true]);
    expect(rankCommands({ argv, argvClasses: [['read'], ['read']], asks: ['destructive'] }).map((r) => r.asks)).toEqual(
      [true, true],
    );
    expect(rankCommands({ argv, argvClasses: [['read']], asks: ['read'] }).map((r) => r.asks)).toEqual([true, true]);
  });

  it('`bulwark approvals show` lists them in that order with their classes, invisible characters escaped', () => {
    const argsJson = JSON.stringify({ command: `cat a\u200b.txt; rm -rf /opt/x\u202e; ls` });
    const c = classifyAction({ tool: 'exec', declared: 'exec', argsJson, workspace: '/srv/ws', scratch: [] });
    const network = { mode: 'none' as const, grants: [] };
    const ctx = { tool: 'exec', argsJson, agentId: 'a', sessionId: 's', workspace: '/srv/ws', network };
    const { effect, hash } = buildEffect(c, ctx);
    const view = buildView(c, effect, ['destructive']);
    const now = new Date().toISOString();
    const text = renderApproval({
      id: 'apr_1',
      status: 'pending',
      effectHash: hash,
      createdAt: now,
      expiresAt: now,
      waiters: 1,
      view: { ...view, classes: [...view.classes], reasons: [...view.reasons] } as never,
    });
    const argvLines = text.split('\n').filter((l) => l.startsWith('argv['));
    expect(argvLines).toEqual([
      'argv[1]    ["rm","-rf","/opt/x\\\\u202e"]  <- destructive',
      'argv[0]    ["cat","a\\\\u200b.txt"]',
      'argv[2]    ["ls"]',
    ]);
    expect(text).toContain('classes    destructive, exec, read (asks for: destructive)');
    expect(text).not.toMatch(/[\u200b\u202e]/);
  });
});
