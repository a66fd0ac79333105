/**
 * Tool-poisoning checks for MCP tools (L24 applied to tool definitions): a tool's description and every string in
 * its input schema are read like skill prose (override and concealment instructions, credential requests, leaks
 * through rendered links, hidden Unicode); its name must match `^[a-zA-Z0-9_-]{1,64}$` once prefixed with its
 * server, and may not shadow a built-in tool or another server's tool; the description and schema are pinned by
 * hash at approval, and a changed definition (a rug pull) is refused until re-approved.
 */
import { createHash } from 'node:crypto';
import { bulwarkError, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import { hiddenUnicodeFindings } from '../skills/scan/hidden-unicode.js';
import { proseFindings } from '../skills/scan/prose.js';
import type { SkillFinding, Verdict } from '../skills/scan/types.js';

export interface ToolDefinition {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema?: unknown;
}

export interface ToolVerdict {
  readonly verdict: Verdict;
  readonly findings: readonly SkillFinding[];
}

export const EXPOSED_TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;
const MAX_SCHEMA_STRINGS = 2000;

/** Every string of a JSON value (keys included: a property name can carry an instruction too), depth-first. */
function schemaStrings(value: unknown, out: string[], depth = 0): void {
  if (out.length >= MAX_SCHEMA_STRINGS || depth > 32) return;
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) schemaStrings(v, out, depth + 1);
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      schemaStrings(v, out, depth + 1);
    }
}

/** The exposed name of a server's tool: `<server>__<tool>`. */
export function exposedToolName(server: string, tool: string): string {
  return `${server}__${tool}`;
}

export function scanToolDefinition(server: string, tool: ToolDefinition): ToolVerdict {
  const file = `mcp:${server}/${tool.name}`;
  const findings: SkillFinding[] = [];
  const description = tool.description ?? '';
  findings.push(...hiddenUnicodeFindings(description, file, false));
  findings.push(...proseFindings(description, { file, line: 1 }));
  const strings: string[] = [];
  schemaStrings(tool.inputSchema, strings);
  const schemaText = strings.join('\n');
  findings.push(...hiddenUnicodeFindings(schemaText, `${file}#schema`, false));
  findings.push(...proseFindings(schemaText, { file: `${file}#schema`, line: 1 }));
  // An <IMPORTANT> block in a tool description speaks to the model, not the user: nobody documents `add` that way.
  const hidden = /<\s*(?:important|system|secret|instructions?)\s*>/i.exec(description);
  if (hidden)
    findings.push({
      rule: 'skill.concealment',
      severity: 'critical',
      file,
      line: description.slice(0, hidden.index).split('\n').length,
      excerpt: description.slice(hidden.index, hidden.index + 120),
      reason: 'a tag-delimited directive block in a tool description addresses the model behind the user',
    });
  const verdict: Verdict = findings.some((f) => f.severity === 'critical')
    ? 'block'
    : findings.length > 0
      ? 'warn'
      : 'allow';
  return { verdict, findings };
}

/** Refuses a tool whose exposed name is malformed or already taken (a built-in or another server's tool). */
export function checkToolName(server: string, tool: string, taken: ReadonlySet<string>): Result<string, BulwarkError> {
  const exposed = exposedToolName(server, tool);
  if (!EXPOSED_TOOL_NAME.test(exposed))
    return err(
      bulwarkError(
        'mcp.tool_name',
        `MCP tool "${tool}" of server "${server}" gives the name "${exposed}", which is not 1–64 letters, digits, _ or -: rename the server or leave the tool disabled`,
        { layer: 'L24' },
      ),
    );
  const shadowed = [...taken].find(
    (t) => t.toLowerCase() === exposed.toLowerCase() || t.toLowerCase() === tool.toLowerCase(),
  );
  if (shadowed !== undefined)
    return err(
      bulwarkError(
        'mcp.tool_shadowing',
        `MCP tool "${tool}" of server "${server}" shadows the existing tool "${shadowed}": refused (a server may not replace a built-in or another server's tool)`,
        { layer: 'L24' },
      ),
    );
  return ok(exposed);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object')
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(value ?? null);
}

/** sha256 over the tool's name, description and schema (key order does not matter). */
export function toolPin(tool: ToolDefinition): string {
  return createHash('sha256')
    .update(
      canonicalJson({ name: tool.name, description: tool.description ?? '', inputSchema: tool.inputSchema ?? null }),
    )
    .digest('hex');
}

/** A tool whose definition changed since approval is disabled until the operator approves it again. */
export function checkToolPin(
  server: string,
  tool: ToolDefinition,
  pinned: string | undefined,
): Result<void, BulwarkError> {
  if (pinned === undefined)
    return err(
      bulwarkError(
        'mcp.tool_unapproved',
        `MCP tool "${tool.name}" of server "${server}" is not approved yet: run \`bulwark mcp approve ${server}\` after reading its description`,
        { layer: 'L24' },
      ),
    );
  if (pinned !== toolPin(tool))
    return err(
      bulwarkError(
        'mcp.tool_changed',
        `MCP tool "${tool.name}" of server "${server}" changed its description or schema since it was approved (possible rug pull): disabled until \`bulwark mcp approve ${server}\` is run again`,
        { layer: 'L24' },
      ),
    );
  return ok(undefined);
}
