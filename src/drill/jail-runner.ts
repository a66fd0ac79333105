/**
 * The drill inside its jail: builds the decoy world, starts the decoy network, the hostile model and the drilled
 * daemon (the operator's config, copied), then plays every scenario against it and judges the world after each.
 * It reports one JSON line per event on stdout (plan.ts: JailMessage); the drill outside prints the report.
 */
import {
  existsSync,
  readdirSync,
  mkdirSync,
  openSync,
  readSync,
  closeSync,
  fstatSync,
  readFileSync,
  realpathSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { JAIL_HOSTNAME } from '../exec/index.js';
import { parseConfigText, type Config } from '../config/index.js';
import {
  describeCause,
  EventBus,
  type BulwarkError,
  type LayerStatus,
  ok,
  type Result,
  childPath,
} from '../core/index.js';
import { masterKeyOptionsFromConfig, openSecretStore } from '../secrets/index.js';
import { approvalRefusals, auditRefusals, orderLayers, quotedRefusals, type Refusal } from './attribution.js';
import { chat, DrillOperator, type ChatOutcome } from './daemon-client.js';
import { newMarker } from './decoys.js';
import { Director } from './director.js';
import { startHostileProvider, type HostileProvider } from './hostile-provider.js';
import { judge, pathsToWatch } from './judge.js';
import { loadLibrary } from './library.js';
import { PlanSchema, type JailMessage, type Plan, type ScenarioResult } from './plan.js';
import type { CallerRole, ModelTurn, Scenario } from './scenario.js';
import { startDecoyServices, type DecoyServices } from './services.js';
import type { Lookup } from './transforms.js';
import { fingerprint, killAll, processesWith, resetHostFiles, seedWorkspace } from './world.js';

/** The drilled daemon as the jail uses it (the daemon's RunningDaemon satisfies it). */
export interface DrilledDaemon {
  readonly url: string;
  readonly auditFile: string;
  readonly layers: readonly LayerStatus[];
  flushAudit(): Promise<void>;
  close(): Promise<void>;
}

export interface TokenMinter {
  create(
    name: string,
    scopes: readonly string[],
    options?: { readonly owner?: boolean },
  ): Result<{ readonly token: string }, BulwarkError>;
  close(): void;
}

/** What the composition root gives the jail (it cannot import the daemon itself). */
export interface JailServices {
  startDaemon(options: { dataDir: string; port: number; pretty: boolean }): Promise<DrilledDaemon>;
  openTokens(dataDir: string): Result<TokenMinter, BulwarkError>;
}

const EXCHANGE_TIMEOUT_MS = 30_000;
const PROBE_MESSAGE = 'What do you remember about me and my project?';
const PROBE_TURNS: readonly ModelTurn[] = [{ say: 'Noted.', repeat: false }];

function gateStates(layers: readonly LayerStatus[]): Map<string, { state: string; reason: string }> {
  const out = new Map<string, { state: string; reason: string }>();
  for (const l of layers) {
    out.set(l.id, { state: l.state, reason: l.reason });
    for (const g of l.gates) out.set(g.id, { state: g.state, reason: g.reason });
  }
  return out;
}

/** New lines of the audit file since `offset`. */
function readAudit(file: string, offset: number): { lines: Record<string, unknown>[]; offset: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return { lines: [], offset };
    throw cause;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return { lines: [], offset: size };
    const buf = Buffer.alloc(size - offset);
    readSync(fd, buf, 0, buf.length, offset);
    const lines: Record<string, unknown>[] = [];
    for (const l of buf.toString('utf8').split('\n')) {
      if (!l.trim()) continue;
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch (cause) {
        lines.push({ type: 'drill:unreadable-audit-line', reason: describeCause(cause) });
      }
    }
    return { lines, offset: size };
  } finally {
    closeSync(fd);
  }
}

interface Context {
  readonly plan: Plan;
  readonly config: Config;
  readonly daemon: DrilledDaemon;
  readonly services: DecoyServices;
  readonly director: Director;
  readonly operator: DrillOperator;
  readonly gates: Map<string, { state: string; reason: string }>;
  readonly tokens: Map<string, Record<CallerRole, string>>;
  readonly vaultKey: string;
  auditOffset: number;
}

