/**
 * `bulwark sandbox run --apply never|ask|auto` and `bulwark workspace history|diff|undo` through commander as the
 * binary runs them, against a real data dir: real bwrap runs on copy-on-write views, the real undo journal. Bad
 * input (unknown turn, malformed time, an undo of what is already undone, a stale or missing pre-image) gets a clear
 * message and changes nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import { childEnv, ROOT } from '../cli/binary.js';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCliInProcess } from '../support/cli-in-process.js';

let root: string;
let ws: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'bulwark-ws-cli-'));
  ws = join(root, 'ws');
  mkdirSync(ws);
  writeFileSync(join(ws, 'a.txt'), 'one\n');
  writeFileSync(join(ws, 'b.txt'), 'bee\n');
  // A workspace owned by root runs as exec.sandboxUser; give it the workspace, as `bulwark init` would.
  execFileSync('chown', ['-R', 'bulwark-sandbox:', ws]);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The real program (every command), in this process, against this test's data dir. */
const cli = (args: string[]) => runCliInProcess(join(root, 'data'), args);

const run = (apply: string, command: string) =>
  cli(['sandbox', 'run', '--workspace', ws, '--apply', apply, '--', command]);
const wsCli = (...args: string[]) => cli(['workspace', ...args, '--workspace', ws]);
const read = (p: string) => (existsSync(join(ws, p)) ? readFileSync(join(ws, p), 'utf8') : undefined);
const state = () => ({ a: read('a.txt'), b: read('b.txt'), c: read('c.txt') });
interface Entry {
  id: string;
  undoneAt?: string;
  changes: Array<{ path: string; change: string; blob?: string }>;
}
const history = async () => JSON.parse((await wsCli('history', '--json')).out) as Entry[];
/** The journal directory of one entry, found by its id under the data dir's journal. */
function entryDir(id: string): string {
  const base = join(root, 'data', 'journal');
  const key = readdirSync(base).find((k) => existsSync(join(base, k, id)));
  if (!key) throw new Error(`no journal entry ${id}`);
  return join(base, key, id);
}

