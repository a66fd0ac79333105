/**
 * An approval request as a chat message: the same fields as the operator API's view (gate, tool, argv, cwd,
 * changes, network, why, effect hash, expiry), shortened to fit a phone screen and a platform's message limit.
 * Plain text only (no markup a model-chosen path could inject into); every line passes the log sanitizer (L09) on
 * top of the redaction the view got when the request was made.
 */
import type { PendingApproval } from '../policy/index.js';

const FIELD = 300;
const DIFF_LINES = 12;
const EFFECTS = 10;

function cut(text: string, max = FIELD): string {
  let safe = '';
  for (const ch of text) {
    const c = ch.codePointAt(0) as number;
    // Control characters (other than newline) shown escaped: they could hide text on a phone screen.
    const control = (c < 0x20 && c !== 0x0a) || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029;
    safe += control ? `\\u${c.toString(16).padStart(4, '0')}` : ch;
  }
  return safe.length > max ? `${safe.slice(0, max - 1)}…` : safe;
}

export function approvalText(p: PendingApproval, redact: (text: string) => string, maxChars: number): string {
  const v = p.view;
  const lines = [
    `Approval needed (${v.layer ?? 'L13'}) — agent ${v.agentId}`,
    `tool: ${v.tool}  [${v.classes.join(', ')}]`,
    `why: ${cut(v.reason ?? v.reasons.join('; '))}`,
  ];
  for (const argv of (v.argv ?? []).slice(0, 5)) lines.push(`run: ${cut(argv.join(' '))}`);
  if (!v.argv?.length) lines.push(`args: ${cut(v.args)}`);
  lines.push(`cwd: ${cut(v.cwd, 120)}`);
  lines.push(
    `network: ${v.network.mode}${v.network.grants.length ? ` (${cut(v.network.grants.join(', '), 120)})` : ''}`,
  );
  const effects = v.effects ?? [];
  if (effects.length) {
    lines.push(`changes (${effects.length}):`);
    for (const e of effects.slice(0, EFFECTS))
      lines.push(`  ${e.change} ${cut(e.path, 120)}${e.from ? ` (from ${cut(e.from, 80)})` : ''}`);
    if (effects.length > EFFECTS) lines.push(`  … and ${effects.length - EFFECTS} more`);
  }
  if (v.diff) {
    const diff = v.diff.split('\n');
    lines.push('diff:', ...diff.slice(0, DIFF_LINES).map((l) => `  ${cut(l, 120)}`));
    if (diff.length > DIFF_LINES) lines.push(`  … ${diff.length - DIFF_LINES} more lines`);
  }
  lines.push(`effect: sha256:${p.effectHash.slice(0, 16)}…`);
  lines.push(`request: ${p.id}, expires ${new Date(p.expiresAt).toISOString()}`);
  const text = redact(lines.join('\n'));
  return text.length > maxChars ? `${text.slice(0, maxChars - 2)}\n…` : text;
}