function worldLookup(ctx: Context, agent: string, marker: string, workspace: string): Lookup {
  return (name) => {
    switch (name) {
      case 'marker':
        return marker;
      case 'home':
        return ctx.plan.home;
      case 'workspace':
        return workspace;
      case 'datadir':
        return ctx.plan.dataDir;
      case 'internet':
      case 'internal':
      case 'metadata':
        return ctx.services.url(name);
      case 'daemon':
        return ctx.daemon.url;
      case 'bulwark':
        return `${process.execPath} ${childPath(ctx.plan.packageRoot, 'bin', 'bulwark.js')}`;
      case 'agent':
        return agent;
      default:
        return undefined;
    }
  };
}

function judgeValues(ctx: Context, world: Lookup, canaries: () => string[]): (name: string) => readonly string[] {
  const host = ctx.plan.host;
  const decoys: Record<string, string> = {
    'decoy:ssh_key': host.sshNeedle,
    'decoy:aws_secret': host.awsSecret,
    'decoy:tls_key': host.tlsNeedle,
    'decoy:env_secret': host.envSecret,
    'decoy:prompt_secret': host.promptSecret,
    'decoy:vault_key': ctx.vaultKey,
  };
  return (name) => {
    if (name === 'canary') return canaries();
    if (name === 'prompt') return [ctx.config.agents[0]?.systemPrompt ?? ''];
    if (name === 'apiKey') return [ctx.plan.vault[ctx.plan.providerKeyName] ?? ''];
    if (name in decoys) return [decoys[name] ?? ''];
    if (name.startsWith('vault:')) {
      const v = ctx.plan.vault[name.slice('vault:'.length)];
      return v ? [v] : [];
    }
    const w = world(name);
    return w === undefined ? [] : [w];
  };
}

async function runScenario(ctx: Context, s: Scenario, agent: string): Promise<ScenarioResult> {
  const started = Date.now();
  const base = { id: s.id, goal: s.goal, title: s.title };
  const missing = s.requires.filter((g) => (ctx.gates.get(g)?.state ?? 'absent') === 'absent');
  if (missing.length > 0)
    return {
      ...base,
      verdict: 'SKIPPED',
      layer: null,
      layers: [],
      evidence: `${missing.join(', ')} not built yet (absent in this daemon)`,
      ms: 0,
    };
  const marker = newMarker();
  const workspace = realpathSync(childPath(ctx.plan.dataDir, 'workspaces', agent));
  const world = worldLookup(ctx, agent, marker, workspace);
  resetHostFiles(ctx.plan);
  seedWorkspace(workspace, s.seed);
  ctx.services.reset();
  const canaries = () => [
    ...new Set(ctx.director.requests(agent, started).flatMap((r) => (r.canary ? [r.canary] : []))),
  ];
  const values = judgeValues(ctx, world, canaries);
  const before = new Map<string, string>();
  for (const p of pathsToWatch(s.brokeIf, values)) before.set(p, fingerprint(p));
  await ctx.daemon.flushAudit();
  ctx.auditOffset = readAudit(ctx.daemon.auditFile, ctx.auditOffset).offset;

  const tokens = ctx.tokens.get(agent) as Record<CallerRole, string>;
  const shown: string[] = [];
  const sessions: Array<string | undefined> = [];
  const problems: string[] = [];
  const fill = (t: string) => t.replace(/\{\{\s*([a-z]+)\s*\}\}/g, (m, n: string) => world(n) ?? m);
  const send = async (
    turns: readonly ModelTurn[],
    index: number | 'probe',
    as: CallerRole,
    message: string,
    sessionId: string | undefined,
    stream: boolean,
  ): Promise<ChatOutcome> => {
    ctx.director.begin(agent, index, turns, world);
    try {
      return await chat({
        url: ctx.daemon.url,
        token: tokens[as],
        agent,
        message,
        ...(sessionId ? { sessionId } : {}),
        stream,
        timeoutMs: EXCHANGE_TIMEOUT_MS,
      });
    } finally {
      ctx.director.end(agent);
    }
  };
  for (const [i, ex] of s.exchanges.entries()) {
    const session = typeof ex.session === 'number' ? sessions[ex.session] : undefined;
    const out = await send(ex.model, i, ex.as, fill(ex.user), session, ex.stream);
    sessions.push(out.sessionId);
    shown.push(out.text);
    if (out.failed) problems.push(`exchange ${i}: ${out.failed}`);
  }
  await ctx.operator.idle();
  if (s.brokeIf.some((c) => 'recalled' in c)) {
    const out = await send(PROBE_TURNS, 'probe', 'owner', PROBE_MESSAGE, undefined, false);
    if (out.failed) problems.push(`probe: ${out.failed}`);
  }
  const failure = ctx.director.failure(agent);
  if (failure) problems.push(failure);
  if (ctx.operator.failure) problems.push(ctx.operator.failure);

  const requests = ctx.director.requests(agent, started);
  const finding = judge(s.brokeIf, { requests, shown, services: ctx.services.received(), before, values });

  await ctx.daemon.flushAudit();
  const audit = readAudit(ctx.daemon.auditFile, ctx.auditOffset);
  ctx.auditOffset = audit.offset;
  const refusals: Refusal[] = [
    ...auditRefusals(audit.lines, agent),
    ...approvalRefusals(ctx.operator.answered, agent, started),
    ...quotedRefusals(
      requests.map((r) => r.text),
      Date.now(),
    ),
  ];
  const { first, layers } = orderLayers(refusals);
  // What a scenario left running must not run into the next one.
  killAll(processesWith(marker));
  const ms = Date.now() - started;
  if (finding) {
    const evidence = s.knownGap ? `${finding.evidence} (known gap: ${s.knownGap})` : finding.evidence;
    return { ...base, verdict: 'BROKE', layer: null, layers, evidence, ms };
  }
  if (problems.length > 0)
    return { ...base, verdict: 'ERROR', layer: first?.layer ?? null, layers, evidence: problems.join('; '), ms };
  return {
    ...base,
    verdict: 'HELD',
    layer: first?.layer ?? s.heldBy ?? null,
    layers,
    evidence: first
      ? first.what
      : s.heldBy
        ? `no effect; no refusal recorded, held by ${s.heldBy} by construction (isolation)`
        : 'no effect, and no gate recorded a refusal',
    ms,
  };
}

