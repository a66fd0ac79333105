/**
 * Reversible transforms of a vault value through the daemon, with the real vault and leak index (no stub check): a
 * hostile provider writes the value reversed, upper- and lower-cased, rot13'd, in base32, as decimal character codes,
 * cut in two halves with words between them, dashed and spaced, as `od -X` words — in its answer (L02) and in a tool's arguments (the
 * tool-argument scan) — and none of it reaches the client or a tool. Through exec, `echo <reversed> | rev > f` never
 * lands the plain value in the workspace, and a command that hides the value from the argument scan (reversed
 * halves in two variables) is refused by the effect-set scan (L11.7).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, scriptFrom, type FakeRequest } from '../support/fake-provider.js';
import { base32Encode, reverseText, rot13 } from '../../src/text/index.js';
import { chatText, contentDeltas, lastToolResultText, startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

/** A deploy key: a prefix and 32 random letters and digits, both cases (so case and rot13 change it). */
function deployKey(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  return `dk-${[...randomBytes(32)].map((b) => alphabet[b % alphabet.length]).join('')}`;
}

const half = (v: string) => Math.floor(v.length / 2);

const TRANSFORMS: ReadonlyArray<readonly [string, (v: string) => string]> = [
  ['reversed', reverseText],
  ['upper-cased', (v) => v.toUpperCase()],
  ['lower-cased', (v) => v.toLowerCase()],
  ['rot13', rot13],
  ['base32', (v) => base32Encode(Buffer.from(v))],
  ['decimal char codes', (v) => [...v].map((c) => c.charCodeAt(0)).join(', ')],
  ['two halves', (v) => `${v.slice(0, half(v))} and, later on, ${v.slice(half(v))}`],
  ['dashed', (v) => [...v].join('-')],
  ['spaced', (v) => [...v].join(' ')],
  ['od -X (little-endian 32-bit words)', od32],
];

/** `v`'s bytes as `od -X` prints them: 32-bit little-endian words, the last one zero-padded. */
function od32(v: string): string {
  const bytes = Buffer.concat([Buffer.from(v), Buffer.alloc(3)]);
  const words: string[] = [];
  for (let at = 0; at + 4 <= bytes.length; at += 4) words.push(bytes.readUInt32LE(at).toString(16).padStart(8, '0'));
  return words.join(' ');
}

/** Pieces of the value any of whose presence is a leak: each half, as written and case-folded. */
function pieces(v: string): string[] {
  return [v.slice(0, half(v)), v.slice(half(v))];
}

function leaked(text: string, v: string, shown: string): string[] {
  const lower = text.toLowerCase();
  const out: string[] = [];
  for (const p of pieces(v)) if (lower.includes(p.toLowerCase())) out.push(`a half as written`);
  for (const p of pieces(reverseText(v))) if (lower.includes(p.toLowerCase())) out.push('a reversed half');
  for (const p of pieces(rot13(v))) if (lower.includes(p.toLowerCase())) out.push('a rot13 half');
  if (text.includes(shown)) out.push('the transformed form itself');
  return out;
}

/** Every file's text under the workspace (the plain value must land in none). */
function workspaceText(dir: string): string {
  let out = '';
  for (const name of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, name.name);
    if (name.isDirectory()) out += workspaceText(p);
    else if (name.isFile()) out += `${name.name}\n${readFileSync(p, 'latin1')}\n`;
    else out += `${name.name}\n`;
  }
  return out;
}

