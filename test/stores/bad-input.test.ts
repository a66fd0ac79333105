/**
 * The embedded stores against what a data dir can hold after a crash, a disk error or a hand edit: a file that is
 * not a database, damaged pages, rows changed outside bulwark, bytes that are not UTF-8. Each case gets an error
 * that names the file and the fix, and changes nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createProgram, type CliServices } from '../../src/cli/program.js';
import type { CliContext } from '../../src/cli/context.js';
import { BulwarkFailure, ok } from '../../src/core/result.js';
import { openDatabase } from '../../src/core/sqlite.js';
import { startDaemon } from '../../src/daemon.js';
import { embeddedStoresExist, openEmbeddedStores } from '../../src/stores.js';
import { rejection } from './subject.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function dataDir(): string {
  const root = mkdtempSync(path.join(tmpdir(), 'bulwark-bad-store-'));
  dirs.push(root);
  const dir = path.join(root, 'home');
  mkdirSync(dir, { mode: 0o700 });
  return dir;
}

const FIX = /move the file aside \(mv .*bulwark\.db .*bulwark\.db\.broken/;

/** A data dir whose bulwark.db holds one session with a few messages. */
async function withSession(): Promise<{ dir: string; file: string; sessionId: string }> {
  const dir = dataDir();
  const stores = await openEmbeddedStores(dir);
  if (!stores.ok) throw new Error(stores.error.message);
  const sessionId = await stores.value.sessions.create('coder', 'alice');
  await stores.value.sessions.append(sessionId, [
    { role: 'user', content: 'hello' },
    { role: 'assistant', content: '', toolCalls: [{ id: 'c1', name: 'ls', arguments: '{}' }] },
    { role: 'tool', toolCallId: 'c1', name: 'ls', content: 'a.txt' },
  ]);
  await stores.value.close();
  return { dir, file: path.join(dir, 'bulwark.db'), sessionId };
}

describe('a bulwark.db that is not a database', () => {
  it('is refused at open with an error naming the file and the fix; the file is left as it was', async () => {
    const dir = dataDir();
    const file = path.join(dir, 'bulwark.db');
    const junk = Buffer.from('this was a database once\n'.repeat(400));
    writeFileSync(file, junk, { mode: 0o600 });
    const r = await openEmbeddedStores(dir);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('store.corrupt');
    expect(r.error.message).toContain(file);
    expect(r.error.message).toMatch(FIX);
    expect(readFileSync(file).equals(junk)).toBe(true);
    expect(existsSync(path.join(dir, 'audit.jsonl'))).toBe(false);
  });

  it('stops `bulwark start` before anything listens, with the same message', async () => {
    const dir = dataDir();
    writeFileSync(path.join(dir, 'bulwark.db'), 'not sqlite at all '.repeat(300), { mode: 0o600 });
    const started = startDaemon({ dataDir: dir, port: 0 });
    await expect(started).rejects.toBeInstanceOf(BulwarkFailure);
    await expect(started).rejects.toThrow(FIX);
  });

  it('makes `bulwark usage` exit 1 with the file and the fix on stderr', async () => {
    const dir = dataDir();
    writeFileSync(path.join(dir, 'bulwark.db'), 'garbage'.repeat(1000), { mode: 0o600 });
    let err = '';
    let code = 0;
    const ctx: CliContext = {
      dataDir: dir,
      stdout: () => undefined,
      stderr: (t) => (err += t),
      setExitCode: (c) => (code = c),
    };
    const services = {
      openStores: async (d: string) => (embeddedStoresExist(d) ? openEmbeddedStores(d) : ok(undefined)),
      scopes: {},
    } as unknown as CliServices;
    await createProgram(ctx, services).parseAsync(['node', 'bulwark', 'usage']);
    expect(code).toBe(1);
    expect(err).toContain(path.join(dir, 'bulwark.db'));
    expect(err).toMatch(FIX);
  });
});

describe('a bulwark.db damaged inside', () => {
  it('damaged pages give store.corrupt naming the file, at open or at the first read, never wrong data', async () => {
    const { dir, file, sessionId } = await withSession();
    const bytes = readFileSync(file);
    // Everything after the 100-byte header: the schema page and the data pages.
    for (let i = 100; i < bytes.length; i++) bytes[i] = (i * 131) & 0xff;
    writeFileSync(file, bytes);
    rmSync(`${file}-wal`, { force: true });
    rmSync(`${file}-shm`, { force: true });
    const r = await openEmbeddedStores(dir);
    const error = r.ok ? await rejection(r.value.sessions.history(sessionId)).finally(() => r.value.close()) : r.error;
    expect(error.code).toBe('store.corrupt');
    expect(error.message).toContain(file);
    expect(error.message).toMatch(FIX);
  });

  it('tool calls changed outside bulwark: the history read fails naming the message, the file and the fix', async () => {
    const { dir, file, sessionId } = await withSession();
    const db = openDatabase(file);
    db.prepare("UPDATE agent_messages SET tool_calls = '{not json' WHERE tool_calls IS NOT NULL").run();
    db.close();
    const stores = await openEmbeddedStores(dir);
    if (!stores.ok) throw new Error(stores.error.message);
    const e = await rejection(stores.value.sessions.history(sessionId));
    await stores.value.close();
    expect(e.code).toBe('store.corrupt');
    expect(e.message).toMatch(/message \d+ of session ses_[0-9a-f]{24} in .*bulwark\.db has unreadable tool calls/);
    expect(e.message).toMatch(/start a new session/);
  });

  it('bytes that are not UTF-8 in a stored row come back as U+FFFD, not as an error or broken text', async () => {
    const { dir, file, sessionId } = await withSession();
    const db = openDatabase(file);
    db.prepare("UPDATE agent_messages SET content = CAST(x'6f6bfffe80c0af21' AS TEXT) WHERE role = 'user'").run();
    db.close();
    const stores = await openEmbeddedStores(dir);
    if (!stores.ok) throw new Error(stores.error.message);
    const [first] = await stores.value.sessions.history(sessionId);
    await stores.value.close();
    expect(first?.content.startsWith('ok')).toBe(true);
    expect(first?.content.endsWith('!')).toBe(true);
    expect(first?.content).toContain('\uFFFD');
    expect(Buffer.from(first?.content ?? '', 'utf8').toString('utf8')).toBe(first?.content);
  });
});