describe('bulwark sandbox run --apply', () => {
  it('never: prints the effect set (and that it would be held) and changes nothing', async () => {
    const r = await run('never', 'echo two > a.txt && echo new > c.txt && rm b.txt');
    expect(r.err).toMatch(/not applied \(dry run\); it would be held: it deletes/);
    expect(r.err).toMatch(/modified a\.txt/);
    expect(r.err).toMatch(/created c\.txt/);
    expect(r.err).toMatch(/deleted b\.txt/);
    expect(state()).toEqual({ a: 'one\n', b: 'bee\n', c: undefined });
    expect((await wsCli('history')).out).toBe('the journal is empty\n');
  });

  it('ask: with no terminal to ask, the held changes are listed and discarded', async () => {
    const r = await run('ask', 'rm b.txt');
    expect(r.err).toMatch(/changes are held \(L11\.7\): it deletes 1 pre-existing file/);
    expect(r.err).toMatch(/ {2}deleted b\.txt/);
    expect(r.err).toMatch(/not approved \(no terminal to ask \(use --apply auto or never\)\)/);
    expect(state()).toEqual({ a: 'one\n', b: 'bee\n', c: undefined });
  });

  it('ask at a terminal: "y" applies the held changes, "n" discards them', async () => {
    // The real program on a pseudo-terminal (script(1)), answering the prompt on its stdin.
    const ask = (dir: string, answer: string) =>
      new Promise<string>((resolve, reject) => {
        const line = `node --import tsx src/main.ts sandbox run --workspace ${dir} --apply ask -- rm k.txt`;
        const child = spawn('script', ['-qec', line, '/dev/null'], {
          cwd: ROOT,
          env: { ...childEnv({}), BULWARK_HOME: join(root, 'data') },
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('error', reject);
        child.on('close', () => resolve(out));
        child.stdin.end(`${answer}\n`);
      });
    const dirs = ['yes', 'no'].map((d) => join(root, `ask-${d}`));
    for (const d of dirs) {
      mkdirSync(d);
      writeFileSync(join(d, 'k.txt'), 'keep\n');
      execFileSync('chown', ['-R', 'bulwark-sandbox:', d]);
    }
    const [yes, no] = await Promise.all([ask(dirs[0] as string, 'y'), ask(dirs[1] as string, 'n')]);
    expect(yes).toMatch(/apply these changes\? \[y\/N\]/);
    expect(yes).toMatch(/1 change applied after the operator approved them/);
    expect(existsSync(join(dirs[0] as string, 'k.txt'))).toBe(false);
    expect(no).toMatch(/not approved \(declined at the terminal\)/);
    expect(readFileSync(join(dirs[1] as string, 'k.txt'), 'utf8')).toBe('keep\n');
  }, 60_000);

  it('a bad --apply value is refused before anything runs', async () => {
    const r = await run('sometimes', 'echo x > c.txt');
    expect(r.code).toBe(1);
    expect(r.err).toContain('--apply takes never, ask or auto');
    expect(state().c).toBeUndefined();
  });

  it('auto: applies the effect set, prints it, and journals it', async () => {
    const r = await run('auto', 'echo two > a.txt && rm b.txt');
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/workspace: 2 changes applied after the operator approved them \(undo journal \S+\)/);
    expect(state()).toEqual({ a: 'two\n', b: undefined, c: undefined });
    const h = await history();
    expect(h).toHaveLength(1);
    expect(h[0]?.changes.map((c) => `${c.change} ${c.path}`).sort()).toEqual(['deleted b.txt', 'modified a.txt']);
  });
});

describe('bulwark workspace history|diff|undo', () => {
  it('history and diff show what the entry changed', async () => {
    const [e] = await history();
    const table = await wsCli('history');
    expect(table.out).toMatch(/ENTRY\s+AT\s+TOOL\s+TURN\s+CHANGES/);
    expect(table.out).toContain(e?.id);
    const d = await wsCli('diff', e?.id ?? '');
    expect(d.out).toMatch(/modified a\.txt/);
    expect(d.out).toMatch(/-one/);
    expect(d.out).toMatch(/deleted b\.txt/);
    expect(d.out).toMatch(/-bee/);
    const unknown = await wsCli('diff', '000000000000000-deadbeef');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('no journal entry 000000000000000-deadbeef');
  });

  it('refuses an unknown turn, a malformed time and --turn with --to, changing nothing', async () => {
    const before = state();
    const cases: Array<[string[], RegExp]> = [
      [['--turn', 'no-such-turn'], /no change of turn no-such-turn is left to undo/],
      [['--to', 'yesterday'], /--to takes a time \(ISO 8601/],
      [['--turn', 'x', '--to', '2026-01-01T00:00:00Z'], /give --turn or --to, not both/],
      [['--to', '2999-01-01T00:00:00Z'], /nothing to undo: no change after 2999/],
    ];
    for (const [args, message] of cases) {
      const r = await wsCli('undo', ...args);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.err).toMatch(message);
    }
    expect(state()).toEqual(before);
    expect((await history()).every((e) => !e.undoneAt)).toBe(true);
  });

  it('undo --to a time puts the pre-images back; undoing it again says there is nothing left', async () => {
    const r = await wsCli('undo', '--to', '2000-01-01T00:00:00Z');
    expect(r.err).toBe('');
    expect(r.out).toBe('undone 1 change set(s); restored 2 path(s)\n');
    expect(state()).toEqual({ a: 'one\n', b: 'bee\n', c: undefined });
    expect((await history())[0]?.undoneAt).toBeDefined();
    for (const args of [[], ['--to', '2000-01-01T00:00:00Z']]) {
      const again = await wsCli('undo', ...args);
      expect(again.code).toBe(1);
      expect(again.err).toMatch(/nothing to undo/);
    }
    expect(state()).toEqual({ a: 'one\n', b: 'bee\n', c: undefined });
  });

  it('refuses to undo over a file changed since the entry (stale), changing nothing', async () => {
    expect((await run('auto', 'echo three > a.txt && echo bee2 > b.txt')).code).toBe(0);
    writeFileSync(join(ws, 'a.txt'), 'the operator kept working\n');
    const r = await wsCli('undo');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /a\.txt was changed after entry \S+ .*undo would overwrite that change, so nothing was undone/,
    );
    expect(state()).toEqual({ a: 'the operator kept working\n', b: 'bee2\n', c: undefined });
    expect((await history()).at(-1)?.undoneAt).toBeUndefined();
  });

  it('refuses an undo whose pre-image is gone from the journal, changing nothing', async () => {
    expect((await run('auto', 'echo four > a.txt && echo bee3 > b.txt')).code).toBe(0);
    const last = (await history()).at(-1) as Entry;
    const blob = last.changes.find((c) => c.path === 'b.txt')?.blob;
    rmSync(join(entryDir(last.id), blob ?? 'missing'));
    const r = await wsCli('undo');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/the pre-image of b\.txt is gone from the journal \(entry \S+\); nothing was undone/);
    expect(state()).toEqual({ a: 'four\n', b: 'bee3\n', c: undefined });
  });

  it('refuses to undo a new directory the operator has since put files in; undo after they leave removes it', async () => {
    expect((await run('auto', 'mkdir -p made/sub && echo x > made/sub/f.txt')).code).toBe(0);
    writeFileSync(join(ws, 'made', 'sub', 'mine.txt'), 'the operator kept working\n');
    const r = await wsCli('undo');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/made\/sub\/mine\.txt was changed after entry \S+ .*so nothing was undone/);
    expect(read('made/sub/mine.txt')).toBe('the operator kept working\n');
    expect(read('made/sub/f.txt')).toBe('x\n');
    rmSync(join(ws, 'made', 'sub', 'mine.txt'));
    expect((await wsCli('undo')).code).toBe(0);
    expect(existsSync(join(ws, 'made'))).toBe(false);
  });

  it('refuses to undo a file the operator has since replaced by a directory of their own', async () => {
    expect((await run('auto', 'echo x > spot')).code).toBe(0);
    rmSync(join(ws, 'spot'));
    mkdirSync(join(ws, 'spot'));
    writeFileSync(join(ws, 'spot', 'keep.txt'), 'mine\n');
    const r = await wsCli('undo');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/spot was changed after entry \S+ .*so nothing was undone/);
    expect(read('spot/keep.txt')).toBe('mine\n');
  });
});

