/**
 * L08.1 by provenance, compressed copies: a vault value the workspace holds only inflated — in git history (loose
 * objects, packs, a delta against another version), a .tar.gz, a .zip — is found by the walk; caps (a zip bomb, a
 * deep delta chain, too many objects) count as holding a value within bounded time; corrupt streams neither throw
 * nor hold. Repos are built with the real `git` CLI, archives with `tar`, `gzip` and `zip`; packs that git would not
 * write (a value built only from copies, a chain deeper than the cap) are built by hand and checked by `git
 * index-pack`, which also writes their index.
 */
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeakIndex } from '../../src/secrets/index.js';
import { WorkspaceSecrets, type WorkspaceSecretsOptions } from '../../src/agent/workspace-secrets.js';

const SECRET = 'sk_live_4eC39HqLyjWDarjtT1zdp7dcQ9vX2mPb';
let ws: string;
let leaks: LeakIndex;

beforeEach(() => {
  ws = mkdtempSync(join(tmpdir(), 'bulwark-comp-'));
  leaks = new LeakIndex();
  leaks.register('STRIPE_KEY', SECRET);
});
afterEach(() => rmSync(ws, { recursive: true, force: true }));

async function walk(options: WorkspaceSecretsOptions = {}, secrets = new WorkspaceSecrets(leaks, options)) {
  const r = await secrets.walk(ws);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'gc.auto=0', ...args], {
    cwd: ws,
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
    encoding: 'utf8',
  });

/** A repo whose history holds `.env` with the value in HEAD~1; the working tree no longer does. */
function historyRepo() {
  git('init', '-q', '-b', 'main');
  writeFileSync(join(ws, 'README.md'), 'a project\n');
  writeFileSync(join(ws, '.env'), `STRIPE_KEY=${SECRET}\n`);
  git('add', '.');
  git('commit', '-qm', 'first');
  git('rm', '-q', '.env');
  git('commit', '-qm', 'drop .env');
}

/** Deterministic lines of text, different enough that git deltas them line by line. */
const lines = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => `${tag} line ${i}: ${createHash('sha1').update(`${tag}${i}`).digest('hex')}`);

const packs = () =>
  readdirSync(join(ws, '.git/objects/pack'))
    .filter((n) => n.endsWith('.pack'))
    .map((n) => `.git/objects/pack/${n}`);

