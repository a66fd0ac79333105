/** The exec room's public surface (L11 and its gates L11.2–L11.6) for the composition root, the CLI and the broker. */
export { startExec, type ExecService, type StartExecOptions } from './service.js';
export { ExecRunner, type ExecOutcome, type ExecRequest, type ExecRunnerDeps } from './runner.js';
export type { BrokerAccess, BrokerSpawn, BrokerSpawner } from './broker-access.js';
export type { RunSpec, SandboxMode, SandboxProvider, SpawnPlan } from './sandbox/provider.js';
export { detectSandbox, type SandboxDetection } from './detect.js';
export { ExecConfigSchema, type ExecConfig } from '../config/sections/exec.js';
export { evaluateCommand, type CommandVerdict } from './command-policy.js';
