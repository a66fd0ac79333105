/** Shape of every entry of the one pattern library (DESIGN §3). */
export type PatternFamily =
  | 'role_marker'
  | 'instruction_override'
  | 'jailbreak_persona'
  | 'prompt_extraction'
  | 'dangerous_command'
  | 'credential_logging'
  | 'exfiltration'
  | 'encoded_payload'
  | 'secret_format';

export type Severity = 'info' | 'warning' | 'critical';

export interface PatternDef {
  /** Stable id, e.g. "role.chatml", "secret.aws_access_key_id". */
  readonly id: string;
  readonly family: PatternFamily;
  readonly description: string;
  /** Must be linear-time safe (checked over the whole library by a test). Use the `g` flag only if the engine asks for it. */
  readonly regex: RegExp;
  /** Contribution to a risk score when matched (input side). */
  readonly weight: number;
  readonly severity: Severity;
  /** Optional structural check of a match (e.g. JWT header decodes, entropy over a floor). */
  readonly validate?: (match: string) => boolean;
  /**
   * Optional prefilter (lower case): every match contains one of these. A plain word must appear as a
   * whole token of the detection view ("word*" as a token prefix); anything else (symbols, paths) is
   * a substring. The scanner skips the regex when none is present, which keeps large inputs fast.
   */
  readonly anchors?: readonly string[];
  /**
   * Optional further prefilter: groups of anchors (same notation as `anchors`) of which every match
   * contains at least one per group — typically the later, rarer parts of a phrase. The regex is skipped
   * when some group does not occur at all. Word anchors only count as absent when the text has no
   * apostrophe (a token such as "l'instruction" hides a \b-bounded word); then the pattern just runs.
   */
  readonly requires?: ReadonlyArray<readonly string[]>;
  /**
   * Secret formats: literal strings of which every match (every valid one, for formats with a
   * `validate`) contains at least one, matched ASCII-case-insensitively unless `literalCase` is
   * 'sensitive'. The secret scanner finds all of them in one pass and runs the format only around them.
   */
  readonly literals?: readonly string[];
  readonly literalCase?: 'sensitive' | 'insensitive';
  /**
   * How far before a literal's start a match can begin: 0 for prefix formats, whose every match starts at
   * the literal (the scanner then tries the regex at that one position); default the longest match.
   */
  readonly reachBefore?: number;
  /** A sticky check at the literal's end that every valid match passes (e.g. `\s*[:=]` after a key word). */
  readonly afterLiteral?: RegExp;
  /** Secret formats: who issues the credential, and the page that documents its shape. */
  readonly vendor?: string;
  readonly source?: string;
}
