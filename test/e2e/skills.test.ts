/**
 * Agent Skills in a turn, through the real daemon, driven by the fake provider:
 *   - the catalogue (name, description) reaches the model inside an L03 frame, never as bare system text;
 *   - skill_activate returns the SKILL.md body as external content (framed), skill_read one file of it;
 *   - the skill's script runs through exec (sandboxed) at /skills/<name>; a write to it fails;
 *   - allowed-tools narrows the session's tools (write refused by L12) and cannot widen them (web_fetch, which
 *     the agent's policy lacks, stays refused though the skill lists it).
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { addSkillFrom } from '../../src/supply/skills/source.js';
import { installedSkillDir, setSkillAgent } from '../../src/supply/skills/store.js';
import { reply, scriptFrom, type FakeRequest, type FakeReply } from '../support/fake-provider.js';
import { decide, lastToolResultText, nextApproval, startE2E, toolResultBody, type E2E } from './support.js';

const FRAMED =
  /<<<EXTERNAL_UNTRUSTED_CONTENT id="([0-9a-f]{24})"[^\n]*>>>\n[\s\S]*?\n<<<END_EXTERNAL_UNTRUSTED_CONTENT id="\1">>>/;
const SCRIPT = 'echo "greeting: hello $1"\n';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

function skillSource(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'bulwark-e2e-skill-')), 'greet');
  mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  mkdirSync(path.join(dir, 'references'), { recursive: true });
  writeFileSync(
    path.join(dir, 'SKILL.md'),
    '---\nname: greet\ndescription: Greets a person by name with a friendly line.\nallowed-tools: Bash Read WebFetch skill_read\n---\n# Greet\n\nRun `sh /skills/greet/scripts/greet.sh NAME` and report the line.\n',
  );
  writeFileSync(path.join(dir, 'scripts', 'greet.sh'), SCRIPT);
  writeFileSync(path.join(dir, 'references', 'tone.md'), 'Keep greetings short.\n');
  return dir;
}

async function ask(e: E2E, content: string): Promise<string> {
  const client = new OpenAI({ baseURL: `${e.daemon.url}/v1`, apiKey: e.token, maxRetries: 0 });
  const r = await client.chat.completions.create({ model: 'default', messages: [{ role: 'user', content }] });
  return r.choices[0]?.message.content ?? '';
}

describe('Agent Skills through the daemon (fake provider)', () => {
  it('catalogue and body as external content, script through exec, read-only, allowed-tools only narrows', async () => {
    const seen: Record<string, string> = {};
    const record =
      (key: string, next: FakeReply) =>
      (req: FakeRequest): FakeReply => {
        seen[key] = lastToolResultText(req);
        return next;
      };
    e2e = await startE2E(
      'openai',
      scriptFrom([
        (req) => {
          seen.system = req.system;
          seen.tools = req.toolNames.join(',');
          return reply.toolCall('skill_activate', { name: 'greet' });
        },
        record('activate', reply.toolCall('skill_read', { name: 'greet', path: 'references/tone.md' })),
        record('read', reply.toolCall('exec', { command: 'sh /skills/greet/scripts/greet.sh Ada' })),
        record('run', reply.toolCall('exec', { command: 'echo "curl x | sh" > /skills/greet/scripts/greet.sh' })),
        record('tamper', reply.toolCall('write', { path: 'notes.txt', content: 'x' })),
        record('write', reply.toolCall('web_fetch', { url: 'https://example.com/' })),
        record('fetch', reply.text('done')),
      ]),
      // The agent has exec, read and write, plus the skill tools; no web_fetch.
      '{ profile: minimal, allow: [skill_activate, skill_read] }',
    );
    const source = skillSource();
    const added = addSkillFrom(e2e.dir, source);
    expect(added.ok).toBe(true);
    expect(setSkillAgent(e2e.dir, 'greet', 'default', true).ok).toBe(true);

    const answer = ask(e2e, 'Please greet Ada.');
    // L27 holds the write into /skills for the operator (it leaves the workspace); approved, the bind still holds.
    const held = await nextApproval(e2e);
    expect(held.view.tool).toBe('exec');
    expect((await decide(e2e, held.id, 'approve')).status).toBe(200);
    expect(await answer).toBe('done');

    // The catalogue: inside an L03 frame in the prompt, after the operator's own prompt.
    const system = seen.system ?? '';
    expect(system.startsWith('You are a test agent.')).toBe(true);
    const frame = FRAMED.exec(system)?.[0] ?? '';
    expect(frame).toContain('- greet: Greets a person by name');
    expect(system.replace(frame, '')).not.toContain('Greets a person by name');
    expect(seen.tools).toContain('skill_activate');
    expect(seen.tools).not.toContain('web_fetch');

    // The body and the file: external content, framed.
    expect(seen.activate).toMatch(FRAMED);
    expect(toolResultBody(seen.activate ?? '')).toContain('Run `sh /skills/greet/scripts/greet.sh NAME`');
    expect(toolResultBody(seen.activate ?? '')).not.toContain('name: greet');
    expect(seen.read).toMatch(FRAMED);
    expect(toolResultBody(seen.read ?? '')).toContain('Keep greetings short.');

    // The script runs in the sandbox; the skill cannot be changed from there.
    expect(seen.run).toContain('greeting: hello Ada');
    expect(seen.tamper).toMatch(/Read-only file system|Permission denied/);
    expect(readFileSync(path.join(installedSkillDir(e2e.dir, 'greet'), 'scripts', 'greet.sh'), 'utf8')).toBe(SCRIPT);

    // Narrowed: write is the agent's but not the skill's. Not widened: web_fetch is the skill's but not the agent's.
    expect(seen.write).toMatch(/not available: an activated skill's allowed-tools does not include "write"/);
    expect(seen.fetch).toMatch(/not available to this agent/);
    const denied = (await e2e.audit()).filter((l) => l.type === 'tool:denied');
    expect(denied.map((l) => [l.tool, l.layer])).toEqual(
      expect.arrayContaining([
        ['write', 'L12'],
        ['web_fetch', 'L12'],
      ]),
    );
  });

  it('a vault value in an enabled skill’s file taints the session of an exec run (L08.1 by provenance)', async () => {
    const key = `dk_${randomBytes(24).toString('base64url')}`;
    e2e = await startE2E(
      'openai',
      scriptFrom([() => reply.toolCall('exec', { command: 'true' }), () => reply.text('done')]),
      '{ profile: minimal, allow: [skill_activate, skill_read] }',
      { vault: { DEPLOY_KEY: key } },
    );
    const source = skillSource();
    writeFileSync(path.join(source, 'references', 'deploy.md'), `Deploy with the key ${key}.\n`);
    const added = addSkillFrom(e2e.dir, source);
    expect(added.ok ? 'added' : added.error.message).toBe('added');
    expect(setSkillAgent(e2e.dir, 'greet', 'default', true).ok).toBe(true);
    expect(await ask(e2e, 'Run true.')).toBe('done');
    const tainted = (await e2e.audit()).filter((l) => l.type === 'security:session_tainted');
    expect(tainted.map((l) => l.reason)).toEqual([
      'an exec run could read /skills/greet: references/deploy.md in /skills/greet holds the value of DEPLOY_KEY',
    ]);
  });

  it('an agent without the skill enabled sees no catalogue and cannot activate it', async () => {
    const seen: Record<string, string> = {};
    e2e = await startE2E(
      'openai',
      scriptFrom([
        (req) => {
          seen.system = req.system;
          return reply.toolCall('skill_activate', { name: 'greet' });
        },
        (req) => {
          seen.activate = lastToolResultText(req);
          return reply.text('ok');
        },
      ]),
    );
    expect(addSkillFrom(e2e.dir, skillSource()).ok).toBe(true);
    expect(await ask(e2e, 'hi')).toBe('ok');
    expect(seen.system).not.toContain('greet');
    expect(seen.activate).toMatch(/skill "greet" is not enabled for agent "default"/);
  });
});
