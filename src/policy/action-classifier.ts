/**
 * L27 action classifier. Every tool call gets one or more action classes from the tool's declared
 * class AND its arguments. No declaration, unparseable arguments or anything not recognised is
 * destructive: fail closed.
 */
import { createHash } from 'node:crypto';
import { closeSync, constants as fsConstants, existsSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { ACTION_CLASSES, type ActionClass } from '../config/index.js';
import { safePath, relativeTo, isInside } from '../core/index.js';
import {
  classifyArgv,
  classifyCommandString,
  classifyEnvNames,
  isCredentialPath,
  leavesWorkspace,
} from './action-classifier-exec.js';

export { ACTION_CLASSES, type ActionClass };

/** Most severe first; `primary` is the first class of a call found in this order. */
const SEVERITY: readonly ActionClass[] = [
  'destructive',
  'credential',
  'config',
  'exec',
  'messaging',
  'network',
  'write',
  'memory',
  'read',
];

export interface ActionInput {
  readonly tool: string;
  /** Declared class of the tool; undefined when the tool declares none or is unknown. */
  readonly declared: ActionClass | undefined;
  /** Raw JSON arguments as the model produced them. */
  readonly argsJson: string;
  /** Real path of the agent's workspace; without it every path counts as outside. */
  readonly workspace?: string;
  /** Workspace-relative directories where overwriting is routine (no approval needed). */
  readonly scratch: readonly string[];
  /** A caller that already parsed the command may pass its argv here (the exec tool's own parser). */
  readonly parsedArgv?: readonly string[];
  /**
   * An exec tool whose runs are judged on their effects after the run (L11.7 on): workspace file changes that look
   * destructive are left to the effect check, and only what cannot be undone asks (see action-classifier-exec.ts).
   */
  readonly effectsJudged?: boolean;
  /**
   * A write tool that can undo the overwrite of the existing file at `resolved`: why, or undefined when it cannot.
   * `emptied`: the write leaves the file empty.
   */
  readonly undoableOverwrite?: (target: {
    readonly workspace: string;
    readonly resolved: string;
    readonly emptied: boolean;
  }) => string | undefined;
}

export interface WriteTarget {
  readonly path: string;
  /** Resolved real path when it is inside the workspace. */
  readonly resolved?: string;
  readonly exists: boolean;
  readonly inScratch: boolean;
  /**
   * sha256 of the bytes read from the current file (at most MAX_PREIMAGE_BYTES), 'absent' when it
   * does not exist, 'not-a-file' or 'unreadable' otherwise.
   */
  readonly preimage: string;
  /**
   * The whole file when it fits in MAX_PREIMAGE_BYTES: the very bytes `preimage` hashes, so the approver's
   * diff is built from them, never from a second read.
   */
  readonly preimageBytes?: Uint8Array;
  /**
   * Present when the file is larger than MAX_PREIMAGE_BYTES (no diff is shown): `readBytes` of its `size`
   * were hashed in the same single read — all of them up to MAX_HASHED_BYTES — and the size is bound too.
   */
  readonly preimageCapped?: { readonly readBytes: number; readonly size: number };
  readonly newContent?: string;
}

export interface Classification {
  readonly classes: readonly ActionClass[];
  readonly primary: ActionClass;
  readonly reasons: readonly string[];
  /** Parsed arguments, or undefined when they were not valid JSON. */
  readonly args: unknown;
  readonly exec?: {
    readonly argvs: readonly (readonly string[])[];
    /** The classes each command of `argvs` added, in the same order. */
    readonly argvClasses: readonly (readonly ActionClass[])[];
    readonly envNames: readonly string[];
    readonly cwd?: string;
  };
  readonly write?: WriteTarget;
  readonly network?: { readonly method: string; readonly url?: string };
}

export const MAX_ARGS_CHARS = 1_048_576;
/** How much of the file a write replaces is read (once) to hash it and show it to the approver. */
export const MAX_PREIMAGE_BYTES = 1_048_576;
/** A file the approval binds is hashed whole up to this size; beyond it, this much and the size. */
export const MAX_HASHED_BYTES = 64 * 1_048_576;

/**
 * Hashes of large files by (device, inode, size, mtime, ctime), so the gate and the execution re-check
 * of one call do not each spend ~50 ms of the event loop hashing the same 64 MiB. ctime moves on any
 * write or attribute change and cannot be set back without changing the system clock.
 */
const LARGE_FILE = 4 * 1_048_576;
const hashCache = new Map<string, Preimage>();
const HASH_CACHE_ENTRIES = 32;
const PATH_KEYS = ['path', 'file', 'file_path', 'filePath', 'filename', 'target'];
const CONTENT_KEYS = ['content', 'contents', 'text', 'data', 'new_content'];
const COMMAND_KEYS = ['command', 'cmd', 'script'];
const ARGV_KEYS = ['argv', 'args'];

function firstString(o: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of keys) if (typeof o[k] === 'string') return o[k];
  return undefined;
}

