/**
 * SKILL.md's front matter (the Agent Skills format): `name` (lower-case letters, digits and hyphens, at most 64,
 * no leading, trailing or double hyphen), `description` (1–1024 characters), optional `license`, `compatibility`
 * (at most 500 characters), `metadata` (string keys to string values) and `allowed-tools` (space-separated tool
 * names, optionally with a pattern in parentheses). Parsed strictly: an unknown key, a wrong type or YAML that is
 * not a mapping is an error naming the field and the fix.
 */
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../../core/index.js';
import { splitMarkdown } from './scan/markdown.js';

export const SKILL_NAME = /^[a-z0-9](?:[a-z0-9]|-(?!-)){0,62}[a-z0-9]$|^[a-z0-9]$/;

const ManifestSchema = z.strictObject({
  name: z.string().regex(SKILL_NAME, 'lower-case letters, digits and single hyphens, 1–64 characters'),
  description: z.string().min(1).max(1024),
  license: z.string().max(500).optional(),
  compatibility: z.string().min(1).max(500).optional(),
  metadata: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).optional(),
  'allowed-tools': z.union([z.string().max(2000), z.array(z.string().max(200)).max(64)]).optional(),
});

export interface SkillManifest {
  readonly name: string;
  readonly description: string;
  readonly license?: string;
  readonly compatibility?: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Tool names the skill asks for (narrowing only: never more than the agent has). Empty: no narrowing. */
  readonly allowedTools: readonly string[];
  /** SKILL.md after the front matter. */
  readonly body: string;
  /** Line of the body's first line in SKILL.md. */
  readonly bodyLine: number;
}

function manifestError(message: string): Result<never, BulwarkError> {
  return err(bulwarkError('skill.manifest', `SKILL.md: ${message}`, { layer: 'L24', status: 400 }));
}

/** `Bash(git diff:*) Read` → ['Bash', 'Read']: the tool names, patterns dropped (bulwark narrows by tool). */
export function allowedToolNames(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const text = typeof value === 'string' ? value : value.join(' ');
  const names: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    else if (ch === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0 && (ch === ' ' || ch === ',' || ch === '\n' || ch === '\t')) {
      if (current) names.push(current);
      current = '';
    } else if (depth === 0) current += ch;
  }
  if (current) names.push(current);
  return [...new Set(names)];
}

export function parseSkillManifest(text: string): Result<SkillManifest, BulwarkError> {
  const parts = splitMarkdown(text);
  if (!parts.frontMatter)
    return manifestError(
      'no front matter: start the file with a `---` line, then `name:` and `description:`, then `---`',
    );
  let data: unknown;
  try {
    data = parseYaml(parts.frontMatter.text, { maxAliasCount: 10 });
  } catch (cause) {
    return manifestError(`the front matter is not valid YAML (${describeCause(cause)})`);
  }
  const parsed = ManifestSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? issue.path.join('.') : 'front matter';
    return manifestError(
      `${where}: ${issue?.message ?? 'invalid'} (the front matter needs name and description; see agentskills.io)`,
    );
  }
  const m = parsed.data;
  return ok({
    name: m.name,
    description: m.description,
    ...(m.license !== undefined ? { license: m.license } : {}),
    ...(m.compatibility !== undefined ? { compatibility: m.compatibility } : {}),
    metadata: m.metadata ?? {},
    allowedTools: allowedToolNames(m['allowed-tools']),
    body: text.split('\n').slice(parts.frontMatter.endLine).join('\n'),
    bodyLine: parts.frontMatter.endLine + 1,
  });
}
