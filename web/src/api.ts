/**
 * Talking to the daemon from the page. The session cookie (HttpOnly) authenticates; the CSRF value lives in this
 * module's memory only (never in localStorage or a cookie the page can read) and goes with every change.
 */

export interface UiSession {
  readonly label: string;
  readonly tokenId: string;
  readonly scopes: readonly string[];
  readonly owner: boolean;
  readonly csrf: string;
  readonly expiresAt: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

let csrf = '';
let onLoggedOut: () => void = () => undefined;

export function setSession(s: UiSession | undefined): void {
  csrf = s?.csrf ?? '';
}

/** Called when the daemon says the session has ended (401): the app shows its login form. */
export function whenLoggedOut(f: () => void): void {
  onLoggedOut = f;
}

export function headers(changes: boolean, extra: Record<string, string> = {}): Record<string, string> {
  return { ...(changes ? { 'x-bulwark-csrf': csrf } : {}), ...extra };
}

async function failureOf(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | null = null;
  try {
    const body = (await res.json()) as { error?: { message?: string; code?: string | null } };
    if (body.error?.message) message = body.error.message;
    code = body.error?.code ?? null;
  } catch (cause) {
    // Not JSON: the status line is all there is to tell.
    if (!(cause instanceof SyntaxError)) throw cause;
  }
  return new ApiError(res.status, message, code);
}

/** Checks a response; a 401 ends the page's session. */
export async function checked(res: Response): Promise<Response> {
  if (res.ok) return res;
  const e = await failureOf(res);
  if (res.status === 401) onLoggedOut();
  throw e;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const changes = method !== 'GET' && method !== 'HEAD';
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: headers(changes, body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  await checked(res);
  return (await res.json()) as T;
}

export const get = <T>(path: string): Promise<T> => api<T>('GET', path);
export const post = <T>(path: string, body: unknown = {}): Promise<T> => api<T>('POST', path, body);

export async function login(token: string): Promise<UiSession> {
  const res = await fetch('/ui/login', {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  if (!res.ok) throw await failureOf(res);
  return (await res.json()) as UiSession;
}

/** The session the cookie holds, or undefined when there is none. */
export async function currentSession(): Promise<UiSession | undefined> {
  const res = await fetch('/ui/session', { credentials: 'same-origin' });
  if (res.status === 401) return undefined;
  if (!res.ok) throw await failureOf(res);
  return (await res.json()) as UiSession;
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Reads `data:` payloads of a server-sent event stream from a fetch body. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(5).replace(/^ /, ''))
        .join('\n');
      if (data !== '') yield data;
    }
  }
}
