/**
 * The project's own benign prose (scripts/l01/own-benign-prose.ts): ordinary paragraphs in the languages the attack
 * sources write in, as documents, so that no model of the recipe meets a script mostly in attacks.
 */
import { describe, expect, it } from 'vitest';
import { ownTrainingItems } from '../../scripts/l01/own-data.js';

const prose = () => ownTrainingItems().filter((i) => i.source === 'own_benign_prose');

/** Script or language marks enough to tell the paragraphs' languages apart without a detector. */
const MARKS: Record<string, RegExp> = {
  cyrillic: /[\u0400-\u04ff]/,
  arabic: /[\u0600-\u06ff]/,
  devanagari: /[\u0900-\u097f]/,
  bengali: /[\u0980-\u09ff]/,
  thai: /[\u0e00-\u0e7f]/,
  hangul: /[\uac00-\ud7af]/,
  kana: /[\u3040-\u30ff]/,
  han: /[\u4e00-\u9fff]/,
  vietnamese: /[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/,
  turkish: /[ğış]/,
  polish: /[łąęśźż]/,
  german: /[äöüß]/,
};

describe('L01 own benign prose', () => {
  it('is benign documents, every slot filled, in many scripts', () => {
    const items = prose();
    expect(items.length).toBeGreaterThanOrEqual(300);
    for (const i of items) {
      expect(i.label).toBe(0);
      expect(i.document).toBe(true);
      expect(i.group).toBe('own:own_benign_prose');
      expect(i.text).not.toMatch(/\{\w+\}/);
    }
    for (const [name, re] of Object.entries(MARKS))
      expect(items.filter((i) => re.test(i.text)).length, name).toBeGreaterThanOrEqual(10);
  });

  it('is the same on every run (the weights are derived and committed)', () => {
    expect(prose().map((i) => i.text)).toEqual(prose().map((i) => i.text));
  });
});
