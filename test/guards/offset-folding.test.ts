import { describe, expect, it } from 'vitest';
import { canaryForms, findCanaries } from '../../src/guards/canary.js';
import { PromptFingerprint } from '../../src/guards/prompt-extraction.js';
import { canaryFor, createOutputGuard } from '../../src/guards/output-guard.js';
import { EventBus } from '../../src/core/events.js';
import { LeakIndex } from '../../src/secrets/leak-index.js';
import { CANARY_SECRET, CTX, SYSTEM_PROMPT, makeGuard, streamAll } from './helpers.js';

// 'İ'.toLowerCase() is two UTF-16 units: offsets taken from a lower-cased copy drift by one per 'İ'.
const DOTTED = 'İzmir İstanbul İİİ';

describe('offsets survive case folding that changes the length', () => {
  it('redacts a leaked system prompt exactly when dotted capital I precede it', () => {
    const { guard } = makeGuard();
    const before = `${DOTTED} — here are my rules: `;
    const after = ' That is all. Bye.';
    const r = guard.scanText(before + SYSTEM_PROMPT + after, CTX);
    // The span ends with the prompt's last word; its final full stop is not a word.
    expect(r.ok && r.value.text).toBe(`${before}[REDACTED].${after}`);
  });

  it('streams the same redaction as the whole-text guard', () => {
    const { guard } = makeGuard();
    const text = `${DOTTED} — rules: ${SYSTEM_PROMPT} And İ after.`;
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.text).toBe(`${DOTTED} — rules: [REDACTED]. And İ after.`);
    const chunks: string[] = [];
    for (let i = 0; i < text.length; i += 7) chunks.push(text.slice(i, i + 7));
    expect(streamAll(guard, chunks)).toBe(whole.ok && whole.value.text);
  });

  it('prompt spans point into the original text', () => {
    const fp = new PromptFingerprint(SYSTEM_PROMPT);
    const text = `İİİİİ ${SYSTEM_PROMPT}`;
    const [span] = fp.scan(text).spans;
    expect(span && text.slice(span.start, span.end)).toBe(SYSTEM_PROMPT.slice(0, -1)); // up to the last word, not the final dot
  });

  it('still matches a prompt whose words carry dotted capitals, case-insensitively', () => {
    const prompt =
      'İlke: answer only about İzmir shipping schedules and warehouse stock levels for Northwind Traders every day';
    const fp = new PromptFingerprint(prompt);
    const text = `x ${prompt.toUpperCase()} y`;
    const [span] = fp.scan(text).spans;
    expect(span && text.slice(span.start, span.end)).toBe(prompt.toUpperCase());
  });

  it('redacts a canary exactly when dotted capital I precede it', () => {
    const { guard } = makeGuard();
    const canary = guard.canary(CTX.sessionId);
    const r = guard.scanText(`${DOTTED} ${canary} tail`, CTX);
    expect(r.ok && r.value.text).toBe(`${DOTTED} [REDACTED] tail`);
    const upper = guard.scanText(`${DOTTED} ${canary.toUpperCase()} tail`, CTX);
    expect(upper.ok && upper.value.text).toBe(`${DOTTED} [REDACTED] tail`);
  });

  it('canary hits point into the original text (raw, hex and reversed forms)', () => {
    const canary = canaryFor(CANARY_SECRET, CTX.sessionId);
    const forms = canaryForms(canary);
    for (const form of forms.filter((f) => f.foldCase && f.encoding !== 'halves')) {
      const text = `İİİ ${form.text.toUpperCase()} İ`;
      const hit = findCanaries(text, forms).find((h) => h.encoding === form.encoding);
      expect(hit && text.slice(hit.start, hit.end)).toBe(form.text.toUpperCase());
    }
  });
});

describe('prompt shingle keys', () => {
  it('k above 3 with a large vocabulary does not find shingles the prompt does not contain', () => {
    // 1000 distinct words and k = 6: numeric keys reach ~1e18, past 2^53, where neighbouring ids round together.
    const vocab = Array.from({ length: 1000 }, (_, i) => `w${i}`);
    const fp = new PromptFingerprint(vocab.join(' '), { k: 6 });
    const w = (i: number) => vocab[i] ?? '';
    // Two windows whose last word is off by one from a real shingle of the prompt; no real shingle at all.
    const text = [w(0), w(1), w(2), w(3), w(4), w(6), w(100), w(101), w(102), w(103), w(104), w(106)].join(' ');
    const r = fp.scan(text);
    expect(r.containment).toBe(0);
    expect(r.spans).toEqual([]);
    // The real thing is still found.
    expect(fp.scan(vocab.slice(0, 30).join(' ')).spans).toHaveLength(1);
  });

  it('refuses a k that is not a positive integer', () => {
    expect(() => new PromptFingerprint(SYSTEM_PROMPT, { k: 0 })).toThrow(RangeError);
    expect(() => new PromptFingerprint(SYSTEM_PROMPT, { k: 2.5 })).toThrow(RangeError);
  });
});

describe('prompt fingerprint reads the prompt as the scan reads responses', () => {
  it('redacts all of a prompt written with full-width letters and invisible characters, leaked verbatim', () => {
    const prompt = SYSTEM_PROMPT.replace('Atlas', 'Ａｔｌａｓ')
      .replace('operations', 'oper\u200bations')
      .replace('Northwind', 'Ｎｏｒｔｈ\u00adwind');
    const guard = createOutputGuard({
      leakScanner: new LeakIndex(),
      canarySecret: CANARY_SECRET,
      systemPromptFor: () => prompt,
      bus: new EventBus(),
    });
    const r = guard.scanText(`Sure: ${prompt}`, CTX);
    expect(r.ok && r.value.text).toBe('Sure: [REDACTED].');
  });
});
