/**
 * The fetch an HTTP MCP server is reached with: every request goes through L10 (resolve, refuse non-global
 * addresses unless `net.allow` names them, pinned connection, redirects re-checked, size and time caps). L10 reads
 * a response whole, so the standalone server-to-client event stream (a long-lived GET) is not offered: the client
 * is answered 405 for it without a request, which the MCP client treats as "the server has none".
 */
import { guardedFetch, type SsrfGuard } from '../../net/index.js';
import type { GuardedFetchLike } from './connect.js';

function headersOf(init: RequestInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init?.headers).forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

export function l10Fetch(guard: SsrfGuard, server: string): GuardedFetchLike {
  return async (url, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    if (method === 'GET') return new Response(null, { status: 405, statusText: 'not offered through L10' });
    if (method !== 'POST' && method !== 'DELETE') return new Response(null, { status: 405 });
    // DELETE ends a session: L10 does not send it, and the session simply expires on the server.
    if (method === 'DELETE') return new Response(null, { status: 200 });
    const body = typeof init?.body === 'string' ? init.body : undefined;
    const r = await guardedFetch({ guard }, String(url), {
      method: 'POST',
      headers: headersOf(init),
      ...(body !== undefined ? { body } : {}),
      ...(init?.signal ? { signal: init.signal } : {}),
      ctx: { agentId: `mcp:${server}` },
    });
    // The SDK reports a thrown error as the transport's failure: L10's refusal is named in it.
    if (!r.ok) throw new Error(`${r.error.layer ?? 'L10'} refused ${String(url)}: ${r.error.message}`);
    const headers = new Headers();
    for (const [k, v] of Object.entries(r.value.headers))
      if (v !== undefined) for (const one of Array.isArray(v) ? v : [v]) headers.append(k, one);
    return new Response(r.value.status === 204 || r.value.status === 202 ? null : new Uint8Array(r.value.body), {
      status: r.value.status,
      headers,
    });
  };
}
