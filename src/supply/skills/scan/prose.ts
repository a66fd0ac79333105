/**
 * Instructions in prose (SKILL.md body and front matter, reference documents, MCP tool descriptions): attempts to
 * override the operator's instructions or unlock the model (the shared pattern library's override, jailbreak,
 * role-marker and extraction families), asking the model to hide what it does from the user, to read credential
 * stores and hand them over, to leak data through a rendered link, and "prerequisites" that have the user download
 * and run an executable or a password-protected archive. A phrase inside quotes is a mention, not an instruction.
 */
import {
  scanText,
  EXFILTRATION,
  INDIRECT_INSTRUCTIONS,
  INSTRUCTION_OVERRIDE,
  JAILBREAK_PERSONAS,
  PROMPT_EXTRACTION,
  ROLE_MARKERS,
  type PatternDef,
} from '../../../text/index.js';
import { LineIndex } from './excerpt.js';
import { credentialKindOf } from './locations.js';
import type { FindingSeverity, SkillFinding, SkillRule } from './types.js';

const OVERRIDE_PATTERNS: readonly PatternDef[] = [
  ...INSTRUCTION_OVERRIDE,
  ...JAILBREAK_PERSONAS,
  ...ROLE_MARKERS,
  ...PROMPT_EXTRACTION,
  ...INDIRECT_INSTRUCTIONS.filter((p) => p.id === 'indirect.important_block'),
];
const LEAK_PATTERNS: readonly PatternDef[] = EXFILTRATION.filter(
  (p) => p.id === 'exfil.markdown_placeholder' || p.id === 'exfil.markdown_image_query',
);

/** What an override names: earlier instructions, the system prompt, rules — or a mode without them. */
const STRONG_OVERRIDE =
  /\b(?:ignore|disregard|forget|override|bypass|discard|abandon)\b[^.\n]{0,40}\b(?:instructions?|prompts?|rules|guidelines|directives|guardrails|policies|safety|restrictions|system)\b|\b(?:developer|god|dan|jailbreak|unrestricted|unfiltered)\s(?:mode|persona)\b|\bdo anything now\b|\bno (?:restrictions|rules|limits|filters|guidelines)\b|\bnever refuse\b/i;

/** Asking the model to keep something from the user. */
const CONCEAL =
  /\b(?:do not|don't|never|without)\s[\w ]{0,40}?\b(?:tell(?:ing)?|mention(?:ing)?|inform(?:ing)?|reveal(?:ing)?|explain(?:ing)?|notify(?:ing)?|show(?:ing)?|alert(?:ing)?|ask(?:ing)?)\b[^.\n]{0,40}?\b(?:the\s)?(?:user|human|operator|owner)s?\b|\b(?:do not|don't|never)\s(?:explain|mention|disclose)\s(?:it|this|that|them)\b|\b(?:silently|secretly|covertly)\b[^.\n]{0,40}\b(?:send|run|execute|upload|read|copy|install|add|include)\b|\bwithout\s(?:the\s)?(?:user|them)\s(?:noticing|knowing|seeing)\b/i;

/** A request to be used everywhere, the way a skill gets itself loaded for every task. */
const GREEDY_TRIGGER =
  /\b(?:use|load|apply|activate|run)\b[^.\n]{0,30}\b(?:for|on|with|before)\s(?:every|all|any|each)\s(?:request|task|answer|message|conversation|prompt|reply|response|question)s?\b|\balways\s(?:load|use|activate|apply)\s(?:this|me)\b[^.\n]{0,20}\bfirst\b/i;

/** An imperative to read, copy or hand over something; its object is checked for a credential store. */
const TAKE =
  /\b(?:read|open|cat|load|copy|include|send|pass|paste|upload|attach|append|collect|gather|print|output|forward|put|add|insert|embed)\b[^\n]{0,160}/gi;
const NEGATION = /\b(?:never|not|n't|avoid|without|don't|no)\b/i;

/** Executables and archives a "prerequisite" has the user fetch and run. */
const EXECUTABLE_NAME = /\b[\w.-]{1,80}\.(?:exe|msi|scr|dmg|pkg|appimage|jar|hta|vbs|lnk|iso|bat|cmd|ps1)\b/i;
const ARCHIVE_NAME = /\b[\w.-]{1,80}\.(?:zip|rar|7z|tar\.gz|tgz)\b/i;
const RUN_VERB = /\b(?:download|run|open|execute|launch|install|double-click|start)\b/i;
const PASSWORD_NEAR = /\bpass(?:word|code|phrase)\b|\bpwd\b/i;
const DEFEAT_PROTECTION =
  /privacy\s?&\s?security[^.\n]{0,60}\b(?:allow|open anyway)|xattr\s+-[a-z]*d[a-z]*\s+com\.apple\.quarantine|\bspctl\s+--master-disable\b|\b(?:disable|turn off|pause)\s(?:your\s)?(?:antivirus|windows defender|defender|gatekeeper|real-time protection|smartscreen)\b|\bAdd-MpPreference\b[^\n]{0,40}-ExclusionPath/i;

export interface ProseSite {
  readonly file: string;
  /** Line of the text's first line. */
  readonly line: number;
}

/** Whether [start, end) sits inside quotes on its line ("…", “…”, `…`): a mention, not an instruction. */
function quotedAt(text: string, start: number, end: number): boolean {
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', end);
  const before = text.slice(lineStart, start);
  const after = text.slice(end, lineEnd < 0 ? text.length : lineEnd);
  const count = (s: string, c: string) => s.split(c).length - 1;
  if (count(before, '"') % 2 === 1 && after.includes('"')) return true;
  if (count(before, '`') % 2 === 1 && after.includes('`')) return true;
  return count(before, '“') > count(before, '”') && after.includes('”');
}

