/**
 * The perimeter's steps as gates: every client-supplied message (L05 → L04 → L01 → L05 → L01) and tool results
 * (L23 → L03 → the hard cap).
 */
import { type Gate, err, ok } from '../../core/index.js';
import type { Perimeter } from '../../guards/index.js';
import type { InboundItem, ToolResultItem } from '../boundaries.js';

export interface InboundGates {
  readonly admit: Gate<InboundItem>;
  readonly canonicalise: Gate<InboundItem>;
  readonly score: Gate<InboundItem>;
  readonly count: Gate<InboundItem>;
  readonly act: Gate<InboundItem>;
}

export function inboundGates(p: Perimeter): InboundGates {
  return {
    admit: {
      layer: 'L05',
      name: 'a caller past the injection-detection limit is throttled',
      run: (item, ctx) => {
        const r = p.admit(ctx);
        if (!r.ok) return r;
        return ok(r.value.reminder ? { ...item, reminders: [...item.reminders, r.value.reminder] } : item);
      },
    },
    canonicalise: {
      layer: 'L04',
      name: 'NFKC; invisible, bidi and tag characters out (emoji kept)',
      run: (item, ctx) => ok({ ...item, text: p.canonicalise(item.text, ctx) }),
    },
    score: {
      layer: 'L01',
      name: 'injection/jailbreak score and risk level on the canonical text',
      run: (item) => {
        const verdict = p.score(item.text, item.role);
        return ok(verdict ? { ...item, verdict } : item);
      },
    },
    count: {
      layer: 'L05',
      name: 'a medium or high risk message counts against its caller',
      run: (item, ctx) => {
        if (item.verdict) p.count(item.verdict, ctx, item.key);
        return ok(item);
      },
    },
    act: {
      layer: 'L01',
      name: 'pass, warn, reinforce (a reminder in the system prompt) or block by risk',
      run: (item, ctx) => {
        if (!item.verdict) return ok(item);
        const r = p.act(item.verdict, ctx, item.role);
        if (!r.ok) return err(r.error);
        return ok(r.value.reminder ? { ...item, reminders: [...item.reminders, r.value.reminder] } : item);
      },
    },
  };
}

/** Backstop when L23 is off: no tool result is longer than this. */
export const MAX_TOOL_RESULT_CHARS = 200_000;

export interface ToolResultGates {
  readonly sanitize: Gate<ToolResultItem>;
  readonly wrap: Gate<ToolResultItem>;
  readonly cap: Gate<ToolResultItem>;
}

export function toolResultGates(p: Perimeter): ToolResultGates {
  return {
    sanitize: {
      layer: 'L23',
      name: 'canonicalise, flag instruction-like text, neutralise spoofed frames, truncate at a newline',
      run: (item, ctx) => {
        const r = p.sanitizeToolResult(item.text, item.ref, ctx);
        return ok({ ...item, text: r.text, ...(r.warning !== undefined ? { warning: r.warning } : {}) });
      },
    },
    wrap: {
      layer: 'L03',
      name: 'wrap output that comes from outside in a random boundary with an untrusted-data header',
      run: (item) => ok({ ...item, text: p.wrapToolResult(item, item.ref, item.external) }),
    },
    cap: {
      layer: 'L23',
      name: `hard cap of ${MAX_TOOL_RESULT_CHARS} characters`,
      run: (item) =>
        ok(
          item.text.length <= MAX_TOOL_RESULT_CHARS
            ? item
            : {
                ...item,
                text: `${item.text.slice(0, MAX_TOOL_RESULT_CHARS)}\n[truncated: ${item.text.length - MAX_TOOL_RESULT_CHARS} more characters]`,
              },
        ),
    },
  };
}
