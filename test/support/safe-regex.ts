/**
 * safe-regex2 for the pattern library's linear-time test. safe-regex2's parser does not know
 * look-behinds and calls every regex with one unsafe; a look-behind on a single character class reads one
 * character and cannot backtrack, so it is taken out before the check (any other look-behind stays and fails).
 */
import safeRegex from 'safe-regex2';

const ONE_CLASS_LOOKBEHIND = /\(\?<[!=]\[[^\]]*\]\)/g;

export function linearTimeSafe(re: RegExp): boolean {
  return safeRegex(new RegExp(re.source.replace(ONE_CLASS_LOOKBEHIND, ''), re.flags));
}