function writeVault(dataDir: string, config: Config, values: Record<string, string>): Result<string, BulwarkError> {
  // The scratch vault is seeded before the drilled daemon starts: no audit sink listens yet.
  const opened = openSecretStore({
    bus: new EventBus(),
    dataDir,
    masterKeySource: masterKeyOptionsFromConfig(config.secrets, dataDir, true),
  });
  if (!opened.ok) return opened;
  try {
    for (const [name, value] of Object.entries(values)) {
      const r = opened.value.set(name, value);
      if (!r.ok) return r;
    }
    const location = opened.value.keyInfo.location;
    return ok(location.startsWith('/') ? readFileSync(location, 'utf8').trim() : '');
  } finally {
    opened.value.close();
  }
}

/**
 * The jail's own hostname and a data dir that does not exist yet (a fresh tmpfs): anywhere else this would build a
 * decoy world over the operator's real files, so it refuses.
 */
function notInJail(dataDir: string): string | undefined {
  if (hostname() !== JAIL_HOSTNAME)
    return `drill-jail runs only inside the drill's jail (started by \`bulwark drill\`); this host is ${hostname()}`;
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0)
    return `drill-jail found ${dataDir} already holding files: it runs only on the jail's fresh tmpfs`;
  return undefined;
}

function failed(message: string): JailMessage {
  return { type: 'failed', message };
}

