/**
 * The drill talks to the drilled daemon only as its clients and its operator would: the OpenAI-compatible chat API
 * with each caller's token, and the approvals API with an admin token (the operator's answers, by the drill's
 * stated policy).
 */
import { describeCause } from '../core/index.js';
import type { ApprovalPolicy } from './plan.js';

export interface ChatOutcome {
  readonly status: number;
  /** What the client was shown (answer text; for a failure, the error message). */
  readonly text: string;
  readonly errorCode?: string;
  readonly sessionId?: string;
  readonly failed?: string;
}

const SESSION_HEADER = 'x-bulwark-session';

function sseTexts(body: string): { text: string; error?: { message: string; code?: string } } {
  let text = '';
  let error: { message: string; code?: string } | undefined;
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') continue;
    try {
      const chunk = JSON.parse(line.slice('data: '.length)) as {
        choices?: Array<{ delta?: { content?: string } }>;
        error?: { message?: string; code?: string };
      };
      text += chunk.choices?.[0]?.delta?.content ?? '';
      if (chunk.error)
        error = { message: chunk.error.message ?? '', ...(chunk.error.code ? { code: chunk.error.code } : {}) };
    } catch (cause) {
      text += `\n[unparsable stream line: ${describeCause(cause)}]`;
    }
  }
  return { text, ...(error ? { error } : {}) };
}

export async function chat(options: {
  readonly url: string;
  readonly token: string;
  readonly agent: string;
  readonly message: string;
  readonly sessionId?: string;
  readonly stream: boolean;
  readonly timeoutMs: number;
}): Promise<ChatOutcome> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let res: Response;
  try {
    res = await fetch(`${options.url}/v1/chat/completions`, {
      method: 'POST',
      signal,
      headers: {
        authorization: `Bearer ${options.token}`,
        'content-type': 'application/json',
        ...(options.sessionId ? { [SESSION_HEADER]: options.sessionId } : {}),
      },
      body: JSON.stringify({
        model: options.agent,
        stream: options.stream,
        messages: [{ role: 'user', content: options.message }],
      }),
    });
  } catch (cause) {
    return { status: 0, text: '', failed: `the daemon did not answer: ${describeCause(cause)}` };
  }
  const sessionId = res.headers.get(SESSION_HEADER) ?? undefined;
  let body: string;
  try {
    body = await res.text();
  } catch (cause) {
    return { status: res.status, text: '', failed: `the answer was cut off: ${describeCause(cause)}` };
  }
  const base = { status: res.status, ...(sessionId ? { sessionId } : {}) };
  if (res.headers.get('content-type')?.includes('text/event-stream')) {
    const s = sseTexts(body);
    return { ...base, text: s.text, ...(s.error?.code ? { errorCode: s.error.code } : {}) };
  }
  try {
    const json = JSON.parse(body) as {
      choices?: Array<{ message?: { content?: string | null } }>;
      error?: { message?: string; code?: string | null };
    };
    if (json.error)
      return { ...base, text: json.error.message ?? '', ...(json.error.code ? { errorCode: json.error.code } : {}) };
    return { ...base, text: json.choices?.[0]?.message?.content ?? '' };
  } catch (cause) {
    return { ...base, text: body, failed: `the answer is not JSON: ${describeCause(cause)}` };
  }
}

/** One approval request the drill's operator answered. */
export interface AnsweredApproval {
  readonly id: string;
  readonly agentId: string;
  readonly tool: string;
  /** The gate that asked (L13, or L11.7 for a host-executed file). */
  readonly layer: string;
  readonly classes: readonly string[];
  readonly decision: 'approve' | 'deny';
  readonly at: number;
  /** Set when the decision could not be delivered. */
  readonly problem?: string;
}

interface PendingView {
  readonly id: string;
  readonly effectHash?: string;
  readonly view: {
    readonly layer?: string;
    readonly tool: string;
    readonly agentId: string;
    readonly classes: string[];
  };
}

/**
 * The drill's operator: follows /v1/approvals/stream and answers every request by the policy (deny all by default).
 * `idle()` resolves once nothing it has seen is still being answered.
 */
export class DrillOperator {
  readonly answered: AnsweredApproval[] = [];
  private readonly controller = new AbortController();
  private inFlight = 0;
  private waiters: Array<() => void> = [];
  private streamFailure: string | undefined;
  private readonly running: Promise<void>;

  constructor(
    private readonly url: string,
    private readonly adminToken: string,
    private readonly policy: ApprovalPolicy,
  ) {
    this.running = this.follow();
  }

  /** Why the approvals stream ended early, if it did (the drill then fails: nobody answers). */
  get failure(): string | undefined {
    return this.streamFailure;
  }

  private async follow(): Promise<void> {
    try {
      const res = await fetch(`${this.url}/v1/approvals/stream`, {
        headers: { authorization: `Bearer ${this.adminToken}` },
        signal: this.controller.signal,
      });
      if (!res.ok || !res.body) {
        this.streamFailure = `GET /v1/approvals/stream answered ${res.status}`;
        return;
      }
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data:'))
            .map((l) => l.slice(5).trimStart())
            .join('\n');
          if (event.includes('event: approval') && data) this.answer(JSON.parse(data) as PendingView);
        }
      }
    } catch (cause) {
      if (!this.controller.signal.aborted) this.streamFailure = `the approvals stream failed: ${describeCause(cause)}`;
    }
  }

  private answer(p: PendingView): void {
    this.inFlight += 1;
    void this.decide(p).finally(() => {
      this.inFlight -= 1;
      if (this.inFlight === 0) for (const w of this.waiters.splice(0)) w();
    });
  }

  private async decide(p: PendingView): Promise<void> {
    const decision = this.policy;
    const post = (body: Record<string, unknown>) =>
      fetch(`${this.url}/v1/approvals/${p.id}/${decision}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${this.adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const reason = `drill operator policy: ${decision === 'deny' ? 'deny every request' : 'approve every request'}`;
    let problem: string | undefined;
    try {
      let res = await post({ reason });
      // An API that binds the decision to the effect hash asks for it back.
      if (res.status === 400 && p.effectHash && (await res.text()).includes('effectHash'))
        res = await post({ reason, effectHash: p.effectHash });
      if (!res.ok && res.status !== 404 && res.status !== 409) problem = `answered ${res.status}`;
    } catch (cause) {
      problem = describeCause(cause);
    }
    this.answered.push({
      id: p.id,
      agentId: p.view.agentId,
      tool: p.view.tool,
      layer: p.view.layer ?? 'L13',
      classes: p.view.classes,
      decision,
      at: Date.now(),
      ...(problem ? { problem } : {}),
    });
  }

  idle(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.running;
  }
}