function finish(
  classes: Set<ActionClass>,
  reasons: string[],
  args: unknown,
  extra: Pick<Classification, 'exec' | 'write' | 'network'> = {},
): Classification {
  const list = SEVERITY.filter((c) => classes.has(c));
  const primary = list[0] ?? 'destructive';
  if (list.length === 0) {
    list.push('destructive');
    reasons.push('no class could be determined');
  }
  return { classes: list, primary, reasons, args, ...extra };
}

export function classifyAction(input: ActionInput): Classification {
  const classes = new Set<ActionClass>();
  const reasons: string[] = [];
  if (input.argsJson.length > MAX_ARGS_CHARS) {
    classes.add('destructive');
    reasons.push('arguments larger than 1 MiB');
    return finish(classes, reasons, undefined);
  }
  let args: unknown;
  try {
    args = JSON.parse(input.argsJson === '' ? '{}' : input.argsJson);
  } catch {
    classes.add('destructive');
    reasons.push('arguments are not valid JSON');
    return finish(classes, reasons, undefined);
  }
  if (input.declared === undefined) {
    classes.add('destructive');
    reasons.push(`tool ${input.tool} declares no action class`);
    return finish(classes, reasons, args);
  }
  if (args === null || typeof args !== 'object' || Array.isArray(args)) {
    classes.add('destructive');
    reasons.push('arguments are not a JSON object');
    return finish(classes, reasons, args);
  }
  const o = args as Record<string, unknown>;
  classes.add(input.declared);
  reasons.push(`${input.tool} is declared ${input.declared}`);
  for (const p of collectStrings(o, 0)) {
    if (isCredentialPath(p) && looksLikePath(p)) {
      classes.add('credential');
      reasons.push(`argument names a credential file (${p.slice(0, 120)})`);
      break;
    }
  }
  switch (input.declared) {
    case 'exec':
      return classifyExec(input, o, classes, reasons);
    case 'write':
      return classifyWrite(input, o, classes, reasons);
    case 'network':
      return classifyFetch(o, classes, reasons);
    default:
      return finish(classes, reasons, args);
  }
}

function looksLikePath(s: string): boolean {
  return s.length < 4096 && !/\s/.test(s.trim()) && /[./~]/.test(s);
}

function collectStrings(v: unknown, depth: number, out: string[] = []): string[] {
  if (depth > 8 || out.length > 256) return out;
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const x of v) collectStrings(x, depth + 1, out);
  else if (v !== null && typeof v === 'object') for (const x of Object.values(v)) collectStrings(x, depth + 1, out);
  return out;
}

function classifyExec(
  input: ActionInput,
  o: Record<string, unknown>,
  classes: Set<ActionClass>,
  reasons: string[],
): Classification {
  const command = firstString(o, COMMAND_KEYS);
  const argvRaw = input.parsedArgv ?? ARGV_KEYS.map((k) => o[k]).find((x) => Array.isArray(x));
  const options = { effectsJudged: input.effectsJudged === true };
  let verdict;
  if (command !== undefined) verdict = classifyCommandString(command, input.workspace, options);
  else if (Array.isArray(argvRaw) && argvRaw.length > 0 && argvRaw.every((a) => typeof a === 'string')) {
    verdict = classifyArgv(argvRaw as string[], input.workspace, options);
  } else {
    classes.add('destructive');
    reasons.push('exec call without a recognisable command');
    return finish(classes, reasons, o);
  }
  for (const c of verdict.classes) classes.add(c);
  for (const r of verdict.reasons) reasons.push(r);
  const envNames = [...verdict.envNames];
  const seenEnv = new Set(envNames);
  const env = o['env'];
  if (env !== undefined) {
    if (env === null || typeof env !== 'object' || Array.isArray(env)) {
      classes.add('destructive');
      reasons.push('exec env is not an object');
    } else {
      // Judged name by name: pasted into a shell line, a name like "true #" would comment out the rest.
      const extra = classifyEnvNames(Object.keys(env));
      for (const c of extra.classes) classes.add(c);
      for (const r of extra.reasons) reasons.push(r);
      for (const n of Object.keys(env)) {
        if (seenEnv.has(n)) continue;
        seenEnv.add(n);
        envNames.push(n);
      }
    }
  }
  const cwd = typeof o['cwd'] === 'string' ? o['cwd'] : undefined;
  if (cwd !== undefined && leavesWorkspace(cwd, input.workspace)) {
    classes.add('destructive');
    reasons.push(`working directory ${cwd} is outside the workspace`);
  }
  return finish(classes, reasons, o, {
    exec: { argvs: verdict.argvs, argvClasses: verdict.argvClasses, envNames, ...(cwd !== undefined ? { cwd } : {}) },
  });
}

function inScratch(workspace: string, resolved: string, scratch: readonly string[]): boolean {
  const rel = relativeTo(workspace, resolved);
  return scratch.some((dir) => {
    const d = dir.replace(/\/+$/, '');
    return d !== '' && (rel === d || rel.startsWith(`${d}/`));
  });
}

