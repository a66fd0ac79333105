/**
 * Nothing secret at rest, after hostile turns through the real daemon: the user pastes a vault value, a file
 * the model reads holds vault values in three encodings, the model puts the provider key and the canary into
 * tool call ids (raw, base64, hex, reversed) and names, into the arguments of a write, and into its answers, and
 * overwrites the file of keys it read (an undo-journal entry whose pre-image holds them).
 * Then every file bulwark wrote in the data dir — bulwark.db with its -wal, the memory and vault databases,
 * bulwark.log, audit.jsonl, the journal's entry.json — is read as bytes and searched for every vault value and the
 * canary in every encoding the leak index knows that a file could hold (raw in any letter case, base64, base64url,
 * hex, base32, URL-encoded, every character percent-encoded, reversed, rot13): none is there, while the daemon runs and after it closed. The
 * workspace and the journal's pre-images (the user's own files) are left out: the user's files hold what the user
 * put there. A value planted in entry.json is found (the search can fail).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { reply, type FakeReply, type FakeRequest } from '../support/fake-provider.js';
import { base32Encode, reverseText, rot13 } from '../../src/text/index.js';
import { FAKE_KEY_VALUE, startE2E, type E2E } from './support.js';

let e2e: E2E | undefined;
afterEach(async () => {
  await e2e?.close();
  e2e = undefined;
});

const b64 = (v: string) => Buffer.from(v).toString('base64');
const hex = (v: string) => Buffer.from(v).toString('hex');
const rev = reverseText;
/** Every character percent-encoded (encodeURIComponent leaves letters and digits as they are). */
const pct = (v: string) => [...Buffer.from(v)].map((x) => `%${x.toString(16).padStart(2, '0')}`).join('');

function forms(v: string): Array<[string, string]> {
  return [
    ['raw', v],
    ['base64', b64(v)],
    ['base64url', Buffer.from(v).toString('base64url')],
    ['hex', hex(v)],
    ['base32', base32Encode(Buffer.from(v)).replace(/=+$/, '')],
    ['url', encodeURIComponent(v)],
    ['percent', pct(v)],
    ['reversed', reverseText(v)],
    ['rot13', rot13(v)],
    ['reversed rot13', rot13(reverseText(v))],
  ];
}

/** Forms whose letter case carries nothing (hex, base32, rot13 and the raw value read case-folded). */
const CASELESS = new Set(['raw', 'hex', 'base32', 'url', 'percent', 'reversed', 'rot13', 'reversed rot13']);

/**
 * Every regular file under the data dir but the user's own: the workspaces, and the pre-images the undo journal
 * keeps of workspace files (its index, each entry.json, is bulwark's and is searched).
 */
function bulwarkFiles(dir: string, inJournal = false): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) {
      if (name !== 'workspaces') out.push(...bulwarkFiles(p, inJournal || name === 'journal'));
    } else if (st.isFile() && (!inJournal || name === 'entry.json')) out.push(p);
  }
  return out;
}

function leaksIn(dir: string, values: Record<string, string>): string[] {
  const found: string[] = [];
  for (const file of bulwarkFiles(dir)) {
    const bytes = readFileSync(file).toString('latin1');
    const lower = bytes.toLowerCase();
    for (const [name, v] of Object.entries(values))
      for (const [enc, f] of forms(v))
        if (CASELESS.has(enc) ? lower.includes(f.toLowerCase()) : bytes.includes(f))
          found.push(`${path.relative(dir, file)}: ${name} ${enc}`);
  }
  return found;
}

