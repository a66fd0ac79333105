/**
 * L24 — the skill content scanner. Every file of a skill is read (not only SKILL.md): binaries and archives by
 * their content, markdown as prose and code blocks, scripts by their language, every text for hidden Unicode and
 * for encoded payloads (decoded and read again). Facts become findings (combine.ts); the verdict is `block` when a
 * finding is critical, `warn` when there are warnings only, else `allow`.
 */
import { parseSkillManifest } from '../manifest.js';
import { binaryKind } from './binary.js';
import { codeFacts, DATA_PROFILE, profileFor } from './code-facts.js';
import { findingsFromFacts } from './combine.js';
import { decodePayloads } from './decode.js';
import { excerptOf } from './excerpt.js';
import { FactSet, type Analyse, type CodeLanguage } from './facts.js';
import { hiddenUnicodeFindings } from './hidden-unicode.js';
import { installHookFacts } from './install-hooks.js';
import { codeLanguageOf, splitMarkdown } from './markdown.js';
import { inlineCommands, proseFindings } from './prose.js';
import { shellFacts } from './shell-facts.js';
import type { SkillFinding, SkillScan, TextSite, Verdict } from './types.js';

export interface ScanFile {
  /** Path inside the skill, `/`-separated (`SKILL.md`, `scripts/run.sh`). */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** A file larger than this is not read further (reported as a warning): skills are small. */
export const MAX_SCANNED_FILE_BYTES = 2 * 1024 * 1024;
/** At most this many findings per rule and file are kept (the first ones). */
const MAX_PER_RULE_FILE = 5;

const dispatch: Analyse = (lang, text, site, into) => {
  if (lang === 'shell') shellFacts(text, site, into);
  else codeFacts(text, site, into, profileFor(lang));
  // A script inside a script may carry its own encoded payload.
  if (site.depth > 0) decodePayloads(text, site, into);
};

type FileRole = 'markdown' | 'data' | CodeLanguage;

function roleOf(path: string, text: string): FileRole {
  const lower = path.toLowerCase();
  const ext = /\.([a-z0-9]+)$/.exec(lower)?.[1] ?? '';
  const shebang = /^#!\s*(?:\/usr\/bin\/env\s)?\s*\S*?([a-z0-9]+)(?:\s|$)/.exec(text)?.[1] ?? '';
  if (['md', 'markdown', 'mdx', 'txt', 'rst'].includes(ext)) return 'markdown';
  if (['sh', 'bash', 'zsh', 'ksh', 'command', 'fish'].includes(ext) || /^(?:sh|bash|zsh|dash|ksh)$/.test(shebang))
    return 'shell';
  if (ext === 'py' || shebang.startsWith('python')) return 'python';
  if (['js', 'mjs', 'cjs', 'ts', 'mts', 'cts', 'jsx', 'tsx'].includes(ext) || /^(?:node|deno|bun)$/.test(shebang))
    return 'javascript';
  if (['ps1', 'psm1', 'psd1'].includes(ext) || /^pwsh|powershell/.test(shebang)) return 'powershell';
  if (['rb', 'pl', 'pm', 'php', 'lua', 'r', 'applescript', 'scpt', 'vbs', 'bat', 'cmd'].includes(ext) || shebang !== '')
    return 'generic';
  if (
    [
      'json',
      'jsonc',
      'yaml',
      'yml',
      'toml',
      'ini',
      'cfg',
      'conf',
      'env',
      'xml',
      'html',
      'htm',
      'css',
      'csv',
      'svg',
      'lock',
    ].includes(ext)
  )
    return 'data';
  return ext === '' ? 'markdown' : 'data';
}

export function scanSkill(files: readonly ScanFile[]): SkillScan {
  const into = new FactSet(dispatch);
  const findings: SkillFinding[] = [];
  const text: string[] = [];
  let bytes = 0;
  const skillMd = files.find((f) => f.path === 'SKILL.md');
  if (!skillMd)
    findings.push({
      rule: 'skill.manifest',
      severity: 'critical',
      file: 'SKILL.md',
      line: 1,
      excerpt: '',
      reason: 'the skill has no SKILL.md at its root',
    });
  if (skillMd) {
    const manifest = parseSkillManifest(Buffer.from(skillMd.bytes).toString('utf8'));
    if (!manifest.ok)
      findings.push({
        rule: 'skill.manifest',
        severity: 'critical',
        file: 'SKILL.md',
        line: 1,
        excerpt: '',
        reason: manifest.error.message,
      });
  }
  for (const file of files) {
    bytes += file.bytes.length;
    const kind = binaryKind(file.bytes);
    if (kind.kind === 'executable') {
      findings.push({
        rule: 'skill.binary',
        severity: 'critical',
        file: file.path,
        line: 1,
        excerpt: `${kind.format} executable, ${file.bytes.length} bytes`,
        reason: 'ships a native or compiled executable nobody can review',
      });
      continue;
    }
    if (kind.kind === 'archive') {
      findings.push({
        rule: 'skill.archive',
        severity: 'warning',
        file: file.path,
        line: 1,
        excerpt: `${kind.format} archive, ${file.bytes.length} bytes`,
        reason: 'an archive inside the skill hides its content from this scan',
      });
      continue;
    }
    if (kind.kind === 'data') {
      findings.push({
        rule: 'skill.binary',
        severity: 'warning',
        file: file.path,
        line: 1,
        excerpt: `binary data, ${file.bytes.length} bytes`,
        reason: 'binary content that is neither media nor text',
      });
      continue;
    }
    if (kind.kind === 'media') continue;
    if (file.bytes.length > MAX_SCANNED_FILE_BYTES) {
      findings.push({
        rule: 'skill.unreadable',
        severity: 'critical',
        file: file.path,
        line: 1,
        excerpt: `${file.bytes.length} bytes`,
        reason: `larger than ${MAX_SCANNED_FILE_BYTES} bytes: not read, so not allowed`,
      });
      continue;
    }
    const content = Buffer.from(file.bytes).toString('utf8');
    scanText(file.path, content, into, findings, text);
  }
  findings.push(...findingsFromFacts(into.facts, text.join('\n')));
  return summarise(findings, files.length, bytes);
}

function scanText(path: string, content: string, into: FactSet, findings: SkillFinding[], skillText: string[]): void {
  const role = roleOf(path, content);
  const site: TextSite = { file: path, line: 1, depth: 0 };
  findings.push(...hiddenUnicodeFindings(content, path, role !== 'markdown' && role !== 'data'));
  decodePayloads(content, site, into);
  if (role === 'markdown') {
    const parts = splitMarkdown(content);
    if (parts.frontMatter) {
      skillText.push(parts.frontMatter.text);
      findings.push(...proseFindings(parts.frontMatter.text, { file: path, line: parts.frontMatter.line }));
    }
    for (const seg of parts.segments) {
      if (seg.kind === 'prose') {
        skillText.push(seg.text);
        findings.push(...proseFindings(seg.text, { file: path, line: seg.line }));
        for (const inline of inlineCommands(seg.text))
          if (
            /\|\s*(?:sudo\s)?\s*(?:ba|z|da)?sh\b|\b(?:iex|Invoke-Expression)\b|\/dev\/tcp\/|base64\s+-[dD]|\beval\b/.test(
              inline.text,
            )
          )
            shellFacts(
              inline.text,
              { ...site, line: seg.line + seg.text.slice(0, inline.offset).split('\n').length - 1 },
              into,
            );
        continue;
      }
      const lang = codeLanguageOf(seg.lang);
      const at = { ...site, line: seg.line };
      if (lang === 'data' || lang === 'other') codeFacts(seg.text, at, into, DATA_PROFILE);
      else if (lang === 'shell') shellFacts(seg.text, at, into);
      else codeFacts(seg.text, at, into, profileFor(lang));
    }
    return;
  }
  if (role === 'data') {
    installHookFacts(path, content, site, into);
    codeFacts(content, site, into, DATA_PROFILE);
    return;
  }
  installHookFacts(path, content, site, into);
  dispatch(role, content, site, into);
}

function summarise(all: readonly SkillFinding[], files: number, bytes: number): SkillScan {
  const kept: SkillFinding[] = [];
  const seen = new Map<string, number>();
  const exact = new Set<string>();
  const sorted = [...all].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'critical' ? -1 : 1));
  for (const f of sorted) {
    const key = `${f.rule}|${f.file}`;
    const same = `${key}|${f.line}|${f.severity}`;
    if (exact.has(same)) continue;
    const n = seen.get(key) ?? 0;
    if (n >= MAX_PER_RULE_FILE) continue;
    seen.set(key, n + 1);
    exact.add(same);
    kept.push({ ...f, excerpt: excerptOf(f.excerpt) });
  }
  kept.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
  const verdict: Verdict = kept.some((f) => f.severity === 'critical') ? 'block' : kept.length > 0 ? 'warn' : 'allow';
  return { verdict, findings: kept, files, bytes };
}
