/**
 * The facts one scan collects, with where they were seen. Analysers (shell, Python, JavaScript, PowerShell) add
 * facts; nested code (a `python -c` in a shell line, a decoded payload, a script written by a script) goes back
 * through the dispatcher, one level deeper, up to MAX_DEPTH.
 */
import { excerptOf } from './excerpt.js';
import type { Fact, TextSite } from './types.js';

export type CodeLanguage = 'shell' | 'python' | 'javascript' | 'powershell' | 'generic';

/** Nested analysis stops here (decoded payloads of decoded payloads, scripts in scripts …). */
export const MAX_DEPTH = 4;

/** Analyses `text` as `lang`, adding what it finds to `into`. */
export type Analyse = (lang: CodeLanguage, text: string, site: TextSite, into: FactSet) => void;

export type NewFact = Omit<Fact, 'decoded' | 'excerpt' | 'file'> & { readonly excerpt: string };

export class FactSet {
  readonly facts: Fact[] = [];

  constructor(private readonly dispatch: Analyse) {}

  add(fact: NewFact, site: TextSite): void {
    this.facts.push({
      ...fact,
      file: site.file,
      excerpt: excerptOf(fact.excerpt),
      ...(site.decoded ? { decoded: true } : {}),
    });
  }

  /** Analyses nested code one level deeper, into this set (nothing beyond MAX_DEPTH). */
  nested(lang: CodeLanguage, text: string, site: TextSite, decoded = false): void {
    if (site.depth >= MAX_DEPTH || text.trim() === '') return;
    this.dispatch(lang, text, deeper(site, decoded), this);
  }

  /** The facts a piece of code would produce, kept apart (to judge what a written file or a hook would do). */
  probe(lang: CodeLanguage, text: string, site: TextSite): Fact[] {
    if (site.depth >= MAX_DEPTH || text.trim() === '') return [];
    const inner = new FactSet(this.dispatch);
    this.dispatch(lang, text, deeper(site, false), inner);
    return inner.facts;
  }
}

function deeper(site: TextSite, decoded: boolean): TextSite {
  return { ...site, depth: site.depth + 1, ...(decoded || site.decoded ? { decoded: true } : {}) };
}

/** Fact kinds that make a payload harmful when something runs or installs it. */
export function isArming(f: Fact): boolean {
  return (
    f.kind === 'exec.remote' ||
    f.kind === 'exec.decoded' ||
    f.kind === 'exec.dynamic' ||
    f.kind === 'net.send' ||
    f.kind === 'net.socket' ||
    f.kind === 'net.get' ||
    f.kind === 'net.dns-exfil' ||
    f.kind === 'reverse-shell' ||
    f.kind === 'cred.read' ||
    f.kind === 'env.dump'
  );
}
