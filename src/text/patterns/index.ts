/** The one pattern library (DESIGN §3): every pattern once, with an id, family, weight and severity. */
import type { PatternDef } from './types.js';
import { ROLE_MARKERS } from './role-markers.js';
import { INSTRUCTION_OVERRIDE } from './injection.js';
import { JAILBREAK_PERSONAS } from './jailbreak.js';
import { PROMPT_EXTRACTION } from './extraction.js';
import { DANGEROUS_COMMANDS } from './commands.js';
import { CREDENTIAL_LOGGING } from './credentials.js';
import { EXFILTRATION } from './exfiltration.js';
import { ENCODED_PAYLOADS } from './encoded.js';
import { SECRET_FORMATS } from './secret-formats.js';
import { INDIRECT_INSTRUCTIONS } from './indirect.js';

export type { PatternDef, PatternFamily, Severity } from './types.js';
export {
  ROLE_MARKERS,
  INSTRUCTION_OVERRIDE,
  JAILBREAK_PERSONAS,
  PROMPT_EXTRACTION,
  DANGEROUS_COMMANDS,
  CREDENTIAL_LOGGING,
  EXFILTRATION,
  ENCODED_PAYLOADS,
  SECRET_FORMATS,
  INDIRECT_INSTRUCTIONS,
};

/** Patterns that score inbound text, tool output and memory writes for injection (matched on the detection view). */
export const INJECTION_PATTERNS: readonly PatternDef[] = [
  ...ROLE_MARKERS,
  ...INSTRUCTION_OVERRIDE,
  ...JAILBREAK_PERSONAS,
  ...PROMPT_EXTRACTION,
  ...DANGEROUS_COMMANDS,
  ...CREDENTIAL_LOGGING,
  ...EXFILTRATION,
  ...ENCODED_PAYLOADS,
];

/** Patterns for content that should be data (tool output, web pages, memory writes): injection plus indirect directives. */
export const EXTERNAL_CONTENT_PATTERNS: readonly PatternDef[] = [...INJECTION_PATTERNS, ...INDIRECT_INSTRUCTIONS];

/** Every pattern of the library, injection and secret formats alike. */
export const PATTERN_LIBRARY: readonly PatternDef[] = [...EXTERNAL_CONTENT_PATTERNS, ...SECRET_FORMATS];
