import { describe, expect, it } from 'vitest';
import { DEFAULT_MEDIUM_AT } from '../../src/config/sections/perimeter.js';
import { TRAINED_THRESHOLD } from '../../src/text/classifier/model.js';

describe('perimeter config defaults', () => {
  it('uses the medium threshold chosen by the training script', () => {
    expect(DEFAULT_MEDIUM_AT).toBe(TRAINED_THRESHOLD);
  });
});