describe('git history', () => {
  it('finds a value in a loose object (no gc), and in a pack after gc; the same repo without it is clean', async () => {
    historyRepo();
    const loose = await walk();
    expect(loose.finding?.path).toMatch(/^\.git\/objects\/[0-9a-f]{2}\/[0-9a-f]{38}$/);
    expect(loose.finding?.reason).toMatch(/ in the workspace holds the value of STRIPE_KEY \(compressed\)$/);
    expect(loose.finding?.reason).not.toContain(SECRET);

    git('gc', '-q');
    expect(packs()).toHaveLength(1);
    const packed = await walk();
    expect(packed.finding?.path).toBe(packs()[0]);

    // A value the repo does not hold: no finding, nothing counted as holding.
    const other = new LeakIndex();
    other.register('OTHER', 'pk_test_Zx81vB5nM2qLw0eRtY7uIo3p');
    expect((await walk({}, new WorkspaceSecrets(other))).finding).toBeUndefined();
  });

  it('rebuilds a version stored as a delta against a later one (gc --aggressive) and finds the value in it', async () => {
    git('init', '-q', '-b', 'main');
    const base = lines(400, 'doc');
    const big = join(ws, 'big.txt');
    writeFileSync(big, base.join('\n'));
    git('add', '.');
    git('commit', '-qm', 'v1');
    // Smaller than the other versions: git keeps the largest whole and stores this one as a delta.
    writeFileSync(big, [...base.slice(0, 200), `token: ${SECRET}`, ...base.slice(201)].join('\n'));
    git('commit', '-qam', 'v2');
    writeFileSync(big, [...base, 'one more line'].join('\n'));
    git('commit', '-qam', 'v3');
    git('gc', '-q', '--aggressive');
    const [pack] = packs();
    // The version holding the value is a delta in the pack (verify-pack lists a delta with its depth and base).
    const id = git('rev-parse', 'HEAD~1:big.txt').trim();
    const line = git('verify-pack', '-v', join(ws, String(pack).replace(/\.pack$/, '.idx')))
      .split('\n')
      .find((l) => l.startsWith(id));
    expect(line?.trim().split(/\s+/).length).toBe(7);

    const secrets = new WorkspaceSecrets(leaks);
    const r = await walk({}, secrets);
    expect(r.finding?.path).toBe(pack);
    // Read once per change: the next walk only stats it.
    const again = await walk({}, secrets);
    expect(again.finding?.path).toBe(pack);
    expect(again.scanned).toBe(0);

    const other = new LeakIndex();
    other.register('OTHER', 'pk_test_Zx81vB5nM2qLw0eRtY7uIo3p');
    expect((await walk({}, new WorkspaceSecrets(other))).finding).toBeUndefined();
  });

  it('finds a value in a .tar.gz committed and removed: an archive inside a pack is read one level further', async () => {
    git('init', '-q', '-b', 'main');
    mkdirSync(join(ws, 'conf'));
    writeFileSync(join(ws, 'conf/.env'), `STRIPE_KEY=${SECRET}\n${'DEBUG=0\n'.repeat(200)}`);
    execFileSync('tar', ['czf', 'conf.tar.gz', 'conf'], { cwd: ws });
    rmSync(join(ws, 'conf'), { recursive: true });
    git('add', 'conf.tar.gz');
    git('commit', '-qm', 'backup');
    git('rm', '-q', 'conf.tar.gz');
    git('commit', '-qm', 'no backups in the repo');
    const loose = await walk();
    expect(loose.finding?.reason).toMatch(/^\.git\/objects\/.* holds the value of STRIPE_KEY \(compressed\)$/);
    git('gc', '-q');
    expect((await walk()).finding?.path).toBe(packs()[0]);
  });

  it('counts a pack with more objects than a walk inflates as holding a value', async () => {
    historyRepo();
    git('gc', '-q');
    expect((await walk({ maxObjects: 3 })).finding?.reason).toMatch(
      /pack in the workspace holds more than 3 compressed objects, more than one scan inflates, so it counts as holding a vault value$/,
    );
  });
});

/** git's variable-length object header: type, then the inflated size, 4 bits then 7 bits a byte. */
function objectHeader(type: number, size: number): Buffer {
  const out = [(type << 4) | (size & 15)];
  for (let rest = Math.floor(size / 16); rest > 0; rest = Math.floor(rest / 128)) {
    out[out.length - 1] = (out.at(-1) ?? 0) | 0x80;
    out.push(rest & 0x7f);
  }
  return Buffer.from(out);
}

/** OFS_DELTA's distance back: big-endian base-128, each continued byte one more. */
function distance(back: number): Buffer {
  const out = [back & 0x7f];
  for (let n = Math.floor(back / 128); n > 0; n = Math.floor(n / 128)) {
    n -= 1;
    out.unshift(0x80 | (n & 0x7f));
  }
  return Buffer.from(out);
}

const size = (n: number) => {
  const out: number[] = [];
  do {
    out.push((n & 0x7f) | (n >= 128 ? 0x80 : 0));
    n = Math.floor(n / 128);
  } while (n > 0);
  return Buffer.from(out);
};

type Op = { copy: [number, number] } | { insert: string };
function delta(baseSize: number, ops: Op[]): Buffer {
  const body = ops.map((op) => {
    if ('insert' in op) return Buffer.concat([Buffer.from([op.insert.length]), Buffer.from(op.insert)]);
    const [offset, len] = op.copy;
    const b = Buffer.alloc(6);
    b[0] = 0x80 | 0x0f | 0x10;
    b.writeUInt32LE(offset, 1);
    b[5] = len;
    return b;
  });
  const resultSize = ops.reduce((n, op) => n + ('insert' in op ? op.insert.length : op.copy[1]), 0);
  return Buffer.concat([size(baseSize), size(resultSize), ...body]);
}

