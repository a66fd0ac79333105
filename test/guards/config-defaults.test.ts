import { describe, expect, it } from 'vitest';
import { DEFAULT_HIGH_AT, DEFAULT_MEDIUM_AT } from '../../src/config/sections/perimeter.js';
import { TRAINED_THRESHOLDS } from '../../src/text/classifier/model.js';

describe('perimeter config defaults', () => {
  it('uses the probability thresholds chosen by the training script', () => {
    expect(DEFAULT_MEDIUM_AT).toBe(TRAINED_THRESHOLDS.medium);
    expect(DEFAULT_HIGH_AT).toBe(TRAINED_THRESHOLDS.high);
  });
});
