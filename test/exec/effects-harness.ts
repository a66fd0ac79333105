/** A real exec service with copy-on-write views over a temporary workspace, for the effects tests. */
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type Envelope, type EventType } from '../../src/core/events.js';
import { ExecConfigSchema, type ExecConfig } from '../../src/config/sections/exec.js';
import { startExec, type ExecService } from '../../src/exec/service.js';
import type { ApproveEffects } from '../../src/exec/effects-gate.js';
import type { EffectSet } from '../../src/exec/effects/types.js';

export interface Harness {
  readonly root: string;
  readonly workspace: string;
  readonly svc: ExecService;
  readonly events: Array<Envelope<EventType>>;
  run(
    command: string,
    approve?: ApproveEffects,
    traceId?: string,
  ): ReturnType<NonNullable<ExecService['runner']>['run']>;
  close(): void;
}

export function startHarness(
  config: Partial<Record<keyof ExecConfig, unknown>> = {},
  leakCheck?: (text: string) => string | undefined,
): Harness {
  const root = mkdtempSync(join(tmpdir(), 'bulwark-effects-'));
  const workspace = join(root, 'ws');
  mkdirSync(workspace, { mode: 0o755 });
  const bus = new EventBus();
  const events: Array<Envelope<EventType>> = [];
  bus.on('*', (e) => events.push(e as Envelope<EventType>));
  const svc = startExec({
    // Root-owned test workspaces run as root unless a test asks for another user: the effects do not depend on
    // whether `bulwark init` created the sandbox user on this machine.
    config: ExecConfigSchema.parse({ sandboxUser: 'root', ...config }),
    runtimeDir: join(root, 'rt'),
    journalDir: join(root, 'journal'),
    bus,
    ...(leakCheck ? { leakCheck } : {}),
  });
  if (!svc.ok) throw new Error(svc.error.message);
  return {
    root,
    workspace,
    svc: svc.value,
    events,
    run(command, approve, traceId = 'turn-1') {
      const runner = svc.value.runner;
      if (!runner) throw new Error('exec disabled');
      return runner.run(
        workspace,
        { command, ...(approve ? { approveEffects: approve } : {}) },
        { traceId, sessionId: 's', agentId: 'a' },
      );
    },
    close() {
      svc.value.stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** path → content (files), '->target' (links), '/' (dirs) of a tree. */
export function snapshot(dir: string, base = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const rel = base ? `${base}/${name}` : name;
    const st = lstatSync(p);
    if (st.isDirectory()) {
      out[`${rel}/`] = '';
      Object.assign(out, snapshot(p, rel));
    } else if (st.isSymbolicLink()) out[rel] = '->';
    else out[rel] = readFileSync(p, 'utf8');
  }
  return out;
}

/** Like `snapshot`, with each entry's permission bits and each link's target: what a property test compares. */
export function fullSnapshot(dir: string, base = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    const rel = base ? `${base}/${name}` : name;
    const st = lstatSync(p);
    const mode = (st.mode & 0o7777).toString(8);
    if (st.isDirectory()) {
      out[`${rel}/`] = `dir ${mode}`;
      Object.assign(out, fullSnapshot(p, rel));
    } else if (st.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(p)}`;
    else if (st.isFile()) out[rel] = `file ${mode} ${readFileSync(p, 'utf8')}`;
    else out[rel] = `special ${st.mode.toString(8)}`;
  }
  return out;
}

/** An effect set of new regular files (path → bytes), for tests that call the judge or the hash directly. */
export function effectSetOf(files: Record<string, number>): EffectSet {
  return {
    effects: Object.entries(files).map(([path, bytes]) => ({ path, change: 'created' as const, bytes, mode: 0o644 })),
    bytesWritten: Object.values(files).reduce((a, b) => a + b, 0),
    root: { path: '', lowerSource: '', redirected: false, opaque: false, mode: 0o755, entries: new Map() },
  };
}