type PackEntry = { blob: string } | { ofs: number; delta: Buffer } | { ref: string; delta: Buffer };
/** A pack of `entries` (OFS_DELTA by index of its base), checked and indexed by `git index-pack` when `index`. */
function writePack(name: string, entries: PackEntry[], index = true): string {
  const parts: Buffer[] = [Buffer.from('PACK'), Buffer.from([0, 0, 0, 2]), Buffer.alloc(4)];
  parts[2]?.writeUInt32BE(entries.length);
  const offsets: number[] = [];
  let at = 12;
  for (const e of entries) {
    offsets.push(at);
    let obj: Buffer;
    if ('blob' in e) obj = Buffer.concat([objectHeader(3, e.blob.length), deflateSync(e.blob)]);
    else if ('ofs' in e)
      obj = Buffer.concat([
        objectHeader(6, e.delta.length),
        distance(at - (offsets[e.ofs] ?? 0)),
        deflateSync(e.delta),
      ]);
    else obj = Buffer.concat([objectHeader(7, e.delta.length), Buffer.from(e.ref, 'hex'), deflateSync(e.delta)]);
    parts.push(obj);
    at += obj.length;
  }
  const body = Buffer.concat(parts);
  const file = join(ws, `${name}.pack`);
  writeFileSync(file, Buffer.concat([body, createHash('sha1').update(body).digest()]));
  if (index) execFileSync('git', ['index-pack', file], { stdio: 'pipe' });
  return file;
}

const blobId = (text: string) => createHash('sha1').update(`blob ${text.length}\0${text}`).digest('hex');

describe('git packs built by hand', () => {
  it('finds a value that only the rebuilt object holds: copies of pieces shorter than any form the index knows', async () => {
    const pieces = SECRET.match(/.{1,8}/g) ?? [];
    // The base holds the pieces apart; neither it nor the delta holds the value or a window of it.
    const base = pieces.map((p, i) => `${'#'.repeat(20 + i)} ${p}\n`).join('');
    const ops: Op[] = [{ insert: 'key=' }];
    for (const p of pieces) ops.push({ copy: [base.indexOf(` ${p}\n`) + 1, p.length] });
    ops.push({ insert: '\n' });
    const d = delta(base.length, ops);
    expect(leaks.scan(base)).toEqual([]);
    expect(leaks.scan(d.toString('latin1'))).toEqual([]);
    writePack('copies', [{ blob: base }, { ofs: 0, delta: d }]);
    expect((await walk()).finding?.reason).toBe(
      'copies.pack in the workspace holds the value of STRIPE_KEY (compressed)',
    );
    // Also as a REF_DELTA, its base found by id through the .idx beside the pack.
    rmSync(ws, { recursive: true, force: true });
    mkdirSync(ws);
    writePack('refs', [{ blob: base }, { ref: blobId(base), delta: d }]);
    expect((await walk()).finding?.path).toBe('refs.pack');
  });

  it('a delta chain deeper than the cap, or a base not in the pack, counts as holding a value', async () => {
    const first = 'start\n';
    const entries: PackEntry[] = [{ blob: first }];
    let text = first;
    for (let i = 1; i <= 10; i++) {
      const add = i === 10 ? `${SECRET}\n` : `line ${i}\n`;
      entries.push({ ofs: i - 1, delta: delta(text.length, [{ copy: [0, text.length] }, { insert: add }]) });
      text += add;
    }
    writePack('chain', entries);
    expect((await walk()).finding?.path).toBe('chain.pack');
    expect((await walk({ maxDeltaDepth: 9 })).finding?.reason).toBe(
      'chain.pack in the workspace holds a git delta chain deeper than 9, deeper than a scan rebuilds, so it counts as holding a vault value',
    );
    expect((await walk({ maxHeldBytes: 40 })).finding?.reason).toBe(
      'chain.pack in the workspace holds a git object whose delta chain needs more than the 40 bytes a scan holds in memory, so it counts as holding a vault value',
    );

    rmSync(ws, { recursive: true, force: true });
    mkdirSync(ws);
    // A thin pack: its delta's base is named but not in it (index-pack refuses it, so there is no .idx either).
    const onFirst = delta(first.length, [{ copy: [0, first.length] }, { insert: 'more\n' }]);
    writePack('thin', [{ blob: 'other\n' }, { ref: blobId(first), delta: onFirst }], false);
    expect((await walk()).finding?.reason).toBe(
      'thin.pack in the workspace holds 1 git deltas whose base is not in the pack, so they cannot be rebuilt and scanned, so it counts as holding a vault value',
    );
  });
});

