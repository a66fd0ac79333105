/**
 * Workspace path patterns (`exec.disposable`): `*` within one name, `**` across names. A pattern matches at any
 * depth, the way a .gitignore line without a slash in front does: `node_modules/**` also matches
 * `packages/a/node_modules/x`, `*.pyc` matches every .pyc file.
 */

function toRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
      if (pattern[i + 1] === '/') i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`(^|/)${re}$`);
}

export class PathGlobs {
  private readonly res: RegExp[];
  constructor(patterns: readonly string[]) {
    this.res = patterns.map(toRegExp);
  }
  matches(path: string): boolean {
    return this.res.some((r) => r.test(path));
  }
}