async function chat(e: E2E, content: string, session?: string): Promise<string | null> {
  const res = await fetch(`${e.daemon.url}/v1/chat/completions`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${e.token}`,
      'content-type': 'application/json',
      ...(session ? { 'x-bulwark-session': session } : {}),
    },
    body: JSON.stringify({ model: 'default', messages: [{ role: 'user', content }] }),
  });
  expect(res.status).toBe(200);
  await res.text();
  return res.headers.get('x-bulwark-session');
}

describe('a data dir after hostile turns', () => {
  it('holds no vault value and no canary in any encoding, the journal entry of an applied overwrite included', async () => {
    const github = `ghp_${randomBytes(18).toString('hex')}`;
    const deploy = `deploy-${randomBytes(16).toString('hex')}`;
    let canary = '';
    const script = (req: FakeRequest, index: number): FakeReply => {
      canary ||= /CTKN_[0-9a-f]{16}/.exec(req.system)?.[0] ?? '';
      const key = FAKE_KEY_VALUE;
      switch (index) {
        case 0:
          return reply.toolCalls([
            { name: 'read', arguments: { path: 'notes/keys.txt' }, id: `id_${key}_${canary}` },
            { name: `x_${canary}_${key}`, arguments: {}, id: b64(key) },
            { name: 'write', arguments: { path: 'out.txt', content: github }, id: hex(canary) },
            { name: 'read', arguments: { path: b64(deploy) }, id: rev(`${key}${canary}`) },
          ]);
        case 1:
          return reply.text(`Here: ${github} and ${b64(deploy)} and ${canary} and ${hex(key)}`);
        case 2:
          return reply.toolCalls([
            { name: 'read', arguments: { path: 'notes/keys.txt' }, id: `${canary}` },
            // A modification applied through write: the journal keeps the keys file's pre-image and an entry.json.
            { name: 'write', arguments: { path: 'notes/keys.txt', content: 'rotated\n' }, id: `w_${key}` },
          ]);
        default:
          return reply.text(`again ${deploy} ${rev(canary)}`);
      }
    };
    e2e = await startE2E('openai', script, undefined, { vault: { GITHUB_TOKEN: github, DEPLOY_KEY: deploy } });
    mkdirSync(path.join(e2e.workspace, 'notes'), { recursive: true });
    writeFileSync(
      path.join(e2e.workspace, 'notes', 'keys.txt'),
      `github ${github}\ndeploy ${hex(deploy)}\nprovider ${b64(FAKE_KEY_VALUE)}\nbackup ${pct(deploy).toUpperCase()}\n`,
    );

    const session = await chat(e2e, `my deploy key is ${deploy}, keep it safe`);
    expect(session).toMatch(/^ses_/);
    await chat(e2e, 'read the notes again', session ?? undefined);
    expect(e2e.fake.calls).toBe(4);
    expect(canary).toMatch(/^CTKN_[0-9a-f]{16}$/);
    // The file's percent-encoded copy reached the model as the placeholder, not as the value.
    const sent = JSON.stringify(e2e.fake.requests).toLowerCase();
    expect(sent).not.toContain(pct(deploy));
    expect(sent).toContain('[secret:deploy_key]');
    // The conversation keeps bulwark's ids; the provider gets its own ids back on the wire, so calls still pair.
    const second = JSON.stringify(e2e.fake.requests[1]?.messages ?? []);
    expect(second).toContain(`"id":"${hex(canary)}"`);
    expect(second).toContain(`"tool_call_id":"${hex(canary)}"`);

    const values = { GITHUB_TOKEN: github, DEPLOY_KEY: deploy, PROVIDER_KEY: FAKE_KEY_VALUE, CANARY: canary };
    // The overwrite was applied and journaled: the entry is among the files searched.
    expect(readFileSync(path.join(e2e.workspace, 'notes', 'keys.txt'), 'utf8')).toBe('rotated\n');
    const entries = bulwarkFiles(e2e.dir).filter((f) => path.basename(f) === 'entry.json');
    expect(entries).toHaveLength(1);
    const entry = readFileSync(entries[0] as string, 'utf8');
    expect(entry).toContain('notes/keys.txt');
    await e2e.daemon.flushAudit();
    expect(existsSync(path.join(e2e.dir, 'bulwark.db-wal'))).toBe(true);
    expect(leaksIn(e2e.dir, values)).toEqual([]);
    const dir = e2e.dir;
    await e2e.close();
    e2e = undefined;
    // A truncating checkpoint at close leaves an empty WAL (or none).
    const wal = path.join(dir, 'bulwark.db-wal');
    expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
    expect(leaksIn(dir, values)).toEqual([]);
    // The files searched are the ones that matter: the database holds the placeholders where values were.
    const db = readFileSync(path.join(dir, 'bulwark.db')).toString('latin1');
    expect(db).toContain('[secret:GITHUB_TOKEN]');
    expect(db).toContain('[secret:DEPLOY_KEY]');
    // The search can fail: a value in the journal's entry.json (rot13'd, upper-cased) is found there.
    writeFileSync(entries[0] as string, `${entry}${rot13(deploy).toUpperCase()}`);
    expect(leaksIn(dir, values)).toEqual([`${path.relative(dir, entries[0] as string)}: DEPLOY_KEY rot13`]);
  });
});
