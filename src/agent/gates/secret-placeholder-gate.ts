/**
 * L23, known values: a vault value found by the leak index in a tool result (any encoding the index knows) is
 * replaced by a stable placeholder naming the secret (`[secret:GITHUB_TOKEN]`) before the model or the session
 * store sees the result. The model can still reason about which secret a file holds; tools that need the value
 * get it through the broker, never through the conversation. Audited with the names, never a value.
 */
import {
  auditContext,
  type EventBus,
  type SecurityEvent,
  EMPTY_LEAK_SCANNER,
  type LeakScanner,
  type Gate,
  ok,
} from '../../core/index.js';
import { scanOutput } from '../../guards/index.js';
import { replaceSpans } from '../../text/index.js';
import type { ToolResultItem } from '../boundaries.js';

declare module '../../core/events.js' {
  interface EventMap {
    /** Known secret values in a tool result replaced by placeholders: names and encodings, never a value. */
    'security:secret_placeholder': SecurityEvent;
    /** A secret format or a canary in a tool result (kept; the session store redacts it): kinds, never a value. */
    'security:secret_seen': SecurityEvent;
  }
}

/**
 * A base64 hit covers the characters that depend on the value alone; up to three characters each side (and the
 * padding) still carry some of its bits, so the placeholder covers them too.
 */
function widenBase64(raw: string, start: number, end: number, url: boolean): [number, number] {
  const inAlphabet = (c: string | undefined) => c !== undefined && (url ? /[A-Za-z0-9_=-]/ : /[A-Za-z0-9+/=]/).test(c);
  let s = start;
  let e = end;
  while (s > 0 && start - s < 3 && inAlphabet(raw[s - 1])) s--;
  while (e < raw.length && e - end < 3 && inAlphabet(raw[e])) e++;
  return [s, e];
}

/** The placeholder that stands for a secret's value in text the model or the session store sees. */
export function secretPlaceholder(name: string): string {
  return `[secret:${name}]`;
}

/** Every indexed form of a known value in `text` replaced by its placeholder; the hits, for the audit. */
export function withPlaceholders(
  text: string,
  leaks: LeakScanner,
): { text: string; names: string[]; encodings: string[]; count: number } {
  const found = leaks.scan(text);
  if (found.length === 0) return { text, names: [], encodings: [], count: 0 };
  // A base64 hit's neighbours (up to three characters each side, and the padding) still carry bits of the value.
  const hits = found.map((h) => {
    if (!h.encoding.startsWith('base64')) return h;
    const [wide, end] = widenBase64(text, h.start, h.end, h.encoding === 'base64url');
    // `=` is padding, found only after base64: one before the hit ends an assignment (`KEY=`), not the encoding.
    const eq = text.lastIndexOf('=', h.start - 1);
    return { ...h, start: eq >= wide ? eq + 1 : wide, end };
  });
  return {
    text: replaceSpans(text, hits, (h) => secretPlaceholder(h.secretName)),
    names: [...new Set(hits.map((h) => h.secretName))],
    encodings: [...new Set(hits.map((h) => h.encoding))],
    count: found.length,
  };
}

/** Kinds of secret material other than known values in `text`: formats, canary-shaped tokens. */
function otherSecretKinds(text: string): string[] {
  const scan = scanOutput(text, { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [] });
  return [...new Set(scan.findings.filter((f) => f.severity === 'critical').map((f) => f.kind.replace('_', ' ')))];
}

/**
 * `stage` says where in the pipeline this instance runs (before canonicalising, after). With `reportOther`, a
 * secret format or canary in the result is audited too (`security:secret_seen`: L08.1 taints the session).
 */
export function secretPlaceholderGate(
  leaks: LeakScanner,
  bus: EventBus,
  stage: string,
  reportOther = false,
): Gate<ToolResultItem> {
  return {
    layer: 'L23',
    name: `known secret values (every indexed encoding) replaced by [secret:NAME] (${stage})`,
    run: (item, ctx) => {
      const r = withPlaceholders(item.text, leaks);
      if (reportOther) {
        const kinds = otherSecretKinds(r.text);
        if (kinds.length)
          bus.emit('security:secret_seen', {
            ...auditContext(ctx),
            layer: 'L23',
            outcome: 'seen',
            tool: item.ref.name,
            toolCallId: item.ref.id,
            kind: kinds.join(', '),
          });
      }
      if (r.count === 0) return ok(item);
      bus.emit('security:secret_placeholder', {
        ...auditContext(ctx),
        layer: 'L23',
        outcome: 'replaced',
        tool: item.ref.name,
        toolCallId: item.ref.id,
        secretNames: r.names,
        encodings: r.encodings,
        count: r.count,
      });
      return ok({ ...item, text: r.text });
    },
  };
}