describe('bulwark workspace undo --to a time between two entries', () => {
  it('undoes only the later entry; the earlier one and its change stay', async () => {
    const dir = join(root, 'between');
    mkdirSync(dir);
    writeFileSync(join(dir, 'a.txt'), 'one\n');
    execFileSync('chown', ['-R', 'bulwark-sandbox:', dir]);
    const at = (...args: string[]) => cli(['workspace', ...args, '--workspace', dir]);
    const runIn = (command: string) => cli(['sandbox', 'run', '--workspace', dir, '--apply', 'auto', '--', command]);
    const file = (p: string) => (existsSync(join(dir, p)) ? readFileSync(join(dir, p), 'utf8') : undefined);
    expect((await runIn('echo two > a.txt')).code).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect((await runIn('echo three > a.txt && echo new > c.txt')).code).toBe(0);
    const [first, second] = JSON.parse((await at('history', '--json')).out) as Array<Entry & { at: string }>;
    const [t1, t2] = [Date.parse(first?.at ?? ''), Date.parse(second?.at ?? '')];
    expect(t2 - t1).toBeGreaterThanOrEqual(2);
    // At the later entry's own time: nothing is after it, so nothing changes.
    const none = await at('undo', '--to', new Date(t2).toISOString());
    expect(none.code).toBe(1);
    expect(none.err).toMatch(/nothing to undo: no change after/);
    expect([file('a.txt'), file('c.txt')]).toEqual(['three\n', 'new\n']);
    const between = new Date(Math.floor((t1 + t2) / 2)).toISOString();
    const r = await at('undo', '--to', between);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^undone 1 change set\(s\)/);
    expect([file('a.txt'), file('c.txt')]).toEqual(['two\n', undefined]);
    const after = JSON.parse((await at('history', '--json')).out) as Entry[];
    expect(after.map((e) => [e.id, e.undoneAt !== undefined])).toEqual([
      [first?.id, false],
      [second?.id, true],
    ]);
  });
});
