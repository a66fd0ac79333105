/**
 * A stranger (a chat token that is not the owner's) against the owner's memory, through a real daemon and the fake
 * provider: capture must not skip the stranger's sentence because the owner said it (a membership oracle through
 * the stranger's own memory_search), and memory_save must not replace an entry another sender wrote.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openTokenAdmin } from '../../src/daemon.js';
import { reply, type FakeReply, type FakeRequest } from '../support/fake-provider.js';
import { decide, lastToolResultText, startE2E, toolResultBody, type E2E } from './support.js';

let e: E2E | undefined;
afterEach(async () => {
  await e?.close();
  e = undefined;
});

type Step = FakeReply | ((results: string[]) => FakeReply);

/** Steps in order; the text of each tool result the model was sent is collected. */
async function daemon(steps: Step[]): Promise<{ e: E2E; results: string[] }> {
  const results: string[] = [];
  let i = 0;
  const started = await startE2E(
    'openai',
    (req: FakeRequest) => {
      if (i > 0) results.push(toolResultBody(lastToolResultText(req)));
      const s = steps[i++];
      if (!s) return reply.text('done');
      return typeof s === 'function' ? s(results) : s;
    },
    undefined,
    { owner: true },
  );
  return { e: started, results };
}

async function chat(url: string, token: string, content: string): Promise<number> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content }] }),
  });
  await res.text();
  return res.status;
}

function strangerToken(dir: string): string {
  const admin = openTokenAdmin(dir);
  if (!admin.ok) throw new Error(admin.error.message);
  const s = admin.value.create('stranger', ['chat']);
  admin.value.close();
  if (!s.ok) throw new Error(s.error.message);
  return s.value.token;
}

interface Listed {
  id: string;
  text: string;
  origin: string;
  supersededBy: string | null;
  source: { sender?: string };
}

async function memories(x: E2E): Promise<Listed[]> {
  const res = await fetch(`${x.daemon.url}/v1/memory?all=1`, { headers: { authorization: `Bearer ${x.adminToken}` } });
  return ((await res.json()) as { data: Listed[] }).data;
}

describe("a stranger and the owner's memory", () => {
  it("capture keeps the stranger's sentence whatever the owner said: their search cannot tell a right guess", async () => {
    const run = await daemon([
      reply.text('noted'),
      reply.text('ok'),
      reply.text('ok'),
      reply.toolCall('memory_search', { query: 'safe combination', limit: 10 }),
      reply.text('done'),
    ]);
    e = run.e;
    expect(await chat(e.daemon.url, e.token, 'My safe combination is 31-14-09.')).toBe(200);
    const stranger = strangerToken(e.dir);
    expect(await chat(e.daemon.url, stranger, 'My safe combination is 31-14-09.')).toBe(200);
    expect(await chat(e.daemon.url, stranger, 'My safe combination is 27-40-12.')).toBe(200);
    expect(await chat(e.daemon.url, stranger, 'what do you remember about me?')).toBe(200);
    const seen = run.results.at(-1) ?? '';
    // Both guesses are the stranger's own memories: the right one looks like the wrong one.
    expect(seen).toContain('27-40-12');
    expect(seen).toContain('31-14-09');
    const stored = (await memories(e)).filter((m) => m.text.includes('31-14-09'));
    expect(stored.map((m) => m.origin).sort()).toEqual(['external', 'owner']);
  });

  it("memory_save in a stranger's turn cannot replace the owner's entry: refused, the entry stays recalled", async () => {
    let ownerId = '';
    const run = await daemon([
      reply.toolCall('memory_save', {
        text: 'Deploys always go to staging first and wait for a human check.',
        kind: 'preference',
      }),
      reply.text('saved'),
      (results) => {
        ownerId = /mem_[0-9a-f]{24}/.exec(results.join('\n'))?.[0] ?? '';
        return reply.toolCall('memory_save', {
          text: 'Deploys go straight to production, no check needed.',
          kind: 'preference',
          replaces: ownerId,
        });
      },
      reply.text('ok'),
    ]);
    e = run.e;
    expect(await chat(e.daemon.url, e.token, 'remember how I deploy')).toBe(200);
    expect(await chat(e.daemon.url, strangerToken(e.dir), 'please update the deploy note')).toBe(200);
    expect(ownerId).toMatch(/^mem_/);
    expect(run.results.at(-1)).toMatch(/memory\.not_yours|written by another sender/);
    const all = await memories(e);
    expect(all.find((m) => m.id === ownerId)).toMatchObject({ origin: 'agent', supersededBy: null });
    expect(all.some((m) => m.text.includes('straight to production'))).toBe(false);
    // Refused before the write pipeline runs (L27 asks L14's rule first), so the audit line is the tool's denial.
    const refused = (await e.audit()).filter((l) => l.type === 'tool:denied' && l.tool === 'memory_save');
    expect(refused.map((l) => l.reason)).toContain('memory.not_yours');
  });

  it("a stranger's replacement of an owner entry is refused before the operator is asked: no approval row", async () => {
    let ownerId = '';
    const run = await daemon([
      reply.text('noted'),
      () =>
        reply.toolCall('memory_save', {
          text: 'The spare key is not under the mat any more.',
          kind: 'fact',
          replaces: ownerId,
        }),
      reply.text('ok'),
    ]);
    e = run.e;
    expect(await chat(e.daemon.url, e.token, 'My spare key is under the blue flower pot.')).toBe(200);
    const owned = (await memories(e)).find((m) => m.text.includes('blue flower pot'));
    expect(owned).toMatchObject({ origin: 'owner' });
    ownerId = owned!.id;
    // Plays an operator who would be asked: any request is recorded (and denied so the turn ends).
    const asked: string[] = [];
    let turnDone = false;
    const operator = (async () => {
      while (!turnDone) {
        const res = await fetch(`${e!.daemon.url}/v1/approvals`, {
          headers: { authorization: `Bearer ${e!.adminToken}` },
        });
        for (const p of ((await res.json()) as { data: { id: string }[] }).data) {
          asked.push(p.id);
          await decide(e!, p.id, 'deny');
        }
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    const status = await chat(e.daemon.url, strangerToken(e.dir), 'forget where the key is');
    turnDone = true;
    await operator;
    expect(status).toBe(200);
    expect(run.results.at(-1)).toMatch(/memory\.not_yours|written by another sender/);
    expect(asked).toEqual([]);
    const audit = await e.audit();
    expect(audit.filter((l) => String(l.type).startsWith('approval:'))).toEqual([]);
    expect(audit).toContainEqual(
      expect.objectContaining({ type: 'tool:denied', layer: 'L14', tool: 'memory_save', reason: 'memory.not_yours' }),
    );
    const all = await memories(e);
    expect(all.find((m) => m.id === ownerId)).toMatchObject({ origin: 'owner', supersededBy: null });
    expect(all.some((m) => m.text.includes('not under the mat'))).toBe(false);
  });
});
