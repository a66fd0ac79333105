/**
 * An approval request as a chat message: the same fields as the operator API's view (gate, tool, argv, cwd,
 * changes, network, why, effect hash, expiry), shortened to fit a phone screen and a platform's message limit.
 * What made the call need approval comes first (rankCommands); every cut says what it left out. When something that
 * needs approval does not fit, the message says so and is not `complete`: the channel then offers no Approve button.
 * Plain text only (no markup a model-chosen path could inject into); every field is shown through visibleText (bidi
 * overrides and invisible characters escaped), every line passes the log sanitizer (L09) on top of the redaction the
 * view got when the request was made.
 */
import { askedBy, rankCommands, type PendingApproval } from '../policy/index.js';
import { visibleText } from '../text/index.js';

const WHY = 600;
const FIELD = 300;
const PATH = 120;
/** Commands shown when they are harmless; those that need approval are shown up to MAX_ASKING. */
const RUNS = 5;
const MAX_ASKING = 12;
const DIFF_LINES = 30;
const EFFECTS = 10;

export interface ApprovalMessage {
  readonly text: string;
  /** Everything that needs approval is in `text`: only then may the message carry an Approve button. */
  readonly complete: boolean;
}

/** One line of untrusted text: escaped, newlines and tabs too (a newline could forge a line of the message). */
function cut(text: string, max = FIELD): { text: string; cut: boolean } {
  const safe = visibleText(text).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  const chars = [...safe];
  return chars.length > max
    ? { text: `${chars.slice(0, max - 1).join('')}… (${chars.length - max + 1} more characters)`, cut: true }
    : { text: safe, cut: false };
}

/** A word as a shell would need it, so the words of one argument stay visibly one. */
function quoted(word: string): string {
  return /^[\w./,:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

export function approvalText(p: PendingApproval, redact: (text: string) => string, maxChars: number): ApprovalMessage {
  const v = p.view;
  let complete = true;
  const field = (text: string, max: number, matters: boolean): string => {
    const c = cut(text, max);
    if (c.cut && matters) complete = false;
    return c.text;
  };
  const lines = [
    `Approval needed (${v.layer ?? 'L13'}) — agent ${v.agentId}`,
    `asked by: ${field(askedBy(v.caller), FIELD, true)}`,
    `tool: ${v.tool}  [${v.classes.join(', ')}]${v.asks?.length ? `, asks for: ${v.asks.join(', ')}` : ''}`,
    `why: ${field(v.reason ?? v.reasons.join('; '), WHY, false)}`,
  ];
  const commands = rankCommands(v);
  const shown = commands.filter((c, i) => (c.asks ? i < MAX_ASKING : i < RUNS));
  for (const c of shown)
    lines.push(
      c.asks && c.classes.length
        ? `run [${c.classes.join(', ')}]: ${field(c.argv.map(quoted).join(' '), FIELD, true)}`
        : `run: ${field(c.argv.map(quoted).join(' '), FIELD, c.asks)}`,
    );
  const hidden = commands.length - shown.length;
  if (hidden > 0) {
    const asking = commands.filter((c) => c.asks).length - shown.filter((c) => c.asks).length;
    if (asking > 0) complete = false;
    lines.push(`… and ${hidden} more command(s)${asking > 0 ? `, ${asking} of them needing approval` : ''}`);
  }
  const effects = v.effects ?? [];
  // A write's arguments repeat its diff; for anything else they are the effect itself.
  if (!commands.length) lines.push(`args: ${field(v.args, FIELD, !v.diff && !effects.length)}`);
  lines.push(`cwd: ${field(v.cwd, PATH, true)}`);
  lines.push(
    `network: ${v.network.mode}${v.network.grants.length ? ` (${field(v.network.grants.join(', '), PATH, true)})` : ''}`,
  );
  const total = Math.max(v.effectsTotal ?? 0, effects.length);
  if (effects.length) {
    lines.push(`changes (${total}):`);
    for (const e of effects.slice(0, EFFECTS))
      lines.push(
        `  ${e.change} ${field(e.path, PATH, true)}${e.from ? ` (from ${field(e.from, PATH, true)})` : ''}${e.hostRuns ? ` [the host runs it${e.sha256 ? `, sha256 ${e.sha256.slice(0, 16)}…` : ''}]` : ''}`,
      );
    if (total > EFFECTS) {
      complete = false;
      lines.push(`  … and ${total - Math.min(EFFECTS, effects.length)} more`);
    }
  }
  if (v.diff) {
    const diff = v.diff.split('\n');
    lines.push('diff:', ...diff.slice(0, DIFF_LINES).map((l) => `  ${field(l, PATH, true)}`));
    if (diff.length > DIFF_LINES) {
      complete = false;
      lines.push(`  … and ${diff.length - DIFF_LINES} more lines`);
    }
  }
  lines.push(`effect: sha256:${p.effectHash.slice(0, 16)}…`);
  lines.push(`request: ${p.id}, expires ${new Date(p.expiresAt).toISOString()}`);
  let body = redact(lines.join('\n'));
  const tail = (whole: boolean) =>
    whole
      ? ''
      : `\n\nNot all of it fits here, so it cannot be approved from this message. See all of it with \`bulwark approvals show ${p.id}\` or in the web UI (Approvals).`;
  if (body.length + tail(complete).length > maxChars) {
    complete = false;
    body = `${body.slice(0, Math.max(0, maxChars - tail(false).length - 2))}\n…`;
  }
  return { text: body + tail(complete), complete };
}
