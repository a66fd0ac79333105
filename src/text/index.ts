/** The text room's public surface: everything other rooms use from it, and nothing else. */
export { base64Cores } from './base64-cores.js';
export { findBlobs } from './blobs.js';
export { BoundedLru } from './bounded-lru.js';
export { canonicalise, detectionView, type Canonical, type DetectionView } from './canonical.js';
export { charCodeView, MAX_CODE_GAP, MAX_CODE_TOKEN, openCharCodeTail, pendingCharCode } from './char-codes.js';
export { injectionProbability } from './classifier/model.js';
export { dangerousEnvKind, isDangerousEnv, STEERS_EXECUTION } from './dangerous-env.js';
export { DecodedViewBuilder, type DecodedView } from './decoded-view.js';
export { foldChar, skeletonKeepCase } from './fold.js';
export { flagTagRunLength } from './invisible.js';
export { visibleText } from './visible-text.js';
export { hexTextView, openHexTextTail } from './hex-text.js';
export { redactLeakHits } from './leak-redact.js';
export { asciiLower, MultiMatcher, replaceSpans } from './multi-match.js';
export type { CompiledFormat } from './patterns/format-matches.js';
export {
  EXFILTRATION,
  EXTERNAL_CONTENT_PATTERNS,
  INDIRECT_INSTRUCTIONS,
  INSTRUCTION_OVERRIDE,
  JAILBREAK_PERSONAS,
  PROMPT_EXTRACTION,
  ROLE_MARKERS,
  type PatternDef,
} from './patterns/index.js';
export { base62, crc32, shannonEntropy } from './patterns/secret-checks.js';
export { CRITICAL_SECRET_FORMAT_IDS, SECRET_FORMATS } from './patterns/secret-formats.js';
export type { Severity } from './patterns/types.js';
export { base32Cores, base32Decode, base32Encode, reverseText, rot13 } from './reversible.js';
export { SubstringAutomaton } from './substring-automaton.js';
export { scanText, SYNTHETIC_FINDINGS, type Finding } from './scan.js';
export { secretScanner, type SecretScanner } from './secret-scan.js';
export {
  isSeparatorUnit,
  MAX_SEPARATOR_RUN,
  openSeparatedTail,
  SEPARATED_KEY,
  separatedRegions,
  separatedView,
  separatedViewOf,
  stripSeparators,
} from './separated.js';
export { openSpelledTail, spelledView } from './spelled.js';
export { isDecoder } from './shell-feed.js';
export {
  parseScriptAt,
  parseShell,
  resolveArgv,
  type NestedScript,
  type ResolvedCommand,
  type ShellModel,
} from './shell-model.js';
export { ASSIGNMENT_WORD, type Redirect, type Word } from './shell-parse.js';
export { SHELLS } from './shell-unwrap.js';
export { braceExpansions } from './shell-brace.js';
export { forEachWord } from './word-spans.js';
export {
  findZipEnd,
  type ZipDirectory,
  ZIP_CENTRAL_BYTES,
  ZIP_END_BYTES,
  ZIP_LOCAL_BYTES,
  ZIP_MAX_COMMENT,
  ZIP_U32_MAX,
  ZIP64_END_BYTES,
  ZIP64_LOCATOR_BYTES,
  zip64End,
  zip64EndAt,
  zipCentralHeader,
  zipEnd,
  zipLocalDataAt,
  zipLocalHeader,
  type ZipLocalHeader,
} from './zip-records.js';