export function proseFindings(text: string, site: ProseSite): SkillFinding[] {
  const out: SkillFinding[] = [];
  const lines = new LineIndex(text);
  const push = (rule: SkillRule, severity: FindingSeverity, offset: number, reason: string) =>
    out.push({
      rule,
      severity,
      file: site.file,
      line: site.line + lines.lineOf(offset),
      excerpt: lines.lineText(offset),
      reason,
    });

  // The library's override patterns score messages; a long skill matches one of its broad phrasings now and then
  // ("replace the placeholder text"). Here a hit counts when it names what it overrides (previous instructions, the
  // system prompt, the rules) or unlocks the model, or when several different patterns agree.
  const scanned = scanText(text, { patterns: OVERRIDE_PATTERNS, correctTypos: false });
  const hits = scanned.findings.filter(
    (f) =>
      !quotedAt(text, f.start, f.end) &&
      f.severity !== 'info' &&
      !(f.family === 'prompt_extraction' && f.severity !== 'critical') &&
      f.id !== 'indirect.important_block',
  );
  const strong = hits.filter((f) => STRONG_OVERRIDE.test(text.slice(f.start, f.end)));
  for (const f of strong)
    push(
      'skill.instruction-override',
      'critical',
      f.start,
      `${f.id}: instructions that try to override or unlock the model`,
    );
  const distinct = new Set(hits.map((f) => f.id));
  const first = hits[0];
  if (strong.length === 0 && distinct.size >= 2 && first)
    push(
      'skill.instruction-override',
      'warning',
      first.start,
      `${[...distinct].join(', ')}: several override phrasings`,
    );
  const block = scanned.findings.find((f) => f.id === 'indirect.important_block');
  if (block)
    push(
      'skill.instruction-override',
      'warning',
      block.start,
      'an <IMPORTANT>-style directive block (the usual carrier of tool poisoning)',
    );
  const leaks = scanText(text, { patterns: LEAK_PATTERNS, decode: false, correctTypos: false });
  for (const f of leaks.findings)
    push(
      'skill.exfiltration',
      f.id === 'exfil.markdown_placeholder' ? 'critical' : 'warning',
      f.start,
      `${f.id}: a rendered link or image that carries data out`,
    );

  const greedy = GREEDY_TRIGGER.exec(text);
  if (greedy) push('skill.instruction-override', 'warning', greedy.index, 'asks to be used for every request');

  for (const m of text.matchAll(TAKE)) {
    // The object runs to the end of the sentence (a dot followed by a space), not to the first dot of a path.
    const stop = m[0].search(/[.!?](?:\s|$)/);
    const object = stop < 0 ? m[0] : m[0].slice(0, stop);
    const kind =
      credentialKindOf(object) ??
      (/\.env\b(?!\.example)/.test(object) && /\bfile\b|\.env\s/.test(object) ? 'environment files' : undefined);
    if (!kind) continue;
    const sentenceStart = Math.max(text.lastIndexOf('.', m.index), text.lastIndexOf('\n', m.index));
    if (NEGATION.test(text.slice(sentenceStart + 1, m.index + m[0].length))) continue;
    const hands =
      /\b(?:send|pass|paste|upload|attach|append|include|forward|put|add|insert|embed)\b/i.test(object) ||
      /\bparameter|argument|field|request|url\b/i.test(object);
    push(
      'skill.credential-access',
      hands ? 'critical' : 'warning',
      m.index,
      `instructions to ${hands ? 'hand over' : 'read'} ${kind}`,
    );
  }

  const exe = EXECUTABLE_NAME.exec(text);
  const archive = ARCHIVE_NAME.exec(text);
  const target = exe ?? archive;
  if (target && RUN_VERB.test(text)) {
    const near = text.slice(Math.max(0, target.index - 300), target.index + 300);
    const password = archive !== null && PASSWORD_NEAR.test(near);
    if (exe || password)
      push(
        'skill.dropper-instructions',
        password ? 'critical' : 'warning',
        target.index,
        password
          ? 'has the user fetch a password-protected archive (hides its content from scanners)'
          : `has the user fetch and run ${target[0]}`,
      );
  }
  const defeat = DEFEAT_PROTECTION.exec(text);
  if (defeat)
    push(
      'skill.dropper-instructions',
      'critical',
      defeat.index,
      'asks to switch off or get around the operating system protection',
    );
  const conceal = CONCEAL.exec(text);
  if (conceal) {
    // Hiding an action from the user next to a hidden directive block or an attempt to override is tool poisoning.
    const poisoned = out.some(
      (f) =>
        f.rule === 'skill.instruction-override' ||
        f.rule === 'skill.credential-access' ||
        f.rule === 'skill.exfiltration',
    );
    push(
      'skill.concealment',
      poisoned ? 'critical' : 'warning',
      conceal.index,
      `asks the model to keep what it does from the user${poisoned ? ', next to directives it should not follow' : ''}`,
    );
  }
  return out;
}

/** Inline code spans of prose that read as commands (`curl … | sh` written in running text). */
export function inlineCommands(text: string): Array<{ text: string; offset: number }> {
  const out: Array<{ text: string; offset: number }> = [];
  for (const m of text.matchAll(/`([^`\n]{6,600})`/g)) out.push({ text: m[1] ?? '', offset: m.index });
  return out;
}
