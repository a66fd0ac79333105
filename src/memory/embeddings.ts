/**
 * Optional vectors: an OpenAI-compatible `/embeddings` endpoint the operator configures (a local Ollama, vLLM,
 * llama.cpp server, or a hosted API). bulwark ships no weights and downloads nothing; without this config, lexical
 * search is the whole of search. The embedder id (`model@baseUrl`) and dimension are stored with every vector.
 */
import { bulwarkError, describeCause, type BulwarkError, err, ok, type Result } from '../core/index.js';
import type { EmbeddingsConfig } from '../config/index.js';

export interface Embedder {
  /** `model@baseUrl`: a vector made by another embedder is never compared with this one's. */
  readonly id: string;
  embed(texts: readonly string[], signal?: AbortSignal): Promise<Result<Float32Array[], BulwarkError>>;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

const MAX_BATCH = 64;
const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

function fail(message: string): BulwarkError {
  return bulwarkError('memory.embeddings', message, { status: 502 });
}

export function createHttpEmbedder(
  config: EmbeddingsConfig,
  apiKey: () => Result<string | undefined, BulwarkError>,
  fetchImpl: FetchLike = fetch,
): Embedder {
  const base = config.baseUrl.replace(/\/+$/, '');
  const url = `${base}/embeddings`;
  const id = `${config.model}@${base}`;
  return {
    id,
    async embed(texts, signal) {
      const out: Float32Array[] = [];
      const key = apiKey();
      if (!key.ok) return key;
      for (let i = 0; i < texts.length; i += MAX_BATCH) {
        const batch = texts.slice(i, i + MAX_BATCH);
        const timeout = AbortSignal.timeout(config.timeoutMs);
        let res: Response;
        try {
          res = await fetchImpl(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              ...(key.value ? { authorization: `Bearer ${key.value}` } : {}),
            },
            body: JSON.stringify({ model: config.model, input: batch }),
            signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
          });
        } catch (cause) {
          return err(fail(`the embeddings endpoint ${url} did not answer: ${describeCause(cause)}`));
        }
        if (!res.ok) return err(fail(`the embeddings endpoint ${url} answered HTTP ${res.status}`));
        const length = Number(res.headers.get('content-length') ?? '0');
        if (length > MAX_RESPONSE_BYTES) return err(fail(`the embeddings endpoint ${url} sent ${length} bytes`));
        let body: unknown;
        try {
          body = await res.json();
        } catch (cause) {
          return err(fail(`the embeddings endpoint ${url} sent no JSON: ${describeCause(cause)}`));
        }
        const data = (body as { data?: unknown }).data;
        if (!Array.isArray(data) || data.length !== batch.length)
          return err(
            fail(
              `the embeddings endpoint ${url} returned ${Array.isArray(data) ? data.length : 'no'} vectors for ${batch.length} texts`,
            ),
          );
        const sorted = [...data].sort(
          (a: { index?: number }, b: { index?: number }) => (a.index ?? 0) - (b.index ?? 0),
        ) as Array<{ embedding?: unknown }>;
        for (const d of sorted) {
          const v = d.embedding;
          if (
            !Array.isArray(v) ||
            v.length === 0 ||
            v.length > 8192 ||
            !v.every((x) => typeof x === 'number' && Number.isFinite(x))
          )
            return err(
              fail(`the embeddings endpoint ${url} returned a vector that is not a list of up to 8192 numbers`),
            );
          out.push(Float32Array.from(v as number[]));
        }
      }
      const dim = out[0]?.length;
      if (out.some((v) => v.length !== dim))
        return err(fail(`the embeddings endpoint ${url} returned vectors of different dimensions`));
      return ok(out);
    },
  };
}

/** Cosine similarity of two vectors of one dimension. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
