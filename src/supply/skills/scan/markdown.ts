/**
 * Splits markdown into its YAML front matter and segments: prose and fenced code blocks (with the fence's
 * language), each with the line it starts on, so findings point at the right line.
 */
export interface MarkdownSegment {
  readonly kind: 'prose' | 'code';
  /** The fence's info string, lower case ('' for prose or a bare fence). */
  readonly lang: string;
  readonly text: string;
  /** 1-based line of the segment's first line. */
  readonly line: number;
}

export interface MarkdownParts {
  /** The YAML between the opening `---` and the closing `---`/`...`; `line` is its first line. */
  readonly frontMatter?: { readonly text: string; readonly line: number; readonly endLine: number };
  readonly segments: readonly MarkdownSegment[];
}

export type FenceLanguage = 'shell' | 'python' | 'javascript' | 'powershell' | 'data' | 'other';

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)/;

export function splitMarkdown(text: string): MarkdownParts {
  const lines = text.split('\n');
  let i = 0;
  let frontMatter: MarkdownParts['frontMatter'];
  if ((lines[0] ?? '').replace(/\r$/, '').trim() === '---') {
    const end = lines.findIndex((l, k) => k > 0 && /^(?:---|\.\.\.)\s*$/.test(l.replace(/\r$/, '')));
    if (end > 0) {
      frontMatter = { text: lines.slice(1, end).join('\n'), line: 2, endLine: end + 1 };
      i = end + 1;
    }
  }
  const segments: MarkdownSegment[] = [];
  let prose: string[] = [];
  let proseStart = i + 1;
  const flushProse = () => {
    if (prose.some((l) => l.trim() !== ''))
      segments.push({ kind: 'prose', lang: '', text: prose.join('\n'), line: proseStart });
    prose = [];
  };
  while (i < lines.length) {
    const line = lines[i] ?? '';
    const open = FENCE.exec(line);
    if (!open) {
      if (prose.length === 0) proseStart = i + 1;
      prose.push(line);
      i++;
      continue;
    }
    flushProse();
    const fence = open[1] ?? '```';
    const lang = (open[2] ?? '').toLowerCase();
    const closing = new RegExp(`^ {0,3}${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let k = i + 1;
    while (k < lines.length && !closing.test(lines[k] ?? '')) body.push(lines[k++] ?? '');
    segments.push({ kind: 'code', lang, text: body.join('\n'), line: i + 2 });
    i = k + 1;
    proseStart = i + 1;
  }
  flushProse();
  return { ...(frontMatter ? { frontMatter } : {}), segments };
}

/** How a fenced block's language is read: an unlabelled block is taken as shell (that is what agents run). */
export function codeLanguageOf(lang: string): FenceLanguage {
  if (lang === '' || /^(?:bash|sh|shell|zsh|console|terminal|shellsession|fish|ksh|text|txt|cmd|bat)$/.test(lang))
    return 'shell';
  if (/^(?:python|py|python3|ipython)$/.test(lang)) return 'python';
  if (/^(?:javascript|js|node|mjs|cjs|typescript|ts|jsx|tsx)$/.test(lang)) return 'javascript';
  if (/^(?:powershell|ps1|pwsh|ps)$/.test(lang)) return 'powershell';
  if (/^(?:json|jsonc|yaml|yml|toml|ini|env|dotenv|xml|html|css|csv|sql|diff|markdown|md)$/.test(lang)) return 'data';
  return 'other';
}