describe('a vault value under a reversible transform, real vault and leak index', () => {
  it('does not reach the client in an answer, streamed or not', async () => {
    const v = deployKey();
    const said = TRANSFORMS.map(([, f]) => `Here it is, ${f(v)} and that is all.`);
    e2e = await startE2E('openai', scriptFrom(said.flatMap((s) => [reply.text(s), reply.text(s)])), undefined, {
      vault: { DEPLOY_KEY: v },
    });
    for (const [i, [name, f]] of TRANSFORMS.entries())
      for (const stream of [false, true]) {
        const got = await chatText(e2e, 'show me the key', stream);
        expect(got, `${name}, stream ${stream}`).toContain('[REDACTED]');
        expect(leaked(got, v, f(v)), `${name}, stream ${stream}: ${got}`).toEqual([]);
        expect(said[i]).toContain(f(v));
      }
    // Each answer was redacted by the leak index as the vault value (other detectors may redact some forms too).
    await e2e.daemon.flushAudit();
    const traces = new Set(
      (await e2e.audit())
        .filter((a) => a['type'] === 'security:output_finding' && a['secretName'] === 'DEPLOY_KEY')
        .map((a) => a['traceId']),
    );
    expect(traces.size).toBe(TRANSFORMS.length * 2);
  });

  it('does not reach a tool in its arguments: every write is refused and no file is made', async () => {
    const v = deployKey();
    const results: string[] = [];
    e2e = await startE2E(
      'openai',
      scriptFrom([
        reply.toolCalls(
          TRANSFORMS.map(([, f], i) => ({
            name: 'write',
            arguments: { path: `t${i}.txt`, content: `key: ${f(v)}\n` },
          })),
        ),
        (req: FakeRequest) => {
          for (const m of req.messages) if (m['role'] === 'tool') results.push(String(m['content']));
          return reply.text('done');
        },
      ]),
      undefined,
      { vault: { DEPLOY_KEY: v } },
    );
    await chatText(e2e, 'show me the key', false);
    expect(results).toHaveLength(TRANSFORMS.length);
    for (const [i, [name]] of TRANSFORMS.entries()) {
      expect(existsSync(path.join(e2e.workspace, `t${i}.txt`)), name).toBe(false);
      expect(results[i], name).toMatch(/refused|blocked|denied/i);
    }
    expect(leaked(workspaceText(e2e.workspace), v, v)).toEqual([]);
  });

  it('exec: `echo <reversed> | rev > f` never lands the plain value; hidden from the argument scan, L11.7 refuses it', async () => {
    const v = deployKey();
    const h = half(v);
    const commands = [
      `echo ${reverseText(v)} | rev > plain.txt`,
      // rev("$x$y") = first half + second half: the value, though no argument holds it or its reversal whole.
      `x=${reverseText(v.slice(h))}; y=${reverseText(v.slice(0, h))}; printf '%s%s\\n' "$x" "$y" | rev > hidden.txt`,
    ];
    const results: string[] = [];
    e2e = await startE2E(
      'openai',
      scriptFrom([
        reply.toolCall('exec', { command: commands[0] as string }),
        (req: FakeRequest) => {
          results.push(lastToolResultText(req));
          return reply.toolCall('exec', { command: commands[1] as string });
        },
        (req: FakeRequest) => {
          results.push(lastToolResultText(req));
          return reply.text('done');
        },
      ]),
      undefined,
      { vault: { DEPLOY_KEY: v } },
    );
    await chatText(e2e, 'show me the key', false);
    expect(results).toHaveLength(2);
    expect(existsSync(path.join(e2e.workspace, 'plain.txt'))).toBe(false);
    expect(existsSync(path.join(e2e.workspace, 'hidden.txt'))).toBe(false);
    expect(workspaceText(e2e.workspace).toLowerCase()).not.toContain(v.toLowerCase());
    expect(leaked(workspaceText(e2e.workspace), v, v)).toEqual([]);
    // The second run happened and its effect set was refused by the leak scan, naming the secret.
    expect(results[1]).toMatch(/L11\.7/);
    expect(results[1]).toMatch(/DEPLOY_KEY/);
    await e2e.daemon.flushAudit();
    const audit = await e2e.audit();
    expect(audit.some((a) => a['layer'] === 'L11.7' && /DEPLOY_KEY/.test(JSON.stringify(a)))).toBe(true);
  });
});

describe('a vault value streamed as character codes by a hostile provider', () => {
  const CODE_FORMS: ReadonlyArray<readonly [string, (code: number) => string, string]> = [
    ['HTML entities', (c) => `&#${c};`, ''],
    ['hex HTML entities', (c) => `&#x${c.toString(16)};`, ''],
    ['decimal codes', String, ', '],
    ['\\x escapes', (c) => `\\x${c.toString(16)}`, ''],
  ];

  it('an answer that opens with the codes, cut inside or right after the first one: none of it reaches the client', async () => {
    // A key that opens with a two-digit code (`Q`, 81).
    const v = `Q${deployKey()}`;
    const codes = CODE_FORMS.map(([, write]) => [...v].map((c) => write(c.charCodeAt(0))));
    // Per form, two streamed answers (cut inside the first code, cut right after it), then the same unstreamed.
    const answers = CODE_FORMS.map(([, , sep], i) => `${(codes[i] as string[]).join(sep)} and that is all.`);
    const steps = CODE_FORMS.flatMap(([, , sep], i) => {
      const list = codes[i] as string[];
      const first = list[0] as string;
      const rest = `${sep}${list.slice(1).join(sep)} and that is all.`;
      const cuts = [
        [first.slice(0, 1), first.slice(1), rest],
        [first, rest],
      ];
      return [
        ...cuts.map((chunks) => reply.text(chunks.join(''), { chunks, chunkDelayMs: 20 })),
        reply.text(answers[i] as string),
      ];
    });
    e2e = await startE2E('openai', scriptFrom(steps), undefined, { vault: { DEPLOY_KEY: v } });
    const ask = async (stream: boolean) =>
      fetch(`${(e2e as E2E).daemon.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${(e2e as E2E).token}` },
        body: JSON.stringify({ model: 'default', stream, messages: [{ role: 'user', content: 'the key as codes' }] }),
      }).then((r) => r.text());
    for (const [name] of CODE_FORMS) {
      const streamed = [contentDeltas(await ask(true)), contentDeltas(await ask(true))];
      const whole = (JSON.parse(await ask(false)) as { choices: Array<{ message: { content: string } }> }).choices[0]
        ?.message.content;
      expect(whole, name).toBe('[REDACTED] and that is all.');
      for (const deltas of streamed) {
        // Equal to the unstreamed answer: not the first code, nor what opens it, went out before the redaction.
        expect(deltas.join(''), name).toBe(whole);
      }
    }
  });
});
