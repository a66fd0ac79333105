/**
 * L13: builds the exact effect of a tool call (what gets hashed) and the operator's view of it
 * (argv, cwd, env names, network grants, file diff for writes) from one L27 classification.
 */
import { MAX_PREIMAGE_BYTES, type Classification, type WriteTarget } from './action-classifier.js';
import type { EffectView } from './approvals.js';
import type { ActionClass } from '../config/index.js';
import { canonicalJson, effectHash, type Effect, type NetworkGrant } from './effect-hash.js';

export interface EffectContext {
  readonly tool: string;
  readonly argsJson: string;
  readonly agentId: string;
  readonly sessionId: string;
  /** Real path of the workspace: the default working directory. */
  readonly workspace: string;
  readonly network: NetworkGrant;
}

const MAX_VIEW_ARGS = 8_192;
const MAX_DIFF_LINES = 400;
const MAX_DIFF_INPUT = 1_048_576;

export function buildEffect(c: Classification, ctx: EffectContext): { effect: Effect; hash: string } {
  const cwd = c.exec?.cwd ?? ctx.workspace;
  const effect: Effect = {
    tool: ctx.tool,
    // Unparseable arguments are bound by their raw text.
    args: c.args === undefined ? { raw: ctx.argsJson } : c.args,
    cwd,
    network: ctx.network,
    agentId: ctx.agentId,
    sessionId: ctx.sessionId,
    ...(c.write ? { preimage: c.write.preimage } : {}),
    ...(c.write?.preimageCapped ? { preimageCapped: c.write.preimageCapped } : {}),
  };
  return { effect, hash: effectHash(effect) };
}

/** `require`: the agent's approval classes; the view names those the call hit (`asks`). */
export function buildView(c: Classification, effect: Effect, require?: readonly ActionClass[]): EffectView {
  let args: string;
  try {
    args = canonicalJson(effect.args);
  } catch {
    args = '(arguments too deeply nested to display)';
  }
  if (args.length > MAX_VIEW_ARGS) args = `${args.slice(0, MAX_VIEW_ARGS)}… (${args.length} chars in total)`;
  const view: EffectView = {
    tool: effect.tool,
    classes: c.classes,
    reasons: c.reasons,
    agentId: effect.agentId,
    sessionId: effect.sessionId,
    cwd: effect.cwd,
    network: effect.network,
    args,
    ...(c.exec ? { argv: c.exec.argvs, argvClasses: c.exec.argvClasses, envNames: c.exec.envNames } : {}),
    ...(require ? { asks: c.classes.filter((k) => require.includes(k)) } : {}),
    ...(c.write ? writeViews(c.write) : {}),
  };
  return view;
}

/** A write's diff, at the top level (as before) and as its one entry of `effects` (the shape held exec runs use). */
function writeViews(w: WriteTarget): Pick<EffectView, 'diff' | 'effects'> {
  const diff = writeDiff(w);
  const bytes = w.newContent === undefined ? 0 : Buffer.byteLength(w.newContent, 'utf8');
  return { diff, effects: [{ path: w.path, change: w.exists ? 'modified' : 'created', bytes, diff }] };
}

/** The diff is built from the bytes the classifier read and hashed (`preimageBytes`), never from a fresh read of the file. */
function writeDiff(w: WriteTarget): string {
  let before = '';
  if (w.exists) {
    if (w.preimageCapped) {
      const bound =
        w.preimageCapped.readBytes >= w.preimageCapped.size
          ? 'its whole content is bound'
          : `its first ${w.preimageCapped.readBytes} bytes and its size are bound`;
      before = `(existing file of ${w.preimageCapped.size} bytes is larger than the ${MAX_PREIMAGE_BYTES} bytes shown for an approval; not shown; ${bound})`;
    } else if (w.preimageBytes)
      before = Buffer.from(w.preimageBytes.buffer, w.preimageBytes.byteOffset, w.preimageBytes.byteLength).toString(
        'utf8',
      );
    else before = `(existing file could not be read: ${w.preimage})`;
  }
  const next = w.newContent;
  if (next === undefined) return `--- ${w.path}\n+++ ${w.path}\n(new content not given as text)`;
  return lineDiff(
    w.path,
    w.exists ? before : undefined,
    next.length > MAX_DIFF_INPUT ? `(new content of ${next.length} chars not shown)` : next,
  );
}

/** A compact diff: common head and tail lines are collapsed, the changed middle is shown as -/+ lines. */
export function lineDiff(path: string, before: string | undefined, after: string): string {
  const a = before === undefined ? [] : before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const out = [
    `--- ${before === undefined ? '/dev/null' : path}`,
    `+++ ${path}`,
    `@@ -${head + 1},${a.length - head - tail} +${head + 1},${b.length - head - tail} @@`,
  ];
  const removed = a.slice(head, a.length - tail).map((l) => `-${l}`);
  const added = b.slice(head, b.length - tail).map((l) => `+${l}`);
  const body = [...removed, ...added];
  if (body.length > MAX_DIFF_LINES) {
    out.push(...body.slice(0, MAX_DIFF_LINES), `… ${body.length - MAX_DIFF_LINES} more changed lines`);
  } else out.push(...body);
  if (head > 0 || tail > 0) out.push(`(${head + tail} unchanged lines not shown)`);
  return out.join('\n');
}
