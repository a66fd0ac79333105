/**
 * L02/L17 on tool calls: the same output scan runs over a tool call's arguments before the tool runs.
 * The canary in any encoding refuses the call (prompt exfiltration through a tool); a known secret
 * value refuses it unless the operator allowed that secret for that tool; the system prompt (verbatim,
 * percent-decoded in a URL, base64-encoded, or its distinctive confidential line) refuses it too: a tool's
 * arguments leave the guard's sight (a URL, a file, a message), so there is no redacting them afterwards.
 * Secret formats in arguments are reported, not refused (writing an example config is legitimate).
 */
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../core/index.js';
import type { OutputFinding, OutputScan } from './output-guard-scan.js';

export interface ToolCallLike {
  readonly name: string;
  /** Raw JSON text of the arguments. */
  readonly arguments: string;
}

/** Larger arguments are refused rather than passed unscanned. */
export const MAX_TOOL_ARGS_CHARS = 4 * 1024 * 1024;

export interface ToolArgsVerdict {
  readonly findings: readonly OutputFinding[];
}

/** Every string (keys and values) inside parsed JSON, so escapes like \u0043TKN_ cannot hide a value; values also apart. */
function jsonStrings(value: unknown, out: string[], values: string[], depth = 0): void {
  if (depth > 64) return;
  if (typeof value === 'string') {
    out.push(value);
    values.push(value);
  } else if (Array.isArray(value)) for (const v of value) jsonStrings(v, out, values, depth + 1);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      jsonStrings(v, out, values, depth + 1);
    }
  }
}

/**
 * The texts that are scanned: the raw JSON and, when it parses, its decoded strings one per line; then
 * the strings glued with nothing between them (all of them in order, and the values alone), each also
 * with every whitespace removed: a value split across two fields, or base64 wrapped over lines, is
 * whole again. Percent and `\u00XX` escapes of printable ASCII, homoglyphs and tag characters are
 * decoded by the secret view every text is read through.
 */
export function toolArgTexts(args: string): string[] {
  const texts = [args];
  const add = (t: string) => {
    if (t.length > 0 && !texts.includes(t)) texts.push(t);
  };
  let strings: string[] = [];
  let values: string[] = [];
  try {
    jsonStrings(JSON.parse(args), strings, values);
  } catch {
    // Not JSON: the raw text with every \uXXXX escape decoded (the secret view decodes only printable
    // ASCII ones), and its whitespace-free copy.
    strings = [args.replace(/\\u([0-9a-fA-F]{4})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)))];
    values = [];
  }
  add(strings.join('\n'));
  for (const glued of [strings.join(''), values.join('')]) {
    if (glued.length === 0) continue;
    add(glued);
    add(glued.replace(/\s+/g, ''));
  }
  return texts;
}

const signature = (f: OutputFinding) =>
  `${f.kind}\u0000${f.patternId}\u0000${f.encoding ?? ''}\u0000${f.secretName ?? ''}`;

/**
 * Findings with offsets into the arguments. The decoded texts have offsets of their own, and the same
 * secret is usually found in both; a decoded text adds only what the raw JSON did not show (more
 * findings of a kind than the raw text had), reported over the whole arguments since its place in the
 * raw text is not known.
 */
function scanArgs(args: string, scan: (text: string) => OutputScan): OutputFinding[] {
  const [raw, ...decoded] = toolArgTexts(args);
  const findings = [...scan(raw ?? args).findings];
  const seen = new Map<string, number>();
  for (const f of findings) seen.set(signature(f), (seen.get(signature(f)) ?? 0) + 1);
  for (const text of decoded) {
    const left = new Map(seen);
    for (const f of scan(text).findings) {
      const key = signature(f);
      const n = left.get(key) ?? 0;
      if (n > 0) left.set(key, n - 1);
      else findings.push({ ...f, start: 0, end: args.length, matchStart: 0, matchEnd: args.length });
    }
  }
  return findings;
}

export function checkToolArgs(
  call: ToolCallLike,
  scan: (text: string) => OutputScan,
  allowed: (secretName: string, tool: string) => boolean,
): Result<ToolArgsVerdict, BulwarkError & { readonly findings: readonly OutputFinding[] }> {
  if (call.arguments.length > MAX_TOOL_ARGS_CHARS) {
    return err({
      ...bulwarkError(
        'output.tool_args_too_large',
        `arguments of tool ${call.name} exceed ${MAX_TOOL_ARGS_CHARS} characters and cannot be scanned; the call is refused`,
        { layer: 'L02', status: 403 },
      ),
      findings: [],
    });
  }
  const findings = scanArgs(call.arguments, scan);
  const canary = findings.find((f) => f.kind === 'canary');
  if (canary) {
    return err({
      ...bulwarkError(
        'output.canary_in_tool_call',
        `tool call ${call.name} carries the session canary (${canary.encoding ?? 'raw'} form): the system prompt is being exfiltrated; the call is refused`,
        { layer: 'L17', status: 403, details: { tool: call.name, patternId: canary.patternId } },
      ),
      findings,
    });
  }
  const extracted = findings.find((f) => f.kind === 'prompt_extraction');
  if (extracted) {
    return err({
      ...bulwarkError(
        'output.prompt_in_tool_call',
        `tool call ${call.name} carries the agent's system prompt${extracted.encoding ? ` (${extracted.encoding} form)` : ''}: the prompt is being exfiltrated; the call is refused`,
        { layer: 'L02', status: 403, details: { tool: call.name, patternId: extracted.patternId } },
      ),
      findings,
    });
  }
  const leaked = findings.find((f) => f.kind === 'known_secret' && !allowed(f.secretName ?? '', call.name));
  if (leaked) {
    return err({
      ...bulwarkError(
        'output.secret_in_tool_call',
        `tool call ${call.name} carries the value of secret ${leaked.secretName ?? '?'} (${leaked.encoding ?? 'raw'} form), which is not allowed for this tool; allow it under output.allowedSecretTools or the call stays refused`,
        {
          layer: 'L02',
          status: 403,
          details: { tool: call.name, secretName: leaked.secretName, patternId: leaked.patternId },
        },
      ),
      findings,
    });
  }
  return ok({ findings });
}
