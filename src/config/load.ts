import { lstatSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { childPath, bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import { readTextFileBounded } from './read-file.js';
import { ConfigSchema, type Config } from './schema.js';

export const CONFIG_FILE = 'config.yaml';
const MAX_CONFIG_BYTES = 1024 * 1024;

export function configPath(dataDir: string): string {
  return childPath(dataDir, CONFIG_FILE);
}

function formatPath(p: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const seg of p) out += typeof seg === 'number' ? `[${seg}]` : out ? `.${String(seg)}` : String(seg);
  return out || '(top level)';
}

/** One line per problem: the key, what was wrong, what is expected. */
export function describeZodError(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `${formatPath(issue.path)}: unknown key(s) ${issue.keys.map((k) => `"${k}"`).join(', ')} (remove or fix the spelling)`;
    }
    return `${formatPath(issue.path)}: ${issue.message}`;
  });
}

export function parseConfigText(text: string, source: string): Result<Config, BulwarkError> {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES) {
    return err(bulwarkError('config.too_large', `${source}: larger than 1 MB`));
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    const line = text.slice(0, nul).split('\n').length;
    return err(
      bulwarkError('config.yaml', `${source} (line ${line}): contains a NUL byte; the config must be plain text`),
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 100 }) ?? {};
  } catch (cause) {
    const where = cause instanceof YAMLParseError && cause.linePos ? ` (line ${cause.linePos[0].line})` : '';
    return err(
      bulwarkError('config.yaml', `${source}${where}: not valid YAML: ${describeCause(cause).split('\n')[0]}`),
    );
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = describeZodError(parsed.error);
    return err(
      bulwarkError('config.invalid', `${source} is invalid:\n  - ${lines.join('\n  - ')}`, {
        details: { problems: lines },
      }),
    );
  }
  const ids = new Set<string>();
  for (const a of parsed.data.agents) {
    if (ids.has(a.id))
      return err(bulwarkError('config.invalid', `${source} is invalid:\n  - agents: duplicate agent id "${a.id}"`));
    ids.add(a.id);
    if (a.provider && !parsed.data.providers[a.provider]) {
      return err(
        bulwarkError(
          'config.invalid',
          `${source} is invalid:\n  - agents.${a.id}.provider: "${a.provider}" is not defined under providers`,
        ),
      );
    }
  }
  const unknownAgent = (where: string, agent: string): Result<never, BulwarkError> =>
    err(
      bulwarkError(
        'config.invalid',
        `${source} is invalid:\n  - ${where}.agent: "${agent}" is not one of the agents (${[...ids].join(', ')})`,
      ),
    );
  for (const [name, hook] of Object.entries(parsed.data.hooks))
    if (!ids.has(hook.agent)) return unknownAgent(`hooks.${name}`, hook.agent);
  const telegram = parsed.data.channels.telegram;
  if (telegram && !ids.has(telegram.agent)) return unknownAgent('channels.telegram', telegram.agent);
  return ok(parsed.data);
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw cause;
  }
}

/** config.yaml of the data dir; no file means the defaults. Only a regular file of at most 1 MB is read. */
export function loadConfig(dataDir: string): Result<Config, BulwarkError> {
  const file = configPath(dataDir);
  const read = readTextFileBounded(file, MAX_CONFIG_BYTES, 'config');
  if (!read.ok) {
    if (read.error.code !== 'config.missing') return read;
    // A dangling symlink is not "no config": the operator meant one, and the defaults would hide that.
    let dangling: boolean;
    try {
      dangling = isSymlink(file);
    } catch (cause) {
      return err(bulwarkError('config.unreadable', `cannot read ${file}: ${describeCause(cause)}`));
    }
    if (dangling)
      return err(
        bulwarkError(
          'config.unreadable',
          `${file} is a symbolic link to a missing file; fix the link or remove it to use the defaults`,
        ),
      );
    return parseConfigText('', file);
  }
  return parseConfigText(read.value, file);
}

export const DEFAULT_CONFIG_YAML = `# bulwark configuration. Secrets never live here: refer to them by name, e.g. apiKey: { secret: ANTHROPIC_API_KEY }
server:
  host: 127.0.0.1   # loopback only by default; another address needs tls (bulwark init --tls) or insecure: true (plain HTTP)
  port: 8787
  # L18: refused requests without a valid token per client address before 429 (loopback included)
  # authFailures: { maxFailures: 20, windowMs: 60000 }

# Providers: uncomment one. Keys are read from the secret store / environment by name.
providers: {}
#  anthropic:
#    type: anthropic
#    apiKey: { secret: ANTHROPIC_API_KEY }
#  openai:
#    type: openai
#    apiKey: { secret: OPENAI_API_KEY }
#  ollama:
#    type: openai
#    baseUrl: http://127.0.0.1:11434/v1

agents:
  - id: default
    # provider: anthropic
    # model: claude-sonnet-4-5
    systemPrompt: You are a careful assistant working inside a bulwark workspace.
    tools:
      profile: coding
`;
