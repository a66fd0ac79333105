/**
 * Config fragment for MCP servers (`mcp.servers`) and L25 (`supply.maxIndexAgeDays`). A server is a command
 * started inside the exec sandbox (stdio), a pinned npm package started the same way after L25 screened its whole
 * tree, or an HTTP endpoint reached through L10.
 */
import { z } from 'zod';
import { ACTION_CLASSES } from './approvals.js';

/** A server's name is the prefix of its tools (`<server>__<tool>`), so no `__` inside it. */
export const MCP_SERVER_NAME = /^[a-zA-Z0-9][a-zA-Z0-9-]{0,31}$/;

const absolutePath = z
  .string()
  .min(2)
  .max(1000)
  .refine(
    (p) => p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\0'),
    'an absolute path without .. segments',
  );

const NPM_PART = /^[a-z0-9~-][a-z0-9._~-]{0,213}$/;
const VERSION_CORE = /^\d{1,9}\.\d{1,9}\.\d{1,9}$/;
const PRERELEASE = /^[0-9A-Za-z.-]{1,80}$/;

function exactVersion(v: string): boolean {
  const dash = v.indexOf('-');
  return dash < 0 ? VERSION_CORE.test(v) : VERSION_CORE.test(v.slice(0, dash)) && PRERELEASE.test(v.slice(dash + 1));
}

/** `name@1.2.3` or `@scope/name@1.2.3`: one exact version (L25 screens it again, with the index). */
function pinnedNpmSpec(spec: string): boolean {
  const at = spec.lastIndexOf('@');
  if (at <= 0) return false;
  const name = spec.slice(0, at);
  const parts = name.startsWith('@') ? name.slice(1).split('/') : [name];
  if (parts.length !== (name.startsWith('@') ? 2 : 1)) return false;
  return parts.every((p) => NPM_PART.test(p)) && exactVersion(spec.slice(at + 1));
}

const argument = z
  .string()
  .max(4000)
  .refine((a) => !a.includes('\0'), 'no NUL bytes');

export const McpServerSchema = z
  .strictObject({
    name: z.string().regex(MCP_SERVER_NAME, 'letters, digits and - (max 32, no _: it separates server and tool)'),
    /** stdio: the program, run inside the exec sandbox (an absolute path, or a name found on the sandbox's PATH). */
    command: z
      .string()
      .min(1)
      .max(1000)
      .refine((c) => !c.includes('\0') && !/\s/.test(c), 'one program, no spaces (arguments go in args)')
      .optional(),
    args: z.array(argument).max(100).default([]),
    /** stdio: a pinned npm package (`name@x.y.z`) whose bin is started; L25 screens its whole tree first. */
    package: z
      .string()
      .max(300)
      .refine(pinnedNpmSpec, 'a pinned npm package: name@x.y.z (ranges, tags and URLs cannot be screened by L25)')
      .optional(),
    /**
     * Optional: a tree the operator installed (holding package-lock.json and node_modules), bound read-only. Without
     * it bulwark installs `package` itself (scripts disabled, sandboxed, through the broker to supply.registry only).
     */
    packageDir: absolutePath.optional(),
    /** http: the server's streamable-HTTP endpoint, fetched through L10. */
    url: z.url({ protocol: /^https?$/ }).optional(),
    /** L27 class of every tool of this server; `unknown` (the default) is destructive: each call asks the operator. */
    actionClass: z.enum([...ACTION_CLASSES, 'unknown']).default('unknown'),
    /** An agent whose workspace the server sees, read-only, at /workspace (default: none). */
    workspace: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'an agent id')
      .optional(),
    /** Extra host paths the server needs, bound read-only at the same path (its install, its data). */
    readOnlyPaths: z.array(absolutePath).max(20).default([]),
    /** Plain (non-secret) variables for the server's environment. */
    env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]{0,63}$/, 'an upper-case variable name'), argument).default({}),
    /** stdio: `none` (default) or `broker`: egress only through the credential broker (L08) and its host allow-list. */
    network: z.enum(['none', 'broker']).default('none'),
    /** How long start-up and each call may take. */
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    /**
     * A call re-lists the server's tools first when the last listing is older than this (0: before every call), so
     * a definition changed without a tools/list_changed notification is checked against its pin before it runs.
     */
    relistAfterMs: z.number().int().min(0).max(3_600_000).default(5_000),
  })
  .refine((s) => [s.command, s.package, s.url].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of command (stdio), package (pinned npm, stdio) or url (http)',
  })
  .refine((s) => s.package !== undefined || s.packageDir === undefined, {
    message: 'packageDir only goes with package (the installed tree of that pinned package)',
  });
export type McpServerConfig = z.infer<typeof McpServerSchema>;

export const McpConfigSchema = z.strictObject({
  servers: z
    .array(McpServerSchema)
    .max(50)
    .default([])
    .refine(
      (list) => new Set(list.map((s) => s.name.toLowerCase())).size === list.length,
      'server names must be unique',
    ),
});
export type McpConfig = z.infer<typeof McpConfigSchema>;

export const SupplyConfigSchema = z.strictObject({
  /** L25: an advisory index older than this refuses new package starts (running servers keep running). */
  maxIndexAgeDays: z.number().min(0).max(365).default(7),
  /** L25: exact package names the operator vouches for, never refused as typosquats (still checked in the index). */
  allowNames: z
    .array(
      z
        .string()
        .min(1)
        .max(214)
        .regex(/^[@A-Za-z0-9~._/-]+$/, 'a package name (letters, digits, @ / . _ ~ -)'),
    )
    .max(1000)
    .default([]),
  /**
   * The npm registry MCP package servers are installed from (https only: the install reaches it through the broker,
   * which lets that session reach this host and no other).
   */
  registry: z
    .url({ protocol: /^https$/ })
    .refine((u) => {
      const url = new URL(u);
      return url.username === '' && url.password === '' && url.search === '' && url.hash === '';
    }, 'an https URL without credentials, query or fragment (a token goes in a broker binding)')
    .default('https://registry.npmjs.org/'),
  /** How long one package install may take before it is killed and refused. */
  installTimeoutMs: z.number().int().min(1000).max(1_800_000).default(300_000),
  /** npm's `npm-cli.js` for those installs (default: the one installed with node); bound read-only into the sandbox. */
  npmCli: absolutePath.optional(),
});
export type SupplyConfig = z.infer<typeof SupplyConfigSchema>;
