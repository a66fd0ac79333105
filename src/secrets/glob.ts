/**
 * Glob allow-list entries for secret names: `*` matches any run of characters, `?` one character;
 * everything else is literal. Matched without regular expressions (linear, no ReDoS).
 */

import { isReservedSecretName } from '../config/index.js';

export { SECRET_GLOB_RE, RESERVED_SECRET_PREFIX, isReservedSecretName } from '../config/index.js';

export function globMatches(glob: string, name: string): boolean {
  let g = 0;
  let n = 0;
  let starG = -1;
  let starN = 0;
  while (n < name.length) {
    const c = glob[g];
    if (c === '*') {
      starG = g++;
      starN = n;
    } else if (c !== undefined && (c === '?' || c === name[n])) {
      g++;
      n++;
    } else if (starG !== -1) {
      g = starG + 1;
      n = ++starN;
    } else {
      return false;
    }
  }
  while (glob[g] === '*') g++;
  return g === glob.length;
}

/** True when an agent's allow-list covers `name`. A reserved name (BULWARK_…) is never covered (L07). */
export function anyGlobMatches(globs: readonly string[], name: string): boolean {
  if (isReservedSecretName(name)) return false;
  return globs.some((g) => globMatches(g, name));
}
