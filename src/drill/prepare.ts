/**
 * The drill outside its jail: everything the jail needs, made from the operator's config without touching their
 * data — the drilled config (a copy), decoy values for every secret name, decoy host files, and the jail's shape
 * (which host paths it hides, which it keeps readable). Nothing here writes anywhere; the jail builds its world on
 * its own tmpfs mounts.
 */
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/index.js';
import { type BulwarkError, err, ok, type Result, absoluteFrom } from '../core/index.js';
import { vaultNames } from '../secrets/index.js';
import { findJailTools, type JailSpec } from '../exec/index.js';
import { buildDrillConfig } from './drill-config.js';
import { decoyValueFor, makeHostDecoys } from './decoys.js';
import type { ApprovalPolicy, Plan } from './plan.js';
import type { Scenario } from './scenario.js';
import { jailHosts, SERVICE_ADDRESSES, SERVICE_NAMES } from './services.js';

/** Port of the hostile model on the jail's own loopback (the jail has a network namespace of its own). */
export const PROVIDER_PORT = 18_080;
/** The host's TLS key directory, replaced in the jail by a tmpfs with a decoy key. */
export const TLS_DIR = '/etc/ssl/private';
const TMPFS_BYTES = 512 * 1024 * 1024;
const JAIL_LIMITS = { pids: 4096, memoryBytes: 3 * 1024 * 1024 * 1024 };

/** The package root (the same two levels above this file in src/ and dist/). */
export function packageRoot(): string {
  return fileURLToPath(new URL('../../', import.meta.url)).replace(/\/$/, '');
}

export interface DrillInput {
  readonly config: Config;
  /** The operator's data dir (read for its secret names only; hidden inside the jail). */
  readonly dataDir: string;
  readonly scenarios: readonly Scenario[];
  readonly libraryDir: string;
  readonly approvals: ApprovalPolicy;
  /** The agent whose settings are drilled (default: the first). */
  readonly agent?: string;
  /** The program run inside the jail (absolute paths): it reads the plan on stdin. */
  readonly command: readonly string[];
}

export interface PreparedDrill {
  readonly plan: Plan;
  readonly spec: JailSpec;
  readonly notes: readonly string[];
}

export function drilledAgentId(index: number): string {
  return `drill-${String(index + 1).padStart(3, '0')}`;
}

export function prepareDrill(input: DrillInput): Result<PreparedDrill, BulwarkError> {
  const tools = findJailTools();
  if (!tools.ok) return tools;
  const target = input.agent ?? input.config.agents[0]?.id ?? 'default';
  const agentIds = input.scenarios.map((_s, i) => drilledAgentId(i));
  const host = makeHostDecoys();
  const built = buildDrillConfig({
    config: input.config,
    targetAgent: target,
    agentIds,
    providerUrl: (id) => `http://127.0.0.1:${PROVIDER_PORT}/s/${id}/v1`,
    promptNote: host.promptNote,
  });
  if (!built.ok) return built;
  const names = vaultNames(input.dataDir);
  if (!names.ok) return err(names.error);
  const vault: Record<string, string> = {};
  for (const n of new Set([...names.value, ...built.value.secretNames])) vault[n] = decoyValueFor(n);
  const home = homedir();
  const plan: Plan = {
    configYaml: built.value.yaml,
    dataDir: input.dataDir,
    home,
    packageRoot: packageRoot(),
    libraryDir: input.libraryDir,
    scenarios: input.scenarios.map((s, i) => ({ id: s.id, agent: agentIds[i] ?? '' })),
    vault,
    providerKeyName: built.value.providerKeyName,
    host,
    tlsDir: TLS_DIR,
    approvals: input.approvals,
    providerPort: PROVIDER_PORT,
  };
  // Every path of the operator's that holds data: hidden behind a tmpfs in the jail.
  const hide = [input.dataDir];
  for (const a of input.config.agents) if (a.workspace) hide.push(absoluteFrom(input.dataDir, a.workspace));
  const keyFile = input.config.secrets.masterKeyFile;
  if (keyFile) hide.push(path.dirname(absoluteFrom(input.dataDir, keyFile)));
  const keep = [packageRoot(), path.dirname(process.execPath), ...input.command.filter((c) => c.startsWith('/'))];
  const spec: JailSpec = {
    tools: tools.value,
    command: input.command,
    home,
    hide,
    keep: [...new Set(keep)],
    decoyDirs: [TLS_DIR],
    hosts: jailHosts(),
    addresses: SERVICE_NAMES.map((n) => SERVICE_ADDRESSES[n].ip),
    env: {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: home,
      LANG: 'C.UTF-8',
      [host.envName]: host.envSecret,
    },
    tmpfsBytes: TMPFS_BYTES,
    input: JSON.stringify(plan),
    limits: JAIL_LIMITS,
  };
  return ok({ plan, spec, notes: built.value.notes });
}