function classifyWrite(
  input: ActionInput,
  o: Record<string, unknown>,
  classes: Set<ActionClass>,
  reasons: string[],
): Classification {
  const p = firstString(o, PATH_KEYS);
  const newContent = firstString(o, CONTENT_KEYS);
  if (p === undefined) {
    classes.add('destructive');
    reasons.push('write call without a recognisable path');
    return finish(classes, reasons, o);
  }
  const base = { path: p, ...(newContent !== undefined ? { newContent } : {}) };
  if (!input.workspace || leavesWorkspace(p, input.workspace)) {
    classes.add('destructive');
    reasons.push(`writes ${p} outside the workspace`);
    return finish(classes, reasons, o, { write: { ...base, exists: false, inScratch: false, preimage: 'unreadable' } });
  }
  const rel = p.startsWith('/') ? relativeTo(input.workspace, p) || '.' : p;
  const resolved = safePath(input.workspace, rel);
  if (!resolved.ok) {
    classes.add('destructive');
    reasons.push(`writes ${p}: ${resolved.error.message}`);
    return finish(classes, reasons, o, { write: { ...base, exists: false, inScratch: false, preimage: 'unreadable' } });
  }
  const target = resolved.value;
  const exists = existsSync(target);
  const scratch = isInside(input.workspace, target) && inScratch(input.workspace, target, input.scratch);
  const pre = exists ? readPreimage(target) : { preimage: 'absent' };
  // Only a regular file that could be read is journaled (not a FIFO, a device or an unreadable file).
  const hashed = /^[0-9a-f]{64}$/.test(pre.preimage);
  const undoable =
    exists && !scratch && hashed
      ? input.undoableOverwrite?.({ workspace: input.workspace, resolved: target, emptied: newContent === '' })
      : undefined;
  if (exists && !scratch && undoable === undefined) {
    classes.add('destructive');
    reasons.push(`overwrites existing file ${p} outside the scratch area`);
  } else if (undoable !== undefined) reasons.push(`overwrites ${p}: ${undoable}`);
  else reasons.push(exists ? `overwrites ${p} in the scratch area` : `creates ${p}`);
  return finish(classes, reasons, o, { write: { ...base, resolved: target, exists, inScratch: scratch, ...pre } });
}

type Preimage = Pick<WriteTarget, 'preimage' | 'preimageBytes' | 'preimageCapped'>;

/** One capped read of the file a write replaces; the hash and the approver's diff both come from it. */
export function readPreimage(target: string, cap = MAX_PREIMAGE_BYTES, hashCap = MAX_HASHED_BYTES): Preimage {
  let fd: number | undefined;
  try {
    // A FIFO or device would block or never end: only regular files are opened, and without blocking.
    if (!statSync(target).isFile()) return { preimage: 'not-a-file' };
    fd = openSync(target, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK | fsConstants.O_NOFOLLOW);
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) return { preimage: 'not-a-file' };
    const key =
      st.size >= LARGE_FILE
        ? `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}:${cap}:${hashCap}`
        : undefined;
    const cached = key === undefined ? undefined : hashCache.get(key);
    if (cached) return cached;
    // One pass to the end (or hashCap), whatever the size said: the file may grow meanwhile. Every byte
    // read is hashed; the first `cap + 1` are kept so that a small file's diff comes from the same bytes.
    const hash = createHash('sha256');
    const kept: Buffer[] = [];
    let n = 0;
    const chunk = Buffer.alloc(65_536);
    while (n < hashCap) {
      const got = readSync(fd, chunk, 0, Math.min(chunk.length, hashCap - n), n);
      if (got === 0) break;
      const part = chunk.subarray(0, got);
      hash.update(part);
      if (n <= cap) kept.push(Buffer.from(part.subarray(0, Math.min(got, cap + 1 - n))));
      n += got;
    }
    const preimage = hash.digest('hex');
    if (n <= cap) return { preimage, preimageBytes: Buffer.concat(kept) };
    const result: Preimage = { preimage, preimageCapped: { readBytes: n, size: Math.max(Number(st.size), n) } };
    if (key !== undefined) {
      if (hashCache.size >= HASH_CACHE_ENTRIES) hashCache.delete(hashCache.keys().next().value as string);
      hashCache.set(key, result);
    }
    return result;
  } catch {
    return { preimage: 'unreadable' };
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function classifyFetch(o: Record<string, unknown>, classes: Set<ActionClass>, reasons: string[]): Classification {
  const method = (typeof o['method'] === 'string' ? o['method'] : 'GET').toUpperCase();
  const url = typeof o['url'] === 'string' ? o['url'] : undefined;
  if (!['GET', 'HEAD', 'OPTIONS'].includes(method)) {
    classes.add('destructive');
    reasons.push(`${method} has side effects on a remote server and can carry data out`);
  }
  const body = o['body'] ?? o['data'] ?? o['form'];
  if (body !== undefined && body !== null && body !== '') {
    classes.add('destructive');
    reasons.push('request carries a body');
  }
  return finish(classes, reasons, o, { network: { method, ...(url !== undefined ? { url } : {}) } });
}
