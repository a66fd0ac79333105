/**
 * Characters a reviewer cannot see (rule `skill.hidden-unicode`): Unicode tag characters outside emoji flags (an
 * instruction written in them is invisible but read by models), bidi controls (the reviewer sees code in an order
 * the interpreter does not: Trojan Source) and runs of zero-width characters. Emoji sequences (ZWJ, variation
 * selectors, subdivision flags) are left alone, as L04 leaves them.
 */
import { canonicalise, detectionView } from '../../../text/index.js';
import { excerptOf } from './excerpt.js';
import type { SkillFinding } from './types.js';

/** Alternation, not a class: a class holding U+200D reads as a joined sequence. */
const ZERO_WIDTH = /\u200B|\u200C|\u200D|\u2060|\uFEFF/;

export function hiddenUnicodeFindings(text: string, file: string, code: boolean): SkillFinding[] {
  const c = canonicalise(text);
  if (c.stripped.total === 0) return [];
  const out: SkillFinding[] = [];
  const lineOf = (re: RegExp): number => {
    const at = text.search(re);
    return at < 0 ? 1 : text.slice(0, at).split('\n').length;
  };
  const lineOfCodePoint = (match: (cp: number) => boolean): number => {
    let line = 1;
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      if (match(cp)) return line;
      if (cp === 10) line++;
    }
    return 1;
  };
  if (c.stripped.tags > 0) {
    const view = detectionView(text);
    const hidden = [...text]
      .filter((ch) => {
        const cp = ch.codePointAt(0) ?? 0;
        return cp >= 0xe0020 && cp <= 0xe007e;
      })
      .map((ch) => String.fromCharCode((ch.codePointAt(0) ?? 0) - 0xe0000))
      .join('');
    if (view.decodedTags > 0 || hidden.length > 0)
      out.push({
        rule: 'skill.hidden-unicode',
        severity: 'critical',
        file,
        line: lineOfCodePoint((cp) => cp >= 0xe0020 && cp <= 0xe007e),
        excerpt: excerptOf(`hidden text: ${hidden}`),
        reason: 'text written in invisible Unicode tag characters (models read it, people do not)',
      });
  }
  if (c.stripped.bidi > 0)
    out.push({
      rule: 'skill.hidden-unicode',
      severity: code ? 'critical' : 'warning',
      file,
      line: lineOf(/[\u202A-\u202E\u2066-\u2069]/),
      excerpt: excerptOf(text.split('\n')[lineOf(/[\u202A-\u202E\u2066-\u2069]/) - 1] ?? ''),
      reason: 'bidirectional control characters: the text reads differently from how it runs',
    });
  if (c.stripped.zeroWidth >= 4)
    out.push({
      rule: 'skill.hidden-unicode',
      severity: 'warning',
      file,
      line: lineOf(ZERO_WIDTH),
      excerpt: excerptOf(text.split('\n')[lineOf(ZERO_WIDTH) - 1] ?? ''),
      reason: `${c.stripped.zeroWidth} zero-width characters`,
    });
  return out;
}