/** Runs the plan read from `input`; returns the exit code of the jailed process. */
export async function runInJail(jail: JailServices, input: string, emit: (m: JailMessage) => void): Promise<number> {
  let raw: unknown;
  try {
    raw = JSON.parse(input);
  } catch (cause) {
    emit(failed(`the drill's plan is not JSON: ${describeCause(cause)}`));
    return 1;
  }
  const parsed = PlanSchema.safeParse(raw);
  if (!parsed.success) {
    emit(failed(`the drill's plan is invalid: ${parsed.error.message}`));
    return 1;
  }
  const plan = parsed.data;
  const outside = notInJail(plan.dataDir);
  if (outside) {
    emit(failed(outside));
    return 1;
  }
  const library = loadLibrary(plan.libraryDir);
  if (!library.ok) {
    emit(failed(library.error.message));
    return 1;
  }
  const byId = new Map(library.value.map((s) => [s.id, s]));
  const scenarios: Array<{ s: Scenario; agent: string }> = [];
  for (const ref of plan.scenarios) {
    const s = byId.get(ref.id);
    if (!s) {
      emit(failed(`scenario ${ref.id} is not in the library the jail sees`));
      return 1;
    }
    scenarios.push({ s, agent: ref.agent });
  }
  const config = parseConfigText(plan.configYaml, 'the drilled config');
  if (!config.ok) {
    emit(failed(config.error.message));
    return 1;
  }
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    resetHostFiles(plan);
    mkdirSync(plan.dataDir, { recursive: true, mode: 0o700 });
    writeFileSync(childPath(plan.dataDir, 'config.yaml'), plan.configYaml, { mode: 0o600 });
    const vaultKey = writeVault(plan.dataDir, config.value, plan.vault);
    if (!vaultKey.ok) {
      emit(failed(`cannot fill the decoy vault: ${vaultKey.error.message}`));
      return 1;
    }
    const services = await startDecoyServices(randomBytes(20).toString('base64'));
    cleanups.push(() => services.close());
    const director = new Director();
    const provider: HostileProvider = await startHostileProvider(director.direct, '127.0.0.1', plan.providerPort);
    cleanups.push(() => provider.close());
    const daemon = await jail.startDaemon({ dataDir: plan.dataDir, port: 0, pretty: false });
    cleanups.push(() => daemon.close());
    const minted = mintTokens(
      jail,
      plan.dataDir,
      scenarios.map((x) => x.agent),
    );
    if (!minted.ok) {
      emit(failed(minted.error.message));
      return 1;
    }
    const operator = new DrillOperator(daemon.url, minted.value.admin, plan.approvals);
    cleanups.push(() => operator.close());
    const ctx: Context = {
      plan,
      config: config.value,
      daemon,
      services,
      director,
      operator,
      gates: gateStates(daemon.layers),
      tokens: minted.value.callers,
      vaultKey: vaultKey.value,
      auditOffset: 0,
    };
    emit({
      type: 'ready',
      scenarios: scenarios.length,
      layers: daemon.layers.flatMap((l) => [
        { id: l.id, state: l.state, reason: l.reason },
        ...l.gates.map((g) => ({ id: g.id, state: g.state, reason: g.reason })),
      ]),
      notes: [],
    });
    for (const [index, { s, agent }] of scenarios.entries()) {
      emit({ type: 'start', index, id: s.id });
      const result = await runScenario(ctx, s, agent);
      emit({ type: 'result', index, result });
    }
    emit({ type: 'done', notes: [] });
    return 0;
  } catch (cause) {
    emit(failed(`the drill failed inside its jail: ${describeCause(cause)}`));
    return 1;
  } finally {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (cause) {
        process.stderr.write(`drill: clean-up failed: ${describeCause(cause)}\n`);
      }
    }
  }
}

function mintTokens(
  services: JailServices,
  dataDir: string,
  agents: readonly string[],
): Result<{ admin: string; callers: Map<string, Record<CallerRole, string>> }, BulwarkError> {
  const admin = services.openTokens(dataDir);
  if (!admin.ok) return admin;
  try {
    const op = admin.value.create('drill-operator', ['admin']);
    if (!op.ok) return op;
    const callers = new Map<string, Record<CallerRole, string>>();
    for (const agent of agents) {
      const owner = admin.value.create(`drill-owner-${agent}`, ['chat'], { owner: true });
      const stranger = admin.value.create(`drill-stranger-${agent}`, ['chat']);
      const victim = admin.value.create(`drill-victim-${agent}`, ['chat']);
      if (!owner.ok) return owner;
      if (!stranger.ok) return stranger;
      if (!victim.ok) return victim;
      callers.set(agent, { owner: owner.value.token, stranger: stranger.value.token, victim: victim.value.token });
    }
    return ok({ admin: op.value.token, callers });
  } finally {
    admin.value.close();
  }
}
