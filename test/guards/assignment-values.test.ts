import { describe, expect, it } from 'vitest';
import { scanOutput } from '../../src/guards/output-guard-scan.js';
import { EMPTY_LEAK_SCANNER } from '../../src/core/leak.js';
import { hostile } from './hostile-inputs.js';
import { CTX, makeGuard, streamAll, countingFormats } from './helpers.js';

const MB = 1 << 20;

describe('generic assignment: a value with several inner = or : runs', () => {
  // Built at run time from pieces: hand-made test values, not credentials.
  const cases: Array<[string, string]> = [
    ['DB_PASSWORD=', ['p4ss', 'w0rd', 'S3cr3tVal9!x'].join('=')],
    ['api_key=', ['Zq8', 'Lm3', 'Vx7Rt5Kp2Jh9Wd4'].join(':')],
    ['password: ', ['Xk9', 'pQ2', 'mZ7vT4wL8nR'].join(':')],
    ['secret=', ['Tz5', 'Yq8', 'Wn3Kc7Hb2Mf6'].join('=')],
    ['token=', ['Hq2', 'Rt7', 'Yx4', 'Wz9', 'Lm3Kc7Hb2Mf6'].join('==')],
  ];
  it.each(cases)('%s… is redacted whole, streamed or whole', (name, value) => {
    const { guard } = makeGuard();
    const text = `set ${name}${value} now`;
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.text).toBe(`set ${name}[REDACTED] now`);
    expect(streamAll(guard, text.match(/[\s\S]{1,4}/g) ?? [])).toBe(`set ${name}[REDACTED] now`);
  });

  it('a value is still a finding after a quote', () => {
    const r = scanOutput(`token="${['abc', 'def', '9Ghk2LmQ8rTz5WxY'].join(':')}"`, {
      leakScanner: EMPTY_LEAK_SCANNER,
      canaryForms: [],
    });
    expect(r.findings.map((f) => f.patternId)).toContain('secret.generic_assignment');
  });
});

describe('generic assignment: bounded work on repeated inner runs', () => {
  it.each([
    ['password=', 'password='],
    ['p4ss=w0rd=', 'p4ss=w0rd='],
    ['Zq8:', 'Zq8:'],
    ['token==', 'token=='],
    ['63-character pieces', 'secret=' + 'Ab1'.repeat(21) + '='],
    ['256-character pieces', 'key:' + 'Ab1/'.repeat(64) + ':'],
  ])(
    '%s repeated to 1 MB',
    (_label, unit) => {
      const { formats, validated } = countingFormats();
      const r = scanOutput(hostile(unit, MB), { leakScanner: EMPTY_LEAK_SCANNER, canaryForms: [], formats });
      expect(r.findings.length).toBeLessThan(MB / 16);
      // Each character is validated by at most the five pieces of the matches that cover it.
      expect(validated()).toBeLessThan(8 * MB);
    },
    60_000,
  );
});

describe('URL credentials with a colon inside the password', () => {
  it('redacts the whole password, not only the part before the first colon', () => {
    const { guard } = makeGuard();
    const password = ['S3cr', 'etP4ss', 'w0rd99'].join(':');
    const text = `DATABASE_URL postgres://app:${password}@db.internal:5432/prod`;
    const whole = guard.scanText(text, CTX);
    expect(whole.ok && whole.value.text).toBe('DATABASE_URL postgres://app:[REDACTED]@db.internal:5432/prod');
    expect(streamAll(guard, text.match(/[\s\S]{1,5}/g) ?? [])).toBe(
      'DATABASE_URL postgres://app:[REDACTED]@db.internal:5432/prod',
    );
    // A port is not a password: no user:password@ here.
    expect(
      scanOutput('see http://example.org:8080/a@b and ssh://git@github.com:22/x', {
        leakScanner: EMPTY_LEAK_SCANNER,
        canaryForms: [],
      }).findings,
    ).toEqual([]);
  });
});
