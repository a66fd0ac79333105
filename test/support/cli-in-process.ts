/**
 * Runs the bulwark CLI in this process against a data dir, with only the services a command group needs: any other
 * service throws, so a command that reaches one it should not is a test failure rather than a silent pass.
 */
import { createProgram, type CliServices } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';

export interface CliRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

export async function runCliInProcess(
  dataDir: string,
  args: readonly string[],
  services: Partial<CliServices> = {},
): Promise<CliRun> {
  let out = '';
  let errText = '';
  let code = 0;
  const ctx: CliContext = {
    dataDir,
    stdout: (t) => void (out += t),
    stderr: (t) => void (errText += t),
    setExitCode: (c) => void (code = c),
  };
  const unused = (): never => {
    throw new Error(`bulwark ${args.slice(0, 2).join(' ')} used a service this test did not give it`);
  };
  const all: CliServices = {
    openTokens: unused,
    openStores: unused,
    openMemory: unused,
    layers: unused,
    startDaemon: unused,
    scopes: {},
    ...services,
  };
  await createProgram(ctx, all).parseAsync(['node', 'bulwark', ...args]);
  return { code, out, err: errText };
}
