/**
 * `web_fetch` (group web): GET a URL through L10 (strict parse, every address checked, pinned connection,
 * every redirect re-checked, size and time caps; L08.1 on every hop too) and return readable text. The result is external content:
 * the integrator wraps it with L03 (`external: true`) and the agent loop sanitises it with L23.
 */
import { auditContext, bulwarkError, describeCause, err, ok } from '../../core/index.js';
import { z } from 'zod';
import { convert } from 'html-to-text';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { type SsrfGuard, guardedFetch, type FetchLimits, type Transport } from '../../net/index.js';
import { jsonSchemaOf, parseArgs } from './args.js';
import type { EgressCheck } from '../egress-taint.js';
import type { Tool } from './tool.js';

export interface WebFetchDeps {
  readonly guard: SsrfGuard;
  readonly transport?: Transport;
  readonly limits?: Partial<FetchLimits>;
  /** Upper bound of returned characters (the model may ask for fewer). */
  readonly maxChars?: number;
  /** L08.1: a tainted session's request that carries candidates to an untrusted host waits for the operator. */
  readonly egress?: EgressCheck;
}

const DEFAULT_MAX_CHARS = 50_000;
const DEFAULT_MAX_BYTES = 2 * 1024 * 1024;

const ArgsSchema = z.strictObject({
  url: z.string().min(1).max(8192).describe('http:// or https:// URL to GET'),
  maxChars: z.number().int().min(500).max(200_000).optional().describe('cut the returned text at this many characters'),
});

const TEXTUAL =
  /^(text\/|application\/(json|xml|xhtml\+xml|rss\+xml|atom\+xml|ld\+json|javascript)|application\/[a-z0-9.+-]+\+(json|xml))/;

function contentType(h: Readonly<Record<string, string | string[] | undefined>>): string {
  const v = h['content-type'];
  return ((Array.isArray(v) ? v[0] : v) ?? '').toLowerCase().trim();
}

/** Undoes a Content-Encoding the server sent anyway, with the output capped (no decompression bomb). */
function decompress(body: Buffer, encoding: string, maxBytes: number): Buffer {
  const opts = { maxOutputLength: maxBytes };
  if (encoding === 'gzip' || encoding === 'x-gzip') return gunzipSync(body, opts);
  if (encoding === 'deflate') return inflateSync(body, opts);
  if (encoding === 'br') return brotliDecompressSync(body, opts);
  throw new Error(`unsupported content-encoding ${encoding}`);
}

function decode(body: Buffer, type: string): string {
  const charset = /charset=([a-z0-9_-]+)/.exec(type)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

export function htmlToReadableText(html: string): string {
  return convert(html, {
    wordwrap: false,
    limits: { maxInputLength: DEFAULT_MAX_BYTES * 2 },
    selectors: [
      { selector: 'img', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ],
  });
}

export function createWebFetchTool(deps: WebFetchDeps): Tool {
  const maxChars = deps.maxChars ?? DEFAULT_MAX_CHARS;
  const limits: Partial<FetchLimits> = {
    maxBodyBytes: DEFAULT_MAX_BYTES,
    timeoutMs: 20_000,
    maxRedirects: 5,
    ...deps.limits,
  };
  return {
    spec: {
      name: 'web_fetch',
      description:
        'Fetch a public web page or document with GET and return its readable text. Only public internet addresses are reachable; private, local and metadata addresses are refused.',
      inputSchema: jsonSchemaOf(ArgsSchema),
    },
    group: 'web',
    actionClass: 'network',
    external: true,
    async run(rawArgs, ctx) {
      const args = parseArgs('web_fetch', ArgsSchema, rawArgs);
      if (!args.ok) return args;
      const egress = deps.egress;
      const res = await guardedFetch(
        { guard: deps.guard, limits, ...(deps.transport ? { transport: deps.transport } : {}) },
        args.value.url,
        {
          method: 'GET',
          headers: {
            'user-agent': 'bulwark-web-fetch/0.1',
            accept: 'text/html, text/plain;q=0.9, application/json;q=0.8, */*;q=0.1',
            'accept-encoding': 'identity',
          },
          ctx: auditContext(ctx),
          signal: ctx.signal,
          // L08.1 on every hop: an open redirect of a trusted host can point anywhere.
          ...(egress ? { beforeHop: (url: URL, body: string | undefined) => egress(url, body, ctx) } : {}),
        },
      );
      if (!res.ok) return res;
      const r = res.value;
      const type = contentType(r.headers);
      if (type !== '' && !TEXTUAL.test(type)) {
        return err(
          bulwarkError(
            'web_fetch.not_text',
            `${r.url} returned ${type.split(';')[0]}, which is not text; web_fetch returns text and HTML only`,
            { status: 415 },
          ),
        );
      }
      const enc = String(r.headers['content-encoding'] ?? 'identity')
        .trim()
        .toLowerCase();
      let bytes = r.body;
      if (enc !== 'identity' && enc !== '') {
        try {
          bytes = decompress(r.body, enc, limits.maxBodyBytes ?? DEFAULT_MAX_BYTES);
        } catch (cause) {
          return err(
            bulwarkError(
              'web_fetch.encoding',
              `${r.url} sent a body that cannot be decoded (${describeCause(cause)})`,
              { status: 502 },
            ),
          );
        }
      }
      const raw = decode(bytes, type);
      const isHtml = type.includes('html') || (type === '' && /^\s*(<!doctype html|<html)/i.test(raw));
      let text = isHtml ? htmlToReadableText(raw) : raw;
      const cap = Math.min(args.value.maxChars ?? maxChars, maxChars);
      let cut = r.truncated;
      if (text.length > cap) {
        text = text.slice(0, cap);
        cut = true;
      }
      const head = [`URL: ${r.url}`, `Status: ${r.status}`, `Content-Type: ${type || 'unknown'}`];
      if (r.hops.length > 1) head.push(`Redirected from: ${r.hops[0] ?? ''}`);
      if (cut) head.push('Note: the content was truncated.');
      return ok(`${head.join('\n')}\n\n${text}`);
    },
  };
}
