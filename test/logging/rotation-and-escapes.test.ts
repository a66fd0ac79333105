import { JsonlAuditStore } from '../../src/core/jsonl-audit-store.js';
import { unwrap } from '../../src/core/result.js';
/** Size-based rotation of bulwark.log and audit.jsonl, and U+2028/U+2029/U+0085 escaped in every line of both. */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AuditSink } from '../../src/core/audit.js';
import { EventBus } from '../../src/core/events.js';
import { RotatingFile } from '../../src/core/rotating-file.js';
import { createLogger, createSanitizer } from '../../src/logging/logger.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';

const dir = (): string => mkdtempSync(path.join(tmpdir(), 'bulwark-rot-'));
const KB = 1024;

function family(d: string, name: string): string[] {
  return readdirSync(d)
    .filter((f) => f === name || /^.+\.\d+$/.test(f))
    .filter((f) => f.startsWith(name))
    .sort();
}

describe('RotatingFile', () => {
  it('rotates at maxBytes and keeps `keep` old files: the total stays bounded', () => {
    const d = dir();
    const file = path.join(d, 'x.log');
    const f = new RotatingFile(file, { maxBytes: 64 * KB, keep: 2 });
    const line = `${'a'.repeat(99)}\n`;
    for (let i = 0; i < 10_000; i++) f.write(line); // ~1 MB
    f.close();
    expect(family(d, 'x.log')).toEqual(['x.log', 'x.log.1', 'x.log.2']);
    const total = family(d, 'x.log').reduce((s, n) => s + statSync(path.join(d, n)).size, 0);
    expect(total).toBeLessThanOrEqual(3 * 64 * KB + line.length);
    for (const n of ['x.log.1', 'x.log.2']) expect(statSync(path.join(d, n)).size).toBeGreaterThanOrEqual(64 * KB);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('counts what other writers appended to the same file', () => {
    const d = dir();
    const file = path.join(d, 'y.log');
    const a = new RotatingFile(file, { maxBytes: 64 * KB, keep: 1 });
    const b = new RotatingFile(file, { maxBytes: 64 * KB, keep: 1 });
    for (let i = 0; i < 400; i++) b.write(`${'b'.repeat(199)}\n`); // 80 KB through b, b rotates once
    a.write('a\n');
    a.close();
    b.close();
    expect(existsSync(`${file}.1`)).toBe(true);
    expect(statSync(file).size).toBeLessThan(64 * KB);
  });
});

describe('bulwark.log and audit.jsonl', () => {
  it('rotate by size as configured', async () => {
    const d = dir();
    const log = createLogger({ dataDir: d, level: 'info', pretty: false, rotation: { maxBytes: 64 * KB, keep: 3 } });
    for (let i = 0; i < 5000; i++) log.info({ i, pad: 'p'.repeat(100) }, 'line');
    const sink = new AuditSink(
      unwrap(JsonlAuditStore.open(path.join(d, 'audit.jsonl'), { maxBytes: 64 * KB, keep: 2 })),
    );
    const bus = new EventBus();
    sink.attach(bus);
    for (let i = 0; i < 500; i++) {
      bus.emit('security:blocked', { layer: 'L01', reason: 'r'.repeat(400) });
      // One batch per line here, so the file rotates as it would under a steady trickle.
      await sink.flush();
    }
    await sink.close();
    expect(family(d, 'bulwark.log')).toEqual(['bulwark.log', 'bulwark.log.1', 'bulwark.log.2', 'bulwark.log.3']);
    expect(family(d, 'audit.jsonl')).toEqual(['audit.jsonl', 'audit.jsonl.1', 'audit.jsonl.2']);
    // Every kept line is whole JSON.
    for (const f of family(d, 'audit.jsonl'))
      for (const l of readFileSync(path.join(d, f), 'utf8').split('\n').filter(Boolean)) JSON.parse(l);
  });

  it('never hold a raw U+2028, U+2029 or U+0085; the lines still parse to the same text', async () => {
    const d = dir();
    const tricky = 'one\u2028{"type":"forged"}\u2029two\u0085three';
    const sanitize = createSanitizer(new LeakIndex());
    const log = createLogger({ dataDir: d, level: 'info', pretty: false, sanitizeLine: sanitize });
    log.info({ note: tricky }, `message ${tricky}`);
    const sink = new AuditSink(unwrap(JsonlAuditStore.open(path.join(d, 'audit.jsonl'))), sanitize);
    const bus = new EventBus();
    sink.attach(bus);
    bus.emit('security:blocked', { layer: 'L01', reason: tricky });
    await sink.close();
    for (const f of ['bulwark.log', 'audit.jsonl']) {
      const text = readFileSync(path.join(d, f), 'utf8');
      expect(text, f).not.toMatch(/[\u2028\u2029\u0085]/);
      expect(text, f).toContain('\\u2028');
      const lines = text.split('\n').filter(Boolean);
      expect(lines, f).toHaveLength(1);
      expect(JSON.stringify(JSON.parse(lines[0] as string))).toContain(JSON.stringify(tricky).slice(1, -1));
    }
    // Without a sanitizer too (the escaping is not part of L09, it is part of writing a line).
    const bare = new AuditSink(unwrap(JsonlAuditStore.open(path.join(d, 'bare.jsonl'))));
    const bus2 = new EventBus();
    bare.attach(bus2);
    bus2.emit('security:blocked', { reason: tricky });
    await bare.close();
    expect(readFileSync(path.join(d, 'bare.jsonl'), 'utf8')).not.toMatch(/[\u2028\u2029\u0085]/);
  });
});