describe('archives', () => {
  beforeEach(() => {
    mkdirSync(join(ws, 'site/conf'), { recursive: true });
    writeFileSync(join(ws, 'site/index.html'), '<p>hello</p>\n'.repeat(500));
    // Long enough that zip deflates it rather than storing it.
    writeFileSync(join(ws, 'site/conf/.env'), `STRIPE_KEY=${SECRET}\n${'DEBUG=0\n'.repeat(200)}`);
  });
  const run = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { cwd: ws, stdio: 'pipe' });

  it('finds a value only inside a .tar.gz, a .gz, a deflated or stored .zip, and a .tar.gz inside a .zip', async () => {
    run('tar', 'czf', 'site.tar.gz', 'site');
    run('zip', '-qr', 'site.zip', 'site');
    run('zip', '-qr0', 'stored.zip', 'site');
    run('gzip', '-k', 'site/conf/.env');
    rmSync(join(ws, 'site/conf/.env'));
    const each = async (name: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'bulwark-comp-one-'));
      execFileSync('cp', ['-a', join(ws, name), dir]);
      const r = await new WorkspaceSecrets(leaks).walk(dir);
      rmSync(dir, { recursive: true, force: true });
      return r.ok ? r.value.finding?.reason : r.error.message;
    };
    // A stored entry is found raw, as before.
    expect(await each('stored.zip')).toBe('stored.zip in the workspace holds the value of STRIPE_KEY');
    for (const name of ['site.tar.gz', 'site.zip', 'site/conf/.env.gz'])
      expect(await each(name)).toBe(
        `${name.split('/').at(-1)} in the workspace holds the value of STRIPE_KEY (compressed)`,
      );
    run('zip', '-q', 'outer.zip', 'site.tar.gz');
    expect(await each('outer.zip')).toBe('outer.zip in the workspace holds the value of STRIPE_KEY (compressed)');
  });

  it('finds a value in a zip whose count was lowered, one with bytes before it, and one only local headers name', async () => {
    run('zip', '-qr', 'site.zip', 'site');
    rmSync(join(ws, 'site'), { recursive: true });
    const zip = readFileSync(join(ws, 'site.zip'));
    const end = zip.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    const reasonOf = async (name: string, bytes: Buffer) => {
      const dir = mkdtempSync(join(tmpdir(), 'bulwark-comp-one-'));
      writeFileSync(join(dir, name), bytes);
      const r = await new WorkspaceSecrets(leaks).walk(dir);
      rmSync(dir, { recursive: true, force: true });
      return r.ok ? r.value.finding?.reason : r.error.message;
    };
    const found = (name: string) => `${name} in the workspace holds the value of STRIPE_KEY (compressed)`;
    // zip -r lists site/, site/conf/, site/conf/.env, site/index.html: a count of 1 names only the first.
    const lowered = Buffer.from(zip);
    lowered.writeUInt16LE(1, end + 8);
    lowered.writeUInt16LE(1, end + 10);
    expect(await reasonOf('lowered.zip', lowered)).toBe(found('lowered.zip'));
    // A self-extractor's stub before the archive: unzip corrects every offset for it.
    const stub = Buffer.from('#!/bin/sh\necho "self-extracting"\nexit 0\n'.repeat(50));
    expect(await reasonOf('setup.bin', Buffer.concat([stub, zip]))).toBe(found('setup.bin'));
    // An archive whose own directory names only harmless entries, after another's local entries with no directory
    // (what a streaming reader such as bsdtar reads first).
    writeFileSync(join(ws, 'readme.txt'), 'nothing here\n');
    run('zip', '-q', 'plain.zip', 'readme.txt');
    const cdAt = zip.readUInt32LE(end + 16);
    const joined = Buffer.concat([zip.subarray(0, cdAt), readFileSync(join(ws, 'plain.zip'))]);
    expect(await reasonOf('joined.zip', joined)).toBe(found('joined.zip'));
    // Without the value the same shapes are clean.
    expect(await reasonOf('plain.zip', readFileSync(join(ws, 'plain.zip')))).toBeUndefined();
    expect(await reasonOf('setup.bin', Buffer.concat([stub, readFileSync(join(ws, 'plain.zip'))]))).toBeUndefined();
  });

  it('reads an entry by its local header when the central one says otherwise (as streaming readers do)', async () => {
    run('zip', '-qr', 'site.zip', 'site');
    rmSync(join(ws, 'site'), { recursive: true });
    const zip = readFileSync(join(ws, 'site.zip'));
    const name = Buffer.from('site/conf/.env');
    let central = -1;
    for (
      let at = zip.indexOf(Buffer.from('PK\x01\x02', 'latin1'));
      at >= 0;
      at = zip.indexOf(Buffer.from('PK\x01\x02', 'latin1'), at + 1)
    )
      if (zip.subarray(at + 46, at + 46 + name.length).equals(name)) central = at;
    expect(central).toBeGreaterThan(0);
    const variant = (patch: (b: Buffer) => void) => {
      const b = Buffer.from(zip);
      patch(b);
      return b;
    };
    const variants: Record<string, Buffer> = {
      encrypted: variant((b) => b.writeUInt16LE(b.readUInt16LE(central + 8) | 1, central + 8)),
      bzip2: variant((b) => b.writeUInt16LE(12, central + 10)),
      stored: variant((b) => {
        b.writeUInt16LE(0, central + 10);
        b.writeUInt32LE(0, central + 20);
      }),
      short: variant((b) => b.writeUInt32LE(8, central + 20)),
    };
    for (const [kind, bytes] of Object.entries(variants)) {
      const dir = mkdtempSync(join(tmpdir(), 'bulwark-comp-one-'));
      writeFileSync(join(dir, `${kind}.zip`), bytes);
      const r = await new WorkspaceSecrets(leaks).walk(dir);
      rmSync(dir, { recursive: true, force: true });
      expect(r.ok ? r.value.finding?.reason : r.error.message, kind).toBe(
        `${kind}.zip in the workspace holds the value of STRIPE_KEY (compressed)`,
      );
    }
  });

  it('a stored entry whose directory size swallows the entries after it does not hide them (R21 review)', async () => {
    run('zip', '-qr', 'site.zip', 'site');
    writeFileSync(join(ws, 'readme.txt'), 'nothing here\n');
    run('zip', '-q0', 'a.zip', 'readme.txt');
    const a = readFileSync(join(ws, 'a.zip'));
    const site = readFileSync(join(ws, 'site.zip'));
    const endOf = (b: Buffer) => b.lastIndexOf(Buffer.from('PK\x05\x06', 'latin1'));
    const aCd = a.readUInt32LE(endOf(a) + 16);
    const hidden = site.subarray(0, site.readUInt32LE(endOf(site) + 16));
    const local = Buffer.from(a.subarray(0, aCd));
    // The local header says 0 bytes of data (no data descriptor): a streaming reader goes on to the hidden entries.
    local.writeUInt32LE(0, 18);
    const tail = Buffer.from(a.subarray(aCd));
    // The central header stretches the entry over them.
    tail.writeUInt32LE(aCd - 30 - local.readUInt16LE(26) - local.readUInt16LE(28) + hidden.length, 20);
    tail.writeUInt32LE(aCd + hidden.length, endOf(tail) + 16);
    const dir = mkdtempSync(join(tmpdir(), 'bulwark-comp-one-'));
    writeFileSync(join(dir, 'swallow.zip'), Buffer.concat([local, hidden, tail]));
    const r = await new WorkspaceSecrets(leaks).walk(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(r.ok ? r.value.finding?.reason : r.error.message).toBe(
      'swallow.zip in the workspace holds the value of STRIPE_KEY (compressed)',
    );
  });

  it('a file of zip signatures, or one that only ends like a zip, is read quickly and holds nothing', async () => {
    rmSync(join(ws, 'site'), { recursive: true });
    // 4 MiB of local header signatures whose method no reader decodes, then more with stored entries of no data.
    const unreadable = Buffer.alloc(30);
    unreadable.write('PK\x03\x04', 'latin1');
    unreadable.writeUInt16LE(99, 8);
    writeFileSync(join(ws, 'sigs.bin'), Buffer.concat(Array.from({ length: 140_000 }, () => unreadable)));
    const stored = Buffer.alloc(30);
    stored.write('PK\x03\x04', 'latin1');
    writeFileSync(join(ws, 'stored.bin'), Buffer.concat(Array.from({ length: 2_000 }, () => stored)));
    // A text file whose last bytes look like an end record.
    const end = Buffer.alloc(22, 0x7f);
    end.write('PK\x05\x06', 'latin1');
    writeFileSync(join(ws, 'notes.txt'), Buffer.concat([Buffer.from('plain notes\n'), end]));
    const r = await walk();
    expect(r.finding?.path).toBe('stored.bin');
    expect(r.finding?.reason).toBe(
      'stored.bin in the workspace holds more than 1000 zip entries that no central directory names, so it counts as holding a vault value',
    );
    rmSync(join(ws, 'stored.bin'));
    expect((await walk()).finding).toBeUndefined();
  });

  it('finds a value in a zip kept as a sparse tar member (GNU type S, pax sparse 1.0, and gzipped)', async () => {
    rmSync(join(ws, 'site'), { recursive: true });
    writeFileSync(join(ws, 'zeros.bin'), Buffer.alloc(1 << 20));
    writeFileSync(join(ws, '.env'), `# config\nSTRIPE_KEY=${SECRET}\n${'DEBUG=0\n'.repeat(50)}`);
    run('zip', '-q', '-n', '.bin', 'assets.zip', 'zeros.bin', '.env');
    rmSync(join(ws, 'zeros.bin'));
    rmSync(join(ws, '.env'));
    run('fallocate', '--dig-holes', 'assets.zip');
    run('tar', '--sparse', '--posix', '-cf', 'sparse-pax.tar', 'assets.zip');
    run('tar', '--sparse', '--format=gnu', '-cf', 'sparse-gnu.tar', 'assets.zip');
    run('gzip', '-k', 'sparse-gnu.tar');
    const zip = readFileSync(join(ws, 'assets.zip'));
    rmSync(join(ws, 'assets.zip'));
    const tars = { pax: readFileSync(join(ws, 'sparse-pax.tar')), gnu: readFileSync(join(ws, 'sparse-gnu.tar')) };
    // The members really are sparse: their data is shorter than the zip.
    expect(tars.gnu.length).toBeLessThan(zip.length);
    expect(tars.gnu[512 + 156 - 512]).toBe(0x53);
    for (const name of ['sparse-pax.tar', 'sparse-gnu.tar', 'sparse-gnu.tar.gz']) {
      const dir = mkdtempSync(join(tmpdir(), 'bulwark-comp-one-'));
      execFileSync('cp', [join(ws, name), dir]);
      const r = await new WorkspaceSecrets(leaks).walk(dir);
      rmSync(dir, { recursive: true, force: true });
      expect(r.ok ? r.value.finding?.reason : r.error.message, name).toBe(
        `${name} in the workspace holds the value of STRIPE_KEY (compressed)`,
      );
    }
  });

  it('finds a value in the packed history of a repo kept as a .tar.gz or a .tar (a member that is compressed is read)', async () => {
    rmSync(join(ws, 'site'), { recursive: true });
    const repo = join(ws, 'repo');
    mkdirSync(repo);
    const inRepo = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
        cwd: repo,
        env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
        stdio: 'pipe',
      });
    inRepo('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'README.md'), lines(50, 'readme').join('\n'));
    inRepo('add', '.');
    inRepo('commit', '-qm', 'first');
    inRepo('gc', '-q');
    run('tar', 'czf', 'clean.tar.gz', 'repo');
    writeFileSync(join(repo, '.env'), `STRIPE_KEY=${SECRET}\n`);
    inRepo('add', '.env');
    inRepo('commit', '-qm', 'config');
    inRepo('rm', '-q', '.env');
    inRepo('commit', '-qm', 'drop .env');
    inRepo('gc', '-q');
    run('tar', 'czf', 'backup.tar.gz', 'repo');
    run('tar', 'cf', 'backup.tar', 'repo');
    rmSync(repo, { recursive: true });
    const one = async (name: string) => {
      const dir = mkdtempSync(join(tmpdir(), 'bulwark-comp-one-'));
      execFileSync('cp', ['-a', join(ws, name), dir]);
      const r = await new WorkspaceSecrets(leaks).walk(dir);
      rmSync(dir, { recursive: true, force: true });
      return r.ok ? r.value.finding?.reason : r.error.message;
    };
    expect(await one('clean.tar.gz')).toBeUndefined();
    expect(await one('backup.tar.gz')).toBe(
      'backup.tar.gz in the workspace holds the value of STRIPE_KEY (compressed)',
    );
    expect(await one('backup.tar')).toBe('backup.tar in the workspace holds the value of STRIPE_KEY (compressed)');
  });

  it('a gzip three levels deep, a zip bomb and too many bytes inflated count as holding a value, in bounded time', async () => {
    rmSync(join(ws, 'site'), { recursive: true });
    writeFileSync(join(ws, 'deep.gz'), gzipSync(gzipSync(gzipSync('nothing secret here\n'))));
    expect((await walk()).finding?.reason).toBe(
      'deep.gz in the workspace holds gzip data compressed inside more than 2 levels, deeper than a scan reads, so it counts as holding a vault value',
    );
    rmSync(join(ws, 'deep.gz'));
    // 16 MiB of zeros in a zip of 16 KiB: the walk stops at its budget.
    writeFileSync(join(ws, 'zeros'), Buffer.alloc(0));
    execFileSync('sh', ['-c', 'head -c 16777216 /dev/zero > zeros && zip -q bomb.zip zeros && rm zeros'], {
      cwd: ws,
    });
    const started = Date.now();
    const r = await walk({ maxBytes: 4 * 1024 * 1024 });
    expect(r.finding?.reason).toBe(
      `bomb.zip in the workspace inflates past the ${4 * 1024 * 1024} bytes one scan reads, so it counts as holding a vault value`,
    );
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('corrupt or cut streams neither throw nor hold; what inflated before the break is still scanned', async () => {
    rmSync(join(ws, 'site'), { recursive: true });
    const text = `STRIPE_KEY=${SECRET}\n${lines(20_000, 'pad').join('\n')}`;
    const gz = gzipSync(text);
    writeFileSync(join(ws, 'cut.gz'), gz.subarray(0, gz.length >> 1));
    expect((await walk()).finding?.reason).toBe('cut.gz in the workspace holds the value of STRIPE_KEY (compressed)');
    rmSync(join(ws, 'cut.gz'));

    writeFileSync(join(ws, 'notes.txt'), 'x^ this begins like a zlib header but is text\n');
    const bad = Buffer.from(gzipSync('nothing\n'.repeat(1000)));
    bad.fill(0xff, 20, 40);
    writeFileSync(join(ws, 'bad.gz'), bad);
    git('init', '-q', '-b', 'main');
    writeFileSync(join(ws, 'README.md'), lines(300, 'readme').join('\n'));
    git('add', '.');
    git('commit', '-qm', 'first');
    git('gc', '-q');
    const [pack] = packs();
    const bytes = readFileSync(join(ws, String(pack)));
    writeFileSync(join(ws, 'cut.pack'), bytes.subarray(0, bytes.length >> 1));
    const broken = Buffer.from(bytes);
    broken.fill(0x55, 40, 60);
    writeFileSync(join(ws, 'broken.pack'), broken);
    rmSync(join(ws, '.git'), { recursive: true });
    const r = await walk();
    expect(r.finding).toBeUndefined();
    expect(r.scanned).toBe(5);
  });
});

