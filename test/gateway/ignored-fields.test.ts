import { describe, expect, it } from 'vitest';
import { ignoredFields } from '../../src/gateway/openai/schema.js';

describe('x-bulwark-ignored names every unknown top-level field', () => {
  it('names that an object inherits (toString, constructor, __proto__) are unknown fields too', () => {
    const body = JSON.parse(
      '{"model":"m","messages":[],"toString":1,"constructor":2,"__proto__":{"x":1},"hasOwnProperty":3}',
    ) as Record<string, unknown>;
    expect(ignoredFields(body)).toEqual(['toString', 'constructor', '__proto__', 'hasOwnProperty']);
  });

  it('known fields are not named; past ten unknown plain names, and for names unfit to show, a count', () => {
    const body: Record<string, unknown> = { model: 'm', messages: [], stream: true };
    for (let i = 0; i < 12; i++) body[`f${i}`] = i;
    body['bad\nname'] = 1;
    const out = ignoredFields(body);
    expect(out.slice(0, 10)).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}`));
    expect(out[10]).toBe('3 other unknown fields');
    expect(out).toHaveLength(11);
  });
});
