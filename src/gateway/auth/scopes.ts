/** What a token may do. Each route names the one scope it needs; no scope implies another. */
export const TOKEN_SCOPES = ['chat', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const SCOPE_HELP: Readonly<Record<TokenScope, string>> = {
  chat: 'talk to agents: /v1/models, /v1/chat/completions',
  admin: 'operate the daemon: approvals and other admin routes',
};

export function isTokenScope(s: string): s is TokenScope {
  return (TOKEN_SCOPES as readonly string[]).includes(s);
}