describe('what gunzip and iconv read as the value (R22)', () => {
  it('finds a value in a gzip with garbage after it, in concatenated members and under a long name', async () => {
    // gunzip prints the member and warns "trailing garbage ignored"; Node's gunzip threw the member's output away.
    const junk = Buffer.from([0x1f, 0x8b, 0x00, 0x77, 0x13, 0x37, 0x00, 0x42]);
    writeFileSync(join(ws, 'j.gz'), Buffer.concat([gzipSync(`KEY=${SECRET}\n`), junk]));
    expect((await walk()).finding?.reason).toBe('j.gz in the workspace holds the value of STRIPE_KEY (compressed)');
    rmSync(join(ws, 'j.gz'));
    writeFileSync(join(ws, 'm.gz'), Buffer.concat([gzipSync('hello\n'), gzipSync(`KEY=${SECRET}\n`)]));
    expect((await walk()).finding?.reason).toBe('m.gz in the workspace holds the value of STRIPE_KEY (compressed)');
    rmSync(join(ws, 'm.gz'));
    writeFileSync(join(ws, 'n.txt'), `KEY=${SECRET}\n`);
    execFileSync('gzip', ['-N', 'n.txt'], { cwd: ws });
    expect((await walk()).finding?.reason).toBe('n.txt.gz in the workspace holds the value of STRIPE_KEY (compressed)');
  });

  it('finds a value in UTF-16 text (with or without a byte-order mark), also gzipped; binary zeros are not UTF-16', async () => {
    writeFileSync(
      join(ws, 'secrets.ps1'),
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`$k = "${SECRET}"`, 'utf16le')]),
    );
    expect((await walk()).finding?.reason).toBe('secrets.ps1 in the workspace holds the value of STRIPE_KEY');
    rmSync(join(ws, 'secrets.ps1'));
    writeFileSync(join(ws, 'be.txt'), Buffer.from(`KEY=${SECRET}`, 'utf16le').swap16());
    expect((await walk()).finding?.reason).toBe('be.txt in the workspace holds the value of STRIPE_KEY');
    rmSync(join(ws, 'be.txt'));
    writeFileSync(join(ws, 'k.reg.gz'), gzipSync(Buffer.from(`"KEY"="${SECRET}"`, 'utf16le')));
    expect((await walk()).finding?.reason).toBe('k.reg.gz in the workspace holds the value of STRIPE_KEY (compressed)');
    rmSync(join(ws, 'k.reg.gz'));
    writeFileSync(join(ws, 'zeros.bin'), Buffer.alloc(8192));
    expect((await walk()).finding).toBeUndefined();
  });
});
