import { describe, expect, it } from 'vitest';
import { openEncodedPrompt } from '../../src/guards/prompt-encoded.js';
import { PromptFingerprint } from '../../src/guards/prompt-extraction.js';
import { longestWord, segmentedOpenView } from '../../src/guards/prompt-segment.js';
import { openSpelledTail } from '../../src/text/index.js';
import { SYSTEM_PROMPT } from './helpers.js';

/**
 * The stream's open check of spelled-out letters at the end of a text. Hostile spelled text (`-u a: -u a:`) is one
 * region as long as the held text, and every scan of a stream asks about it: when no vocabulary word lies before
 * the word under way the answer is that word, found without cutting the region into words and reading them.
 */
class Counting extends PromptFingerprint {
  read = 0;
  override scan(text: string): ReturnType<PromptFingerprint['scan']> {
    this.read += text.length;
    return super.scan(text);
  }
}

/** The region's hold point read the long way: every letter cut into words, the words read by the shingle check. */
function reference(text: string, prompt: PromptFingerprint): number {
  const region = openSpelledTail(text);
  if (!region) return -1;
  const words = segmentedOpenView(region, prompt);
  const r = prompt.scan(words.text);
  let w = r.openFrom;
  for (const sp of r.spans) if (w < 0 || sp.start < w) w = sp.start;
  if (w < 0) return -1;
  const raw = words.toRaw(w, w + 1)[0];
  let k = 0;
  while (k < region.text.length && region.toRaw(k, k + 1)[0] < raw) k++;
  const back = Math.max(0, k - longestWord(prompt));
  return region.toRaw(back, back + 1)[0];
}

const spell = (s: string) => [...s.replace(/[^A-Za-z0-9]/g, '')].join(' ');

describe('the open check of spelled-out letters', () => {
  it('reads no words of a hostile spelled region that holds no vocabulary word', () => {
    const prompt = new Counting(SYSTEM_PROMPT);
    // `a` is a word of this prompt: `-u a:` is read the long way (it holds vocabulary words).
    const text = ' -x q:'.repeat(3000);
    openEncodedPrompt(text, prompt);
    expect(prompt.read).toBeLessThan(64);
  });

  it('holds what the full reading holds', () => {
    const prompt = new PromptFingerprint(SYSTEM_PROMPT);
    const words = SYSTEM_PROMPT.split(/\s+/);
    const texts = [
      ' -u a:'.repeat(200),
      ' -x q:'.repeat(200),
      ' -x q:'.repeat(200) + ' a n s',
      ' -u a:'.repeat(200) + ' ' + spell(words.slice(0, 6).join(' ')),
      'x y z q '.repeat(50) + spell(words.slice(2, 3).join(' ')).slice(0, 3),
      spell(words.slice(0, 8).join(' ')) + ' q v q v '.repeat(40),
      spell(words.slice(0, 8).join(' ')) + ' q v q v '.repeat(40) + spell(words[9] ?? ''),
      'plain prose with no letters spelled out',
      'k j k j ' + spell(SYSTEM_PROMPT).slice(0, 61),
    ];
    for (const text of texts) {
      const open = openEncodedPrompt(text, prompt);
      const ref = reference(text, prompt);
      // Only the spelled check can hold these texts (no hex, codes or base64 run at their end).
      expect(open, text.slice(-40)).toBe(ref);
    }
  });
});
