/**
 * Package-manager hooks shipped inside a skill (rule `skill.install-hook`): npm lifecycle scripts (`preinstall`,
 * `install`, `postinstall`, `prepare`) run on `npm install`; a `setup.py` with custom commands runs on `pip install`.
 * The hook's command is read as a shell line: one that fetches, decodes or evaluates is critical.
 */
import type { FactSet } from './facts.js';
import type { TextSite } from './types.js';

const NPM_HOOKS = ['preinstall', 'install', 'postinstall', 'prepare', 'prepublish', 'preprepare', 'postprepare'];

export function installHookFacts(path: string, text: string, site: TextSite, into: FactSet): void {
  const base = path.split('/').pop() ?? path;
  if (base === 'package.json') {
    let pkg: unknown;
    try {
      pkg = JSON.parse(text);
    } catch (cause) {
      // Not JSON: npm would refuse it too; the literal scan still reads it.
      void cause;
      return;
    }
    const scripts = (pkg as { scripts?: Record<string, unknown> } | null)?.scripts;
    if (!scripts || typeof scripts !== 'object') return;
    for (const hook of NPM_HOOKS) {
      const cmd = scripts[hook];
      if (typeof cmd !== 'string') continue;
      const at = text.indexOf(`"${hook}"`);
      const line = site.line + (at < 0 ? 0 : text.slice(0, at).split('\n').length - 1);
      const armed = into.probe('shell', cmd, { ...site, line }).some((f) => f.kind !== 'files.read');
      into.add(
        {
          kind: 'install-hook',
          line,
          excerpt: `"${hook}": ${cmd}`,
          detail: `npm ${hook} script`,
          ...(armed ? { armed } : {}),
        },
        site,
      );
      into.nested('shell', cmd, { ...site, line });
    }
    return;
  }
  if (base === 'setup.py' && /\bcmdclass\s*=/.test(text)) {
    const at = text.search(/\bcmdclass\s*=/);
    const line = site.line + text.slice(0, at).split('\n').length - 1;
    const armed = into.probe('python', text, site).some((f) => f.kind !== 'files.read');
    into.add(
      {
        kind: 'install-hook',
        line,
        excerpt: text.split('\n')[line - site.line] ?? '',
        detail: 'setup.py custom command',
        ...(armed ? { armed } : {}),
      },
      site,
    );
  }
}
