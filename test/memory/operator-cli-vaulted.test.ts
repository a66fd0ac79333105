/**
 * `bulwark memory list|show|search|export` after a remembered value was put into the vault: L15 refused vault values
 * only when they were written, so the store still holds it; what the CLI prints is redacted (in-process CLI, a real
 * data dir, vault and memory store).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { openMemoryAdmin } from '../../src/daemon.js';
import { openSecretStore } from '../../src/secrets/index.js';
import { runCliInProcess } from '../support/cli-in-process.js';

const VALUE = 'Gq4-vXm8-Lr27-tNb5-Wc9k';

let root: string | undefined;
afterEach(() => {
  if (root) rmSync(root, { recursive: true, force: true });
  root = undefined;
});

describe('bulwark memory after a value was vaulted', () => {
  it('list, show, search and export print it redacted', async () => {
    root = mkdtempSync(join(tmpdir(), 'bulwark-memvault-'));
    const dir = join(root, 'home');
    mkdirSync(dir, { mode: 0o700 });
    const keyFile = join(root, 'master.key');
    writeFileSync(join(dir, 'config.yaml'), `secrets: { masterKeyFile: ${keyFile} }\n`, { mode: 0o600 });
    const cli = (...args: string[]) => runCliInProcess(dir, args, { openMemory: openMemoryAdmin });
    const notes = join(root, 'notes.txt');
    writeFileSync(notes, `The storage unit gate code is ${VALUE} for now.\n`);
    const imported = await cli('memory', 'import', notes, '--plain', '--origin', 'owner');
    expect(imported.out).toContain('imported 1 of 1');

    const store = openSecretStore({
      bus: new EventBus(),
      dataDir: dir,
      masterKeySource: { keyFile, create: true, dataDir: dir },
    });
    if (!store.ok) throw new Error(store.error.message);
    expect(store.value.set('GATE_CODE', VALUE).ok).toBe(true);
    store.value.close();

    const list = await cli('memory', 'list', '--json');
    const id = /mem_[0-9a-f]{24}/.exec(list.out)?.[0] ?? '';
    expect(id).not.toBe('');
    const shown = [
      list,
      await cli('memory', 'list'),
      await cli('memory', 'show', id),
      await cli('memory', 'search', 'storage unit gate code', '--json'),
      await cli('memory', 'export'),
    ];
    for (const r of shown) {
      expect(r.code).toBe(0);
      expect(r.out).not.toContain(VALUE);
    }
    expect(shown[2]?.out).toContain('[REDACTED:GATE_CODE]');
    expect(shown[4]?.out).toContain('[REDACTED:GATE_CODE]');
  });
});
