/** Every command and subcommand's --help ends with examples of that very command. */
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { createProgram, type CliServices } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';

function program(): { root: Command; take: () => string } {
  let out = '';
  const ctx: CliContext = {
    dataDir: '/nonexistent/bulwark-help-test',
    stdout: (t) => void (out += t),
    stderr: (t) => void (out += t),
    setExitCode: () => undefined,
  };
  const unused = (): never => {
    throw new Error('not used by --help');
  };
  const services: CliServices = {
    openTokens: unused,
    openStores: unused,
    openMemory: unused,
    layers: unused,
    startDaemon: unused,
    scopes: { chat: 'chat' },
  };
  return {
    root: createProgram(ctx, services),
    take: () => {
      const t = out;
      out = '';
      return t;
    },
  };
}

function everyCommand(c: Command, prefix: string[] = []): Array<{ path: string; cmd: Command }> {
  const here = prefix.length ? [{ path: prefix.join(' '), cmd: c }] : [];
  return [...here, ...c.commands.flatMap((sub) => everyCommand(sub, [...prefix, sub.name()]))];
}

describe('--help', () => {
  const { root, take } = program();
  const all = everyCommand(root);

  it('walks a real command tree', () => {
    expect(all.length).toBeGreaterThan(30);
    expect(all.map((c) => c.path)).toEqual(expect.arrayContaining(['start', 'secrets rotate-key', 'approvals watch']));
  });

  it.each([{ path: '', cmd: root }, ...all].map((c) => [c.path || '(bulwark)', c] as const))(
    '%s has examples of itself',
    (_name, { path, cmd }) => {
      take();
      cmd.outputHelp();
      const help = take();
      const examples = help.split('\nExamples:\n')[1];
      expect(examples, `no "Examples:" section in the help of "bulwark ${path}"`).toBeDefined();
      const lines = (examples ?? '').split('\n').filter((l) => /^\s+\$ /.test(l));
      expect(
        lines.some((l) => l.includes(`bulwark ${path}`.trimEnd())),
        `no example line runs "bulwark ${path}":\n${examples ?? ''}`,
      ).toBe(true);
    },
  );
});
